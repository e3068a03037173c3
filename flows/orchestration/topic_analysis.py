"""The ``topic-analysis`` flow: ingest, preprocess, both branches at once, then the outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote
from topicflow.flows.app.envelope import Outcome, RunContext, execute_run
from topicflow.flows.app.keys import (
    compare_key,
    embedding_topics_key,
    fitted_state_key,
    lda_key,
    preprocess_key,
)
from topicflow.flows.app.preflight import corpus_display_name, corpus_name, prepare
from topicflow.flows.app.reuse import answer_from, find_reusable, reuse_message, run_key
from topicflow.flows.orchestration.tasks import (
    compare,
    embed_shard,
    embedding_topics,
    incremental_preprocess,
    ingest_corpus,
    lda_topics,
    merge_shards,
    preprocess,
    report,
    shards_identity,
    stability_check,
    update_topics,
)
from topicflow.pipelines.analysis.incremental import (
    check_novelty,
    document_hashes,
    fitted_state,
    plan_update,
)
from topicflow.pipelines.config import Config
from topicflow.pipelines.corpus.documents import Corpus, require_documents
from topicflow.pipelines.history.drift import drift_since
from topicflow.pipelines.io.run_files import write_assignments, write_metrics, write_topics
from topicflow.pipelines.io.store import load_entry, save_entry
from topicflow.pipelines.models.lda.estimator import LdaTopicModel
from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.report.headline import drift_markdown, headline_markdown
from topicflow.pipelines.text.preprocess import Preprocessed
from topicflow.pipelines.vectors.identity import embedding_identity


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
    reuse: bool = True,
) -> str:
    """Run the whole analysis on ``corpus`` (the built-in sample when None).

    With ``reuse``, a run whose documents, settings and code equal those of the corpus's
    last complete run is answered from that run (:mod:`topicflow.flows.app.reuse`) instead of
    recomputed. Returns the path of the finished run directory.
    """
    cfg, source, store_path = prepare(corpus, config, overrides, store)
    name = corpus_name(cfg, corpus)
    final, outcome = execute_run(
        cfg,
        source,
        store_path,
        out,
        name,
        lambda r: _analyse(r, reuse),
        config_file=config,
        task_runner=_task_runner_name(),
    )
    get_run_logger().info("run directory: %s", final)
    _publish(final, outcome.documents.summary(), outcome.metrics)
    return str(final)


@dataclass
class _Modelled:
    """Both models' topics for every document, however they were obtained."""

    prepared: Preprocessed
    vectors: np.ndarray
    identity: str  # of the vectors: model, settings and the backend that ran
    lda: TopicSet
    embedding: TopicSet
    coordinates: np.ndarray  # the 2-D document map
    lda_model: LdaTopicModel | None = None  # when fitted in this run


def _analyse(r: RunContext, reuse: bool) -> Outcome:
    """Every stage, writing into the staging run directory (or the answer of an identical
    earlier run, when ``reuse`` and there is one).
    """
    documents = ingest_corpus(r.source, r.cfg.corpus, r.store).record(r.manifest, "ingest")
    require_documents(documents, r.cfg.required_documents())
    r.manifest.update(corpus={**documents.summary(), "history_name": r.name})
    key = run_key(documents.fingerprint, r.cfg)
    previous = find_reusable(r.history, r.name, key) if reuse else None
    if previous is not None:
        get_run_logger().info("%s", reuse_message(previous))
        return answer_from(previous, r, documents, key)
    r.manifest.update(run_key=key)
    if r.cfg.update == "incremental":
        modelled, update = _incremental(r, documents)
    else:
        modelled, update = _fit(r, documents), {"performed": "full", "reason": "update: full"}
    r.manifest.update(update=update)
    lda, emb = modelled.lda, modelled.embedding

    write_topics(r.path, {"lda": lda, "embedding": emb})
    write_assignments(r.path, documents, {"lda": lda, "embedding": emb}, modelled.coordinates)
    prepared, vectors, cfg = modelled.prepared, modelled.vectors, r.cfg
    key = compare_key(documents.fingerprint, modelled.identity, lda, emb, cfg)
    metrics = compare(lda, emb, _unwalked(prepared), vectors, documents.labels, cfg, r.store, key)
    metrics = metrics.record(r.manifest, "compare")
    if cfg.stability.seeds:
        check = stability_check(_unwalked(prepared), vectors, cfg, lda, emb)
        metrics["stability"] = check.record(r.manifest, "stability")
    topics = {"lda": lda.records(), "embedding": emb.records()}
    metrics["drift"] = _drift(r, topics)
    write_metrics(r.path, metrics)
    report(r.path).record(r.manifest, "report")
    return Outcome(documents, topics, metrics, update)


