"""The ``topic-analysis`` flow: ingest, preprocess, both branches at once, then the outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.context import FlowRunContext
from prefect.runtime import flow_run

from flows.keys import embedding_topics_key, lda_key
from flows.preflight import corpus_display_name, new_run_id, prepare
from flows.tasks import (
    compare,
    embed_shard,
    embedding_topics,
    ingest_corpus,
    lda_topics,
    merge_shards,
    preprocess,
    report,
    shards_identity,
    stability_check,
)
from pipelines.corpus import require_documents
from pipelines.manifest import Manifest
from pipelines.outputs import write_assignments, write_metrics, write_topics
from pipelines.rundir import RunDirectory
from pipelines.summary import headline_markdown


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
            task_runner=_task_runner_name(),
        )
        documents = ingest_corpus(source, cfg.corpus, store_path).record(manifest, "ingest")
        require_documents(documents, cfg.required_documents())
        manifest.update(corpus=documents.summary())
        prepared = preprocess(documents.texts, cfg.preprocess).record(manifest, "preprocess")

        # The two branches run concurrently; each stage records its own start and end.
        lda_future = lda_topics.submit(
            prepared, cfg, store_path, lda_key(documents.fingerprint, cfg)
        )
        # Embedding is split into shards, separate tasks that a Dask cluster spreads out.
        size = cfg.embedding.shard_size
        texts = prepared.texts
        shards = [
            embed_shard.submit(texts[i : i + size], cfg.embedding, store_path, f"{i // size + 1}")
            for i in range(0, len(texts), size)
        ]
        shard_results = [shard.result() for shard in shards]
        vectors = merge_shards(shard_results, cfg.embedding.cache).record(manifest, "embed")
        identity, backend = shards_identity(shard_results)  # what ran, after any fallback
        manifest.update(embedding_backend=backend)
        key = embedding_topics_key(documents.fingerprint, identity, cfg)
        clustered = embedding_topics.submit(vectors, prepared, cfg, store_path, key).result()
        clustered = clustered.record(manifest, "embedding_topics")
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
        metrics = compare(lda, emb, prepared, vectors, documents.labels, cfg)
        metrics = metrics.record(manifest, "compare")
        if cfg.stability.seeds:
            check = stability_check(prepared, vectors, cfg, lda, emb)
            metrics["stability"] = check.record(manifest, "stability")
        write_metrics(run.path, metrics)
        report(run.path).record(manifest, "report")
        manifest.finish()
        final = run.commit()
    logger.info("run directory: %s", final)
    _publish(final, documents.summary(), metrics)
    return str(final)


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
