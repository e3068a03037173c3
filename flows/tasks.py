"""The flow's tasks: each times its stage and delegates to ``pipelines`` in a few lines.

A task returns a :class:`Staged` value: the result plus the stage's start, end and
cache outcome, which the flow writes to the manifest (tasks may run in other
processes, so they report timings instead of writing the manifest themselves).
The expensive steps keep their results in the store under keys from
:mod:`flows.keys`, so a re-run with the same inputs, settings and code reuses them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np
from prefect import get_run_logger
from prefect import task as prefect_task
from prefect.cache_policies import NO_CACHE

from pipelines.classical import fit_classical
from pipelines.cluster import document_map
from pipelines.compare import compare_models, model_quality
from pipelines.config import Config, CorpusConfig, EmbeddingConfig, PreprocessConfig
from pipelines.corpus import Corpus
from pipelines.embed import SentenceEmbedder
from pipelines.embedding_cache import EmbeddingCache
from pipelines.embedding_topics import fit_embedding_topics
from pipelines.errors import InputError
from pipelines.manifest import Manifest, now
from pipelines.preprocess import Preprocessed, preprocess_corpus
from pipelines.stability import stability
from pipelines.store import cache_dir, cached_result, read_corpus_cached
from pipelines.topics import TopicSet

T = TypeVar("T")


def task(**options):
    """Prefect's ``@task`` without its default input-hashing cache: the inputs here are large
    (token lists, embedding matrices) and the expensive steps cache by keys of their own."""
    return prefect_task(cache_policy=NO_CACHE, **options)


@dataclass
class Staged(Generic[T]):
    """A task's value with the timing and cache outcome the manifest records for its stage."""

    value: T
    started_at: str
    finished_at: str
    seconds: float
    cache: str | None = None  # "hit", "miss", "partial", or None for stages without a cache

    def record(self, manifest: Manifest, stage: str) -> T:
        manifest.record_stage(stage, self.started_at, self.finished_at, self.seconds, self.cache)
        return self.value


class _Clock:
    def __init__(self) -> None:
        self.started_at, self.start = now(), time.perf_counter()

    def staged(self, value: T, cache: str | None = None) -> Staged[T]:
        return Staged(value, self.started_at, now(), time.perf_counter() - self.start, cache)


def _outcome(hit: bool) -> str:
    return "hit" if hit else "miss"


def _not_an_input_error(task, task_run, state) -> bool:
    """Retry I/O failures, never bad input: re-reading a malformed file cannot help."""
    return not isinstance(getattr(state, "data", None), InputError)


@task(name="ingest", retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_not_an_input_error)
def ingest_corpus(source: str, options: CorpusConfig, store: Path) -> Staged[Corpus]:
    logger = get_run_logger()
    clock = _Clock()

    def progress(records: int) -> None:
        logger.info("ingest: %s records read", f"{records:,}")

    corpus, hit = read_corpus_cached(source, options, store, progress)
    stats = corpus.stats
    logger.info(
        "ingest: %s documents from %s file(s) (%s empty and %s duplicate dropped)%s",
        f"{len(corpus):,}",
        stats.files,
        stats.empty_dropped,
        stats.duplicates_dropped,
        " [cached]" if hit else "",
    )
    return clock.staged(corpus, _outcome(hit))


@task(name="preprocess")
def preprocess(texts: list[str], config: PreprocessConfig) -> Staged[Preprocessed]:
    clock = _Clock()
    prepared = preprocess_corpus(texts, config)
    summary = prepared.summary()
    get_run_logger().info(
        "preprocess: vocabulary of %s words; %s documents without any",
        f"{summary['vocabulary_size']:,}",
        summary["documents_without_tokens"],
    )
    return clock.staged(prepared)


@task(name="lda")
def lda_topics(prepared: Preprocessed, cfg: Config, store: Path, key: str) -> Staged[TopicSet]:
    clock = _Clock()

    def fit() -> TopicSet:
        _, topics = fit_classical(
            prepared.tokens, prepared.vocabulary, cfg.lda, cfg.seed, cfg.top_words
        )
        return topics

    topics, hit = cached_result(store, "lda", key, fit)
    get_run_logger().info("lda: %s topics%s", topics.n_topics, " [cached]" if hit else "")
    return clock.staged(topics, _outcome(hit))


