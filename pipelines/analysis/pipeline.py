"""The analysis as plain functions: prepare -> fit each model -> match levels, trees and
names -> map -> compare -> topics over time.

The Prefect flow submits exactly these functions as tasks (with caching and timing
around them); stability checks and the benchmarks call them too, so there is one
definition of "the pipeline". :func:`analyse` runs them all in memory, e.g. from a
notebook::

    from topicflow.pipelines.analysis.pipeline import analyse
    from topicflow.pipelines.config import load_config
    result = analyse(texts, load_config(overrides={"models": ["lda", "nmf"]}))
    result.topic_sets["nmf"].words[0], result.metrics["comparisons"][0]["agreement"]["nmi"]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from topicflow.pipelines.analysis.levels import level_facts, match_levels, tree_levels, tree_shape
from topicflow.pipelines.config import Config
from topicflow.pipelines.evaluate.compare import compare_models, models_quality
from topicflow.pipelines.io.run_shapes import TopicTree as TreeShape
from topicflow.pipelines.models import names as naming
from topicflow.pipelines.models.base import Encoder, PreparedCorpus, TopicModel
from topicflow.pipelines.models.registry import spec
from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.text.preprocess import Preprocessed, preprocess_corpus

# The document map's neighbourhood size when it is drawn from the document vectors.
MAP_NEIGHBOURS = 30


def prepare(texts: Sequence[str], cfg: Config) -> Preprocessed:
    """The shared tokenisation and vocabulary (one fitted preprocessor)."""
    return preprocess_corpus(texts, cfg.preprocess)


def prepared_corpus(
    prepared: Preprocessed, vectors: np.ndarray | None = None, encoder: Encoder | None = None
) -> PreparedCorpus:
    return PreparedCorpus(prepared.texts, prepared.tokens, prepared.vocabulary, vectors, encoder)


def embed(texts: Sequence[str], cfg: Config, store: Path | None = None) -> np.ndarray:
    """Document vectors with the configured embedder (through the store's cache, if given)."""
    from topicflow.pipelines.io.store import cache_dir
    from topicflow.pipelines.vectors.cache import EmbeddingCache
    from topicflow.pipelines.vectors.loaded import loaded_embedder

    models = cache_dir(store, "models") if store else None
    embedder = loaded_embedder(cfg.embedder.estimator_params(), models)
    if store is None or not cfg.embedder.cache:
        return embedder.transform(list(texts))
    cache = EmbeddingCache.shared(cache_dir(store, "embeddings") / embedder.identity_)
    return embedder.transform_cached(list(texts), cache)[0]


def build_model(name: str, cfg: Config, seed: int | None = None) -> TopicModel:
    """Model ``name``, unfitted, configured by its section of ``cfg``."""
    return spec(name).build(
        cfg.model_section(name),
        seed=cfg.seed if seed is None else seed,
        top_words=cfg.top_words,
        granularity=cfg.granularity,
    )


def fit_model(name: str, corpus: PreparedCorpus, cfg: Config, seed: int | None = None):
    """Model ``name`` fitted on ``corpus`` (``seed`` overrides the config's), reported at
    the level its rule prefers."""
    return build_model(name, cfg, seed).fit(corpus)


def grow_model(name: str, corpus: PreparedCorpus, cfg: Config, seed: int | None = None):
    """Model ``name`` with its leaves, tree and preferred count, no level reported yet
    (:meth:`TopicModel.grow`): :func:`fit_trees` sets the matched level once."""
    return build_model(name, cfg, seed).grow(corpus)


def grow_models(corpus: PreparedCorpus, cfg: Config) -> dict[str, TopicModel]:
    """Every model the config lists, grown on the same corpus, in the config's order."""
    return {name: grow_model(name, corpus, cfg) for name in cfg.models}


def name_topics(
    topic_sets: Mapping[Any, TopicSet], corpus: PreparedCorpus, cfg: Config
) -> dict[Any, TopicSet]:
    """Every topic set's topics with a short readable name each (:mod:`models.names`);
    the keys are the caller's (model names, or (model, level) pairs for the trees).

    One phrase index serves every set; phrases and topics are compared in the
    encoder's space (the corpus's vectors when it has them). A set's names are
    distinct; two sets may give matching topics the same name.
    """
    if not topic_sets:
        return {}
    index = naming.PhraseIndex.build(corpus.texts, corpus.tokens)
    return {
        name: replace(
            topics,
            names=naming.name_topics(
                index,
                topics.assignments,
                topics.n_topics,
                topic_words=topics.words,
                vectors=corpus.vectors,
                encoder=corpus.encoder,
                candidates=cfg.naming.candidates,
                diversity=cfg.naming.diversity,
            ),
        )
        for name, topics in topic_sets.items()
    }


Namer = Callable[[Mapping[Any, TopicSet], PreparedCorpus, Config], dict[Any, TopicSet]]


def fit_trees(
    models: Mapping[str, TopicModel],
    corpus: PreparedCorpus,
    cfg: Config,
    namer: Namer | None = None,
) -> dict[str, TreeShape]:
    """Put every model at the matched level (models from :func:`grow_model`, or already
    there), then take each model's topics at every
    level its tree is shown at (:mod:`.levels`), named by ``namer`` (default
    :func:`name_topics`; the flow passes its cached stage) when naming is on. Each
    model's ``topics_`` become its reported level's (named) topics, with the levels'
    facts for the metrics. Returns each model's tree for ``tree.json`` (none for a model
    that found no topic)."""
    match_levels(models, corpus, cfg.granularity)
    levels = {name: tree_levels(model, corpus) for name, model in models.items()}
    if cfg.naming.enabled:
        flat = {(name, k): t for name, by_level in levels.items() for k, t in by_level.items()}
        named = (namer or name_topics)(flat, corpus, cfg)
        levels = {name: {k: named[name, k] for k in by_level} for name, by_level in levels.items()}
    for name, model in models.items():
        model.topics_ = levels[name][model.level_]
        model.topics_.extra.update(level_facts(model, corpus))
    # A model without topics (HDBSCAN found no cluster) has no tree to show.
    return {
        name: tree_shape(model, levels[name])
        for name, model in models.items()
        if model.tree_.n_leaves
    }


def document_map(models: Mapping[str, TopicModel], corpus: PreparedCorpus, seed: int) -> np.ndarray:
    """2-D coordinates of every document for the report's map.

    The first model's own layout (the embedding model's: a UMAP of the space it
    clustered in), else a UMAP of the document vectors, else a 2-D SVD of the TF-IDF
    matrix (a run with word-count models only).
    """
    from topicflow.pipelines.models.embedding.cluster import document_map as umap_map

    for model in models.values():
        layout = model.document_map(seed)
        if layout is not None:
            return layout
    if corpus.vectors is not None:
        return umap_map(corpus.vectors, seed, MAP_NEIGHBOURS)
    return _tfidf_map(corpus, seed)


def _tfidf_map(corpus: PreparedCorpus, seed: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer

    if len(corpus) < 3 or corpus.counts.shape[1] < 3:
        return np.zeros((len(corpus), 2), dtype=np.float32)
    tfidf = TfidfTransformer().fit_transform(corpus.counts)
    return TruncatedSVD(2, random_state=seed).fit_transform(tfidf).astype(np.float32)


def topics_over_time(
    topic_sets: Mapping[str, TopicSet],
    corpus: PreparedCorpus,
    times: Sequence[str | None] | None,
    cfg: Config,
    comparisons: Sequence[Mapping] | None = None,
) -> dict[str, Any]:
    """``metrics.json``'s ``over_time``: every model's topic shares per period, trends and
    words per period (:mod:`.over_time`), on the shared vocabulary. ``times`` are the
    corpus's normalised timestamps (None: the corpus has no time field)."""
    from topicflow.pipelines.analysis.over_time.metrics import NO_TIME_FIELD, over_time, unavailable
    from topicflow.pipelines.corpus.timestamps import to_datetime64

    if times is None:  # only the reason: no count matrix to build
        return unavailable(NO_TIME_FIELD)
    vocabulary = [corpus.vocabulary[i] for i in range(len(corpus.vocabulary))]
    return over_time(
        topic_sets,
        to_datetime64(times),
        corpus.counts,
        vocabulary,
        cfg.over_time,
        comparisons,
        cfg.corpus.time_field,
    )


def compare(
    topic_sets: Mapping[str, TopicSet],
    corpus: PreparedCorpus,
    labels: Sequence[str | None] | None,
    cfg: Config,
) -> dict[str, Any]:
    """``metrics.json`` before stability and drift: each model on the shared reference,
    then every pair of models, then each model against the gold labels."""
    return {
        "models": models_quality(topic_sets, corpus.reference, encoder=corpus.encoder),
        "reference": corpus.reference.facts(),
        **compare_models(
            topic_sets, corpus, labels, thresholds=cfg.compare.thresholds.model_dump()
        ),
    }


@dataclass
class Analysis:
    """Everything :func:`analyse` computed, in memory."""

    prepared: Preprocessed
    corpus: PreparedCorpus
    models: dict[str, TopicModel]
    coordinates: np.ndarray
    trees: dict[str, TreeShape] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def topic_sets(self) -> dict[str, TopicSet]:
        return {name: model.topics_ for name, model in self.models.items()}


def analyse(
    texts: Sequence[str],
    cfg: Config,
    labels: Sequence[str | None] | None = None,
    vectors: np.ndarray | None = None,
    store: Path | None = None,
    times: Sequence[str | None] | None = None,
) -> Analysis:
    """The whole analysis in memory: the same functions the flow runs, without Prefect,
    caching or a run directory. ``vectors`` skips embedding (e.g. precomputed ones);
    ``times`` (ISO 8601, one per text) adds the topics over time."""
    from topicflow.pipelines.io.store import cache_dir
    from topicflow.pipelines.vectors.encoder import LazyEncoder

    prepared = prepare(texts, cfg)
    if vectors is None and cfg.needs_vectors():
        vectors = embed(prepared.texts, cfg, store)
    # The model cache embed() used, so the names reuse the embedder it loaded.
    encoder = LazyEncoder(cfg.embedder, cache_dir(store, "models") if store else None)
    corpus = prepared_corpus(prepared, vectors, encoder)
    models = grow_models(corpus, cfg)
    trees = fit_trees(models, corpus, cfg)
    coordinates = document_map(models, corpus, cfg.seed)
    analysis = Analysis(prepared, corpus, models, coordinates, trees)
    analysis.metrics = {
        "preprocess": prepared.summary(),
        **compare(analysis.topic_sets, corpus, labels, cfg),
    }
    comparisons = analysis.metrics["comparisons"]
    analysis.metrics["over_time"] = topics_over_time(
        analysis.topic_sets, corpus, times, cfg, comparisons
    )
    return analysis
