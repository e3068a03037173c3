"""The ``topic-analysis`` flow: thin Prefect wiring around ``pipelines``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
from gensim.corpora import Dictionary
from prefect import flow, get_run_logger
from prefect import task as prefect_task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.preflight import corpus_display_name, new_run_id, prepare
from pipelines.classical import fit_classical
from pipelines.cluster import document_map
from pipelines.coherence import quality
from pipelines.config import Config, CorpusConfig, EmbeddingConfig, LdaConfig, PreprocessConfig
from pipelines.corpus import Corpus, require_documents
from pipelines.embed import SentenceEmbedder
from pipelines.embedding_cache import EmbeddingCache
from pipelines.embedding_topics import fit_embedding_topics
from pipelines.errors import InputError
from pipelines.manifest import Manifest, now
from pipelines.outputs import write_assignments, write_metrics, write_topics
from pipelines.preprocess import Preprocessed, preprocess_corpus
from pipelines.rundir import RunDirectory
from pipelines.store import cache_dir, read_corpus_cached
from pipelines.topics import TopicSet

T = TypeVar("T")


def task(**options):
    """Prefect's ``@task`` without its default input-hashing cache: the inputs here are large
    (token lists, embedding matrices) and the expensive results have caches of their own."""
    return prefect_task(cache_policy=NO_CACHE, **options)


@dataclass
class Staged(Generic[T]):
    """A task's value with the timing the manifest records for its stage."""

    value: T
    started_at: str
    finished_at: str
    seconds: float
    cache: str | None = None

    @classmethod
    def run(cls, fn, *args: Any, **kwargs: Any) -> Staged:
        started_at, start = now(), time.perf_counter()
        value = fn(*args, **kwargs)
        return cls(value, started_at, now(), time.perf_counter() - start)

    def record(self, manifest: Manifest, stage: str) -> T:
        manifest.record_stage(stage, self.started_at, self.finished_at, self.seconds, self.cache)
        return self.value


def _not_an_input_error(task, task_run, state) -> bool:
    """Retry I/O failures, never bad input: re-reading a malformed file cannot help."""
    return not isinstance(getattr(state, "data", None), InputError)


@task(name="ingest", retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_not_an_input_error)
def ingest_corpus(source: str, options: CorpusConfig, store: Path) -> Staged[Corpus]:
    logger = get_run_logger()

    def progress(records: int) -> None:
        logger.info("ingest: %s records read", f"{records:,}")

    staged = Staged.run(read_corpus_cached, source, options, store, progress)
    corpus, hit = staged.value
    staged.value, staged.cache = corpus, "hit" if hit else "miss"
    stats = corpus.stats
    logger.info(
        "ingest: %s documents from %s file(s) (%s empty and %s duplicate dropped)%s",
        f"{len(corpus):,}",
        stats.files,
        stats.empty_dropped,
        stats.duplicates_dropped,
        " [cached]" if hit else "",
    )
    return staged


@task(name="preprocess")
def preprocess(texts: list[str], config: PreprocessConfig) -> Staged[Preprocessed]:
    staged = Staged.run(preprocess_corpus, texts, config)
    summary = staged.value.summary()
    get_run_logger().info(
        "preprocess: vocabulary of %s words; %s documents without any",
        f"{summary['vocabulary_size']:,}",
        summary["documents_without_tokens"],
    )
    return staged


@task(name="lda")
def lda_topics(
    tokens: list[list[str]], vocabulary: Dictionary, config: LdaConfig, seed: int, top_words: int
) -> Staged[TopicSet]:
    staged = Staged.run(fit_classical, tokens, vocabulary, config, seed, top_words)
    _, topics = staged.value
    staged.value = topics
    get_run_logger().info("lda: %s topics in %.1f s", topics.n_topics, staged.seconds)
    return staged


@dataclass
class Embedded:
    vectors: np.ndarray
    embedder: SentenceEmbedder