@dataclass
class Embedded:
    vectors: np.ndarray
    embedder: SentenceEmbedder


@task(name="embed", retries=1, retry_condition_fn=_not_an_input_error)
def embed(texts: list[str], config: EmbeddingConfig, store: Path) -> Staged[Embedded]:
    logger = get_run_logger()
    clock = _Clock()
    embedder = SentenceEmbedder(**config.estimator_params()).fit()
    directory = cache_dir(store, "embeddings") / embedder.identity_
    cache = EmbeddingCache(directory) if config.cache else None

    def progress(done: int, total: int) -> None:
        logger.info("embed: %s / %s documents", f"{done:,}", f"{total:,}")

    vectors, hits = embedder.transform_cached(texts, cache, progress)
    logger.info("embed: %s documents, %s from the cache", f"{len(texts):,}", f"{hits:,}")
    outcome = None
    if cache is not None:
        outcome = "hit" if hits == len(texts) else "miss" if hits == 0 else "partial"
    return clock.staged(Embedded(vectors, embedder), outcome)


@dataclass
class EmbeddingResult:
    topics: TopicSet
    coordinates: np.ndarray  # the 2-D document map


@task(name="embedding-topics")
def embedding_topics(
    embedded: Embedded, prepared: Preprocessed, cfg: Config, store: Path, key: str
) -> Staged[EmbeddingResult]:
    clock = _Clock()

    def fit() -> EmbeddingResult:
        mmr = cfg.embedding_topics.mmr_diversity > 0
        topics, clusterer = fit_embedding_topics(
            embedded.vectors,
            prepared.tokens,
            prepared.vocabulary,
            cfg.umap,
            cfg.hdbscan,
            cfg.embedding_topics,
            cfg.seed,
            cfg.top_words,
            word_embedder=embedded.embedder.transform if mmr else None,
        )
        coordinates = document_map(clusterer.reduced_, cfg.seed, cfg.umap.n_neighbors)
        return EmbeddingResult(topics, coordinates)

    result, hit = cached_result(store, "embedding-topics", key, fit)
    topics = result.topics
    get_run_logger().info(
        "embedding topics: %s topics (%s natural), %.1f %% of documents unassigned%s",
        topics.n_topics,
        topics.extra["n_topics_natural"],
        100 * topics.unassigned_share(),
        " [cached]" if hit else "",
    )
    return clock.staged(result, _outcome(hit))


@task(name="compare")
def compare(
    lda: TopicSet,
    embedding: TopicSet,
    prepared: Preprocessed,
    embedded: Embedded,
    labels: list[str | None] | None,
    cfg: Config,
) -> Staged[dict]:
    """Every number of ``metrics.json``: each model on the shared reference, then both together."""
    clock = _Clock()
    reference = prepared.reference
    metrics = {
        "preprocess": prepared.summary(),
        "lda": model_quality(lda, reference),
        "embedding": model_quality(embedding, reference),
        **compare_models(
            lda,
            embedding,
            prepared.tokens,
            prepared.vocabulary,
            embedded.vectors,
            labels,
            cfg.compare.thresholds.model_dump(),
        ),
    }
    matched = len(metrics["alignment"][metrics["alignment"]["primary"]]["alignment"]["matched"])
    get_run_logger().info(
        "compare: %s of %s LDA topics match an embedding topic; document NMI %.3f",
        matched,
        lda.n_topics,
        metrics["agreement"]["nmi"],
    )
    return clock.staged(metrics)


@task(name="stability")
def stability_check(
    prepared: Preprocessed, embedded: Embedded, cfg: Config, lda: TopicSet, embedding: TopicSet
) -> Staged[dict]:
    clock = _Clock()
    seeds = [cfg.seed + i for i in range(1, cfg.stability.seeds + 1)]
    result = stability(prepared, embedded.vectors, cfg, lda, embedding, seeds)
    get_run_logger().info(
        "stability: topics recovered across %s seeds: LDA %.0f %%, embedding %.0f %%",
        len(seeds),
        100 * result["lda"]["recovery"]["mean"],
        100 * result["embedding"]["recovery"]["mean"],
    )
    return clock.staged(result)
