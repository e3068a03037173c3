"""The ``topic-analysis`` flow: thin Prefect wiring around ``pipelines``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run

from flows.preflight import corpus_display_name, new_run_id, prepare
from pipelines.config import CorpusConfig
from pipelines.corpus import Corpus, require_documents
from pipelines.errors import InputError
from pipelines.manifest import Manifest, now
from pipelines.outputs import write_assignments
from pipelines.rundir import RunDirectory
from pipelines.store import read_corpus_cached

T = TypeVar("T")


@dataclass
class Staged(Generic[T]):
    """A task's value with the timing the manifest records for its stage."""

    value: T
    started_at: str
    finished_at: str
    seconds: float
    cache: str | None = None

    def record(self, manifest: Manifest, stage: str) -> T:
        manifest.record_stage(stage, self.started_at, self.finished_at, self.seconds, self.cache)
        return self.value


def _timed(fn, *args: Any, **kwargs: Any) -> tuple[Any, str, str, float]:
    started_at, start = now(), time.perf_counter()
    value = fn(*args, **kwargs)
    return value, started_at, now(), time.perf_counter() - start


def _not_an_input_error(task, task_run, state) -> bool:
    """Retry I/O failures, never bad input: re-reading a malformed file cannot help."""
    return not isinstance(getattr(state, "data", None), InputError)


@task(name="ingest", retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_not_an_input_error)
def ingest_corpus(source: str, options: CorpusConfig, store: Path) -> Staged[Corpus]:
    logger = get_run_logger()

    def progress(records: int) -> None:
        logger.info("ingest: %s records read", f"{records:,}")

    (corpus, hit), started_at, finished_at, seconds = _timed(
        read_corpus_cached, source, options, store, progress
    )
    stats = corpus.stats
    logger.info(
        "ingest: %s documents from %s file(s) (%s empty and %s duplicate dropped)%s",
        f"{len(corpus):,}",
        stats.files,
        stats.empty_dropped,
        stats.duplicates_dropped,
        " [cached]" if hit else "",
    )
    return Staged(corpus, started_at, finished_at, seconds, "hit" if hit else "miss")


def _flow_run_name() -> str:
    params = flow_run.parameters
    config = Path(params["config"]).stem if params.get("config") else "default"
    return f"{corpus_display_name(params.get('corpus'))}-{config}"


@flow(name="topic-analysis", flow_run_name=_flow_run_name, log_prints=True)
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
        write_assignments(run.path, documents)
        manifest.finish()
        final = run.commit()
    logger.info("run directory: %s", final)
    return str(final)
