"""Answer a run from the corpus's last run when nothing that shapes the results changed.

With its seed, a run is a function of its documents, its settings and the code that
ran. When all three equal those of the corpus's latest complete run, recomputing would
reproduce that run's topics exactly, so the new run is written from it instead:
topics, assignments and metrics are copied, the drift since that run (none) is
measured, and the report is rendered for the new run. A scheduled run on a corpus
that has not changed then costs a few seconds instead of a minute or more, and the
`topicflow run` command answers such a run before it starts Prefect at all.

The check is strict: another document, setting, seed, model file, version of Python
or of a library topicflow imports, or line of topicflow's code makes the run compute
(through the stage caches, so still cheaply). This module does not import Prefect.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from topicflow.flows.app.code_identity import code_identity
from topicflow.flows.app.envelope import Outcome, RunContext, execute_run, run_lives
from topicflow.pipelines.config import Config
from topicflow.pipelines.corpus.documents import Corpus
from topicflow.pipelines.history.database import RunHistory, RunRecord, open_history
from topicflow.pipelines.io.manifest import now
from topicflow.pipelines.io.run_files import (
    ASSIGNMENTS_CSV_FILE,
    ASSIGNMENTS_FILE,
    MANIFEST_FILE,
    METRICS_FILE,
    TOPICS_FILE,
    write_metrics,
)
from topicflow.pipelines.io.store import cache_key, cached_corpus
from topicflow.pipelines.models.registry import MODELS
from topicflow.pipelines.vectors.identity import embedding_identity

# What a reused run copies as it is; metrics, manifest and report are written anew.
COPIED = (TOPICS_FILE, ASSIGNMENTS_FILE, ASSIGNMENTS_CSV_FILE)
REQUIRED = (*COPIED, METRICS_FILE, MANIFEST_FILE)

# The CLI and the flow, plus every model family's estimator: the registry imports those
# by name when a model is built, which an import graph cannot see.
PROJECT_ENTRIES = (
    "topicflow.flows.app.cli",
    "topicflow.flows.orchestration.topic_analysis",
    *(spec.estimator_module for spec in MODELS.values()),
)


@dataclass
class Reusable:
    """A finished earlier run whose results a new run may take as its own."""

    record: RunRecord
    path: Path
    manifest: dict[str, Any]
    metrics: dict[str, Any]


def run_key(corpus_fingerprint: str, cfg: Config) -> str:
    """Everything a run's results depend on: documents, settings (seed included), the
    embedding model's files, and topicflow's code with the libraries it imports."""
    vectors = embedding_identity(**cfg.embedder.identity_params())
    settings = cfg.model_dump(mode="json", exclude={"limits"})  # bounds change no result
    return cache_key("run", corpus_fingerprint, settings, vectors, source_fingerprint())


def source_fingerprint() -> str:
    """The code identity of the whole project: every module that the CLI and the flow
    import, transitively, with Python's version and those of the libraries they use."""
    return code_identity(*PROJECT_ENTRIES)


def find_reusable(history: RunHistory | None, corpus_name: str, key: str) -> Reusable | None:
    """The corpus's latest complete run if it was made with ``key`` and its run directory
    is still whole; None otherwise (and always without a history to ask)."""
    previous = history.previous_success(corpus_name) if history is not None else None
    if previous is None or not previous.run_dir:
        return None
    path = Path(previous.run_dir)
    if not all((path / name).is_file() for name in REQUIRED):
        return None  # moved or deleted since
    try:
        manifest = json.loads((path / MANIFEST_FILE).read_text("utf-8"))
        if manifest.get("run_key") != key:
            return None
        metrics = json.loads((path / METRICS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None  # damaged since: the run computes instead
    return Reusable(previous, path, manifest, metrics)


def reuse_message(previous: Reusable) -> str:
    return (
        f"nothing changed since run {previous.record.run_id} (same documents, settings and "
        "code): its results are reused"
    )


def answer_from(previous: Reusable, r: RunContext, documents: Corpus, key: str) -> Outcome:
    """The body of a run answered from ``previous``: same topics, drift measured anew."""
    from topicflow.pipelines.history.drift import drift_since  # scipy: only once a run is answered
    from topicflow.pipelines.report.html import write_report

    started_at, start = now(), time.perf_counter()
    for name in COPIED:
        shutil.copy2(previous.path / name, r.path / name)
    record = previous.record
    metrics = dict(previous.metrics)
    metrics["drift"] = drift_since(
        record.run_id,
        record.finished_at.isoformat() if record.finished_at else None,
        record.topics,
        record.topics,
        r.cfg.history.drift_threshold,
    )
    metrics["lives"] = run_lives(r, record.topics, metrics["drift"], len(documents))
    write_metrics(r.path, metrics)
    update = {"performed": "reused", "reason": reuse_message(previous)}
    if record.model_state:
        update["state"] = record.model_state
    r.manifest.update(
        corpus={**documents.summary(), "history_name": r.name},
        run_key=key,
        reused_from=record.run_id,
        update=update,
        embedding_backend=previous.manifest.get("embedding_backend"),
    )
    r.manifest.record_stage("reuse", started_at, now(), time.perf_counter() - start, "hit")
    started_at, start = now(), time.perf_counter()
    write_report(r.path)
    r.manifest.record_stage("report", started_at, now(), time.perf_counter() - start)
    return Outcome(documents, record.topics, metrics, update)


def answer_unchanged(
    cfg: Config, source: str, store: Path, out: str, name: str, config_file: str | None
) -> tuple[Path, Reusable] | None:
    """The finished run directory of a run answered from the corpus's last run, or None
    when anything changed (or the corpus files must be read again to tell)."""
    documents = cached_corpus(source, cfg.corpus, store)
    history = open_history(store, cfg.history) if documents is not None else None
    if history is None:
        return None
    key = run_key(documents.fingerprint, cfg)
    try:
        previous = find_reusable(history, name, key)
    finally:
        history.close()
    if previous is None:
        return None
    final, _ = execute_run(
        cfg,
        source,
        store,
        out,
        name,
        lambda r: answer_from(previous, r, documents, key),
        config_file=config_file,
        task_runner=None,
    )
    return final, previous
