"""One run's envelope, with or without Prefect: its id, its history record, its staging
run directory and its manifest.

The flow's analysis and a run answered from an identical earlier run
(:mod:`topicflow.flows.app.reuse`) are both bodies run inside it: the run directory appears and the
history says "complete" only when the body returns, and a body that raises leaves no
run directory and a "failed" record; so does a run stopped by a signal or by
``limits.stage_timeout_s``, whatever its own thread is doing (:mod:`.run_ending`).
This module does not import Prefect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from topicflow.flows.app.crash_points import crash_point
from topicflow.flows.app.preflight import new_run_id
from topicflow.flows.app.run_ending import RunEnding
from topicflow.flows.app.stage_limit import stage_limit
from topicflow.flows.app.stopping import (
    EXIT_STAGE_TIMEOUT,
    guard_run,
    guarded,
    on_stop,
    stop,
)
from topicflow.pipelines.config import Config
from topicflow.pipelines.corpus.documents import Corpus
from topicflow.pipelines.history.database import RunHistory, open_history, recorded_run
from topicflow.pipelines.history.lineage import (
    RunPoint,
    drift_links,
    steps_of,
    topic_lives,
)
from topicflow.pipelines.io.manifest import Manifest
from topicflow.pipelines.io.run_files import MANIFEST_FILE
from topicflow.pipelines.io.rundir import RunDirectory
from topicflow.pipelines.io.store import cache_key, remove_abandoned_writes
from topicflow.pipelines.report.headline import headline_numbers


@dataclass
class RunContext:
    """What every stage of one run reads."""

    source: str
    cfg: Config
    store: Path
    path: Path  # the staging run directory
    manifest: Manifest
    history: RunHistory | None
    name: str  # the corpus's name in the history


@dataclass
class Outcome:
    """What a finished body hands back: recorded in the history, published by the flow."""

    documents: Corpus
    topics: dict[str, list[dict]]  # model -> topic records, as in topics.json
    metrics: dict[str, Any]
    update: dict[str, Any]  # how the topics were obtained (the manifest's ``update``)


def execute_run(
    cfg: Config,
    source: str,
    store: Path,
    out: str,
    name: str,
    body: Callable[[RunContext], Outcome],
    **facts: Any,
) -> tuple[Path, Outcome]:
    """Run ``body`` in a new run's staging directory; return the finished directory.

    ``facts`` go into the manifest as they are (the config file, the task runner).
    """
    run_id = new_run_id(name)
    remove_abandoned_writes(store)
    history = open_history(store, cfg.history)
    recorded = {"corpus_source": source, "config_hash": cache_key(cfg.to_dict())}
    try:
        with (
            guard_run(),
            recorded_run(history, run_id, name, **recorded),
            RunDirectory(out, run_id) as run,
        ):
            # A stop (a signal, a stage limit) records the run and removes the staging
            # directory from another thread, then ends the process (flows/app/stopping.py).
            ending = RunEnding(history, run_id, run.path)
            with on_stop(ending.abandon), _stage_limit(cfg):
                manifest = Manifest(
                    run.path / MANIFEST_FILE,
                    run_id,
                    cfg.to_dict(),
                    source=source,
                    store=str(store),
                    **facts,
                )
                context = RunContext(source, cfg, store, run.path, manifest, history, name)
                try:
                    outcome = body(context)
                except BaseException as exc:
                    ending.abandon_if_stopped(exc)
                    raise

                def commit() -> Path:
                    manifest.finish()
                    final = run.commit()
                    crash_point("published")  # test-only, as below (flows/app/crash_points.py)
                    if history is not None:
                        _record_success(history, run_id, outcome, final)
                    crash_point("recorded")
                    return final

                final = ending.finish(commit)
    finally:
        if history is not None:
            history.close()
    return final, outcome


def _stage_limit(cfg: Config):
    """The watchdog of ``limits.stage_timeout_s``, in a process that can be stopped."""
    limit = cfg.limits.stage_timeout_s if guarded() else None
    return stage_limit(limit, lambda message: stop(message, EXIT_STAGE_TIMEOUT))


def run_lives(
    r: RunContext, topics: dict[str, list[dict]], drift: Mapping[str, Any], n_documents: int
) -> dict[str, Any] | None:
    """``metrics.json``'s ``lives``: how this run's topics lived through the corpus's last
    ``history.lineage_runs`` runs, this one included (its topics are not recorded yet);
    None without a run history."""
    if r.history is None:
        return None
    window, run_id = r.cfg.history.lineage_runs, r.manifest.data["run_id"]
    this_run = RunPoint(run_id, dt.datetime.now(dt.UTC), n_documents)
    runs, steps = r.history.topic_steps(r.name, last=window - 1, before_run_id=run_id)
    for model, current in steps_of(this_run, topics, drift_links(drift)).items():
        steps.setdefault(model, []).extend(current)
    return topic_lives([*runs, this_run], steps, window)


def _record_success(history: RunHistory, run_id: str, outcome: Outcome, run_dir: Path) -> None:
    history.complete(
        run_id,
        outcome.topics,
        links=drift_links(outcome.metrics.get("drift")),
        corpus_fingerprint=outcome.documents.fingerprint,
        n_documents=len(outcome.documents),
        run_dir=str(run_dir),
        update_mode=outcome.update["performed"],
        headline=headline_numbers(outcome.metrics),
        model_state=outcome.update.get("state"),
    )