@task(name="embed", retries=1, retry_condition_fn=_not_an_input_error)
def embed(texts: list[str], config: EmbeddingConfig, store: Path) -> Staged[Embedded]:
    logger = get_run_logger()
    started_at, start = now(), time.perf_counter()
    embedder = SentenceEmbedder(**config.estimator_params()).fit()
    cache = (
        EmbeddingCache(cache_dir(store, "embeddings") / embedder.identity_)
        if config.cache
        else None
    )

    def progress(done: int, total: int) -> None:
        logger.info("embed: %s / %s documents", f"{done:,}", f"{total:,}")

    vectors, hits = embedder.transform_cached(texts, cache, progress)
    logger.info("embed: %s documents, %s from the cache", f"{len(texts):,}", f"{hits:,}")
    state = "hit" if hits == len(texts) else "miss" if hits == 0 else "partial"
    staged = Staged(Embedded(vectors, embedder), started_at, now(), time.perf_counter() - start)
    staged.cache = state if cache is not None else None
    return staged


@dataclass
class EmbeddingResult:
    topics: TopicSet
    coordinates: np.ndarray


@task(name="embedding-topics")
def embedding_topics(
    embedded: Embedded, prepared: Preprocessed, cfg: Config
) -> Staged[EmbeddingResult]:
    def run() -> EmbeddingResult:
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

    staged = Staged.run(run)
    topics = staged.value.topics
    get_run_logger().info(
        "embedding topics: %s topics (%s natural), %.1f %% of documents unassigned",
        topics.n_topics,
        topics.extra["n_topics_natural"],
        100 * topics.unassigned_share(),
    )
    return staged


def _flow_run_name() -> str:
    params = flow_run.parameters
    config = Path(params["config"]).stem if params.get("config") else "default"
    return f"{corpus_display_name(params.get('corpus'))}-{config}"


@flow(name="topic-analysis", flow_run_name=_flow_run_name)
def topic_analysis(
    corpus: str | None = None,
    config: str | None = None,
    overrides: dict[str, Any] | None = None,
    out: str = "runs",
    store: str | None = None,
) -> str:
    """Run the whole analysis on ``corpus`` (the built-in sample when None).

    Returns the path of the finished run directory.
    """
    logger = get_run_logger()
    cfg, source, store_path = prepare(corpus, config, overrides, store)
    run_id = new_run_id(corpus_display_name(corpus))
    with RunDirectory(out, run_id) as run:
        manifest = Manifest(
            run.path / "manifest.json",
            run_id,
            cfg.to_dict(),
            source=source,
            config_file=config,
            store=str(store_path),
        )
        documents = ingest_corpus(source, cfg.corpus, store_path).record(manifest, "ingest")
        require_documents(documents, cfg.required_documents())
        manifest.update(corpus=documents.summary())

        prepared = preprocess(documents.texts, cfg.preprocess).record(manifest, "preprocess")
        # The two branches run concurrently; each stage records its own start and end.
        lda_future = lda_topics.submit(
            prepared.tokens, prepared.vocabulary, cfg.lda, cfg.seed, cfg.top_words
        )
        embedded = embed.submit(prepared.texts, cfg.embedding, store_path).result()
        clustered = embedding_topics.submit(embedded.record(manifest, "embed"), prepared, cfg)
        clustered = clustered.result().record(manifest, "embedding_topics")
        lda = lda_future.result().record(manifest, "lda")
        emb = clustered.topics

        write_topics(run.path, {"lda": lda, "embedding": emb})
        write_assignments(
            run.path,
            documents,
            lda_topic=lda.assignments,
            lda_prob=np.round(lda.probabilities, 6),
            embedding_topic=emb.assignments,
            embedding_similarity=np.round(emb.probabilities, 6),
            map_x=clustered.coordinates[:, 0],
            map_y=clustered.coordinates[:, 1],
        )
        reference = prepared.reference
        write_metrics(
            run.path,
            {
                "preprocess": prepared.summary(),
                "lda": quality(lda, reference, topn=10),
                "embedding": quality(emb, reference, topn=10),
            },
        )
        manifest.finish()
        final = run.commit()
    logger.info("run directory: %s", final)
    return str(final)