def _fit(r: RunContext, documents: Corpus) -> _Modelled:
    """Fit both models from scratch (or take them from the store's caches)."""
    cfg, manifest = r.cfg, r.manifest
    key = preprocess_key(documents.fingerprint, cfg)
    prepared = preprocess(documents.texts, cfg.preprocess, r.store, key).record(
        manifest, "preprocess"
    )
    # The branches run concurrently; each stage records its own start and end. Embedding
    # could start before preprocessing (it reads texts, not tokens); on two cores that
    # gained nothing measurable (5k scaling run: 131 s with it, 127 s without).
    key = lda_key(documents.fingerprint, cfg)
    lda_future = lda_topics.submit(_unwalked(prepared), cfg, r.store, key)
    vectors, identity = _embed(r, prepared)
    key = embedding_topics_key(documents.fingerprint, identity, cfg)
    clustered = embedding_topics.submit(vectors, _unwalked(prepared), cfg, r.store, key).result()
    clustered = clustered.record(manifest, "embedding_topics")
    lda_model, lda = lda_future.result().record(manifest, "lda")
    coordinates = clustered.coordinates
    return _Modelled(prepared, vectors, identity, lda, clustered.topics, coordinates, lda_model)


def _embed(r: RunContext, prepared: Preprocessed) -> tuple[np.ndarray, str]:
    """The document vectors and their identity (the backend that actually ran)."""
    # Embedding is split into shards, separate tasks that a Dask cluster spreads out.
    size, texts = r.cfg.embedding.shard_size, prepared.texts
    shards = [
        embed_shard.submit(texts[i : i + size], r.cfg.embedding, r.store, f"{i // size + 1}")
        for i in range(0, len(texts), size)
    ]
    shard_results = [shard.result() for shard in shards]
    vectors = merge_shards(shard_results, r.cfg.embedding.cache).record(r.manifest, "embed")
    identity, backend = shards_identity(shard_results)  # what ran, after any fallback
    r.manifest.update(embedding_backend=backend)
    return vectors, identity


def _identity(cfg: Config) -> str:
    return embedding_identity(**cfg.embedding.identity_params())


def _incremental(r: RunContext, documents: Corpus) -> tuple[_Modelled, dict[str, Any]]:
    """Place new documents in the last fit's topics, or refit when that no longer holds."""
    cfg, manifest = r.cfg, r.manifest
    hashes = document_hashes(documents.texts)
    key = fitted_state_key(r.name, _identity(cfg), cfg)
    found, state = load_entry(r.store, "fitted-state", key)
    plan = plan_update(state if found else None, hashes, cfg.incremental)
    threshold = cfg.embedding_topics.outliers.threshold
    if plan.incremental:
        clean = cfg.preprocess.clean_usenet
        prepared = incremental_preprocess(_unwalked(state), documents.texts, hashes, clean)
        prepared = prepared.record(manifest, "preprocess")
        vectors, identity = _embed(r, prepared)
        plan = check_novelty(plan, state, hashes, vectors, cfg.incremental)
    if plan.incremental:
        result = update_topics(_unwalked(state), hashes, _unwalked(prepared), vectors, threshold)
        result = result.record(manifest, "update")
        save_entry(r.store, "fitted-state", key, result.state)
        topics = (result.lda, result.embedding, result.coordinates)
        modelled = _Modelled(prepared, vectors, identity, *topics)
    else:
        modelled = _fit(r, documents)
        state = fitted_state(
            hashes,
            modelled.prepared,
            modelled.lda_model,
            modelled.lda,
            modelled.embedding,
            modelled.vectors,
            modelled.coordinates,
        )
        save_entry(r.store, "fitted-state", key, state)
    get_run_logger().info("update: %s (%s)", plan.record()["performed"], plan.reason)
    return modelled, {**plan.record(), "state": key}


def _drift(r: RunContext, topics: dict[str, list[dict]]) -> dict[str, Any]:
    """How the topics moved since the last successful run of this corpus."""
    run_id = r.manifest.data["run_id"]
    previous = r.history.previous_success(r.name, run_id) if r.history is not None else None
    return drift_since(
        previous.run_id if previous else None,
        previous.finished_at.isoformat() if previous and previous.finished_at else None,
        previous.topics if previous else {},
        topics,
        r.cfg.history.drift_threshold,
    )


def _unwalked(value: Any) -> Any:
    """A large argument (token lists, a fitted state) for a task, marked so that Prefect
    does not walk every token looking for futures to wait on: about a second per task on
    BBC News. Only for tasks in this process: Dask rebuilds the marker, a tuple, as a plain
    tuple, and pickling the value for a worker costs more than the walk anyway."""
    context = FlowRunContext.get()
    runner = context.task_runner if context else None
    return quote(value) if isinstance(runner, ThreadPoolTaskRunner) else value


def _task_runner_name() -> str | None:
    context = FlowRunContext.get()
    return type(context.task_runner).__name__ if context and context.task_runner else None


def _publish(run_dir: Path, corpus: dict[str, Any], metrics: dict[str, Any]) -> None:
    """Prefect artifacts: the headline numbers and where the run's files are."""
    summary = headline_markdown(corpus, metrics) + f"\nRun directory: `{run_dir}`\n"
    create_markdown_artifact(
        key="topic-analysis-summary", markdown=summary, description="Headline metrics"
    )
    create_link_artifact(key="topic-analysis-run", link=run_dir.as_uri(), link_text=run_dir.name)
    create_markdown_artifact(
        key="topic-analysis-drift",
        markdown=drift_markdown(metrics["drift"]),
        description="Topics that persisted, emerged, vanished, split or merged since the last run",
    )
