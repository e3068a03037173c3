"""Run history: every run, its topics and headline numbers, in a SQL database.

By default a SQLite file in the store (``<store>/history/history.sqlite``, kept apart
from ``cache/``, which may be deleted at will); any SQLAlchemy URL for a team
database, e.g. ``postgresql+psycopg://user@host/db`` (see :mod:`.location`). A run is
recorded as ``running`` when it starts, then either ``complete`` together with its
topics in one transaction, or ``failed`` with its error line: a failed run never
leaves topics behind that a later run could mistake for a successful one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from topicflow.pipelines.config import HistoryConfig
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.history.lineage import (
    RunPoint,
    TopicKey,
    TopicLine,
    TopicSpec,
    TopicStep,
    topic_line,
)
from topicflow.pipelines.history.location import history_url, open_engine, safe_url
from topicflow.pipelines.history.schema import MIGRATIONS, Migration, migrate
from topicflow.pipelines.history.schema import (
    runs as RUNS,  # the tables (the class has a runs() method)
)
from topicflow.pipelines.history.schema import topics as TOPICS
from topicflow.pipelines.io.processes import process_alive

logger = logging.getLogger(__name__)

# Topics are stored under their model's registry name, whatever models a run fitted.
MODEL_NAME_LENGTH = TOPICS.c.model.type.length


@dataclass
class RunRecord:
    run_id: str
    corpus_name: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    corpus_source: str | None = None
    corpus_fingerprint: str | None = None
    config_hash: str | None = None
    n_documents: int | None = None
    error: str | None = None
    run_dir: str | None = None
    update_mode: str | None = None
    headline: dict[str, Any] = field(default_factory=dict)
    model_state: str | None = None
    host: str | None = None
    pid: int | None = None
    # model name -> topics.json-style records (with "name" when named); RunHistory.get only.
    topics: dict[str, list[dict]] = field(default_factory=dict)


class RunHistory:
    """The history database at ``url``, created or migrated to the current schema on open."""

    def __init__(self, url: str, migrations: tuple[Migration, ...] = MIGRATIONS) -> None:
        self.url = url
        try:
            self.engine = open_engine(url)
            with self.engine.begin() as conn:
                self.applied_migrations = migrate(conn, migrations)
        except sa.exc.ArgumentError as exc:
            raise InputError(f"invalid history database URL {safe_url(url)!r}: {exc}") from None
        except ModuleNotFoundError as exc:  # a database whose driver is not installed
            message = f"the history database {safe_url(url)} needs the {exc.name} package"
            raise InputError(message) from None
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            message = f"cannot open the history database {safe_url(url)}: {_first_line(exc)}"
            raise InputError(message) from None

    @classmethod
    def for_store(cls, store: Path, url: str | None = None) -> RunHistory:
        return cls(history_url(store, url))

    def close(self) -> None:
        self.engine.dispose()

    # -- writing ------------------------------------------------------------------------

    def start(self, run_id: str, corpus_name: str, **facts: Any) -> None:
        row = {"run_id": run_id, "corpus_name": corpus_name, "status": "running"}
        row["started_at"] = facts.pop("started_at", None) or _now()
        row |= {"host": socket.gethostname(), "pid": os.getpid()}
        with self.engine.begin() as conn:
            conn.execute(RUNS.insert().values(**row, **facts))
        self._keep_room_to_finish()

    def _keep_room_to_finish(self) -> None:
        """SQLite: move the write-ahead log into the database now, while there is room (a
        passive checkpoint, which waits for no one). The run's last write then reuses the
        log's space from its start instead of growing the file, so a run that fails because
        its file system filled up can still record why. Other databases: nothing."""
        if self.engine.dialect.name != "sqlite":
            return
        raw = self.engine.raw_connection()
        try:  # outside a transaction: a checkpoint cannot run inside one
            raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # best effort: without it the end is recorded as before, room permitting
        finally:
            raw.close()

    def reap_interrupted(self) -> list[str]:
        """Mark ``failed`` the runs of this host still ``running`` whose process is gone
        (killed with SIGKILL, a power cut): nothing else would ever finish them."""
        host = socket.gethostname()
        with self.engine.connect() as conn:
            query = sa.select(RUNS.c.run_id, RUNS.c.pid).where(
                RUNS.c.status == "running", RUNS.c.host == host
            )
            # A run without a pid has an unknown owner: leave it alone.
            orphans = [
                (run_id, pid)
                for run_id, pid in conn.execute(query)
                if pid is not None and not process_alive(pid)
            ]
        for run_id, pid in orphans:
            self.fail(run_id, f"interrupted: process {pid} on {host} ended without finishing")
        return [run_id for run_id, _ in orphans]

    def complete(
        self,
        run_id: str,
        run_topics: dict[str, list[dict]],
        links: Mapping[str, Mapping[int, TopicKey]] | None = None,
        **facts: Any,
    ) -> None:
        """Mark the run complete and store its topics (model name -> topics.json records,
        whichever models the run fitted), all or nothing. ``links``: per model, the topic
        of an earlier run each topic continues (:func:`.lineage.drift_links`)."""
        too_long = [m for m in run_topics if len(m) > MODEL_NAME_LENGTH]
        if too_long:
            raise ValueError(
                f"model name {too_long[0]!r} is longer than the history's topics.model "
                f"column ({MODEL_NAME_LENGTH} characters)"
            )
        rows = [
            {
                "run_id": run_id,
                "model": model,
                "topic_id": topic["id"],
                "words": list(topic["words"]),
                "weights": [float(w) for w in topic["weights"]],
                "size": int(topic["size"]),
                "name": topic.get("name"),
                **_link((links or {}).get(model, {}).get(topic["id"])),
            }
            for model, records in run_topics.items()
            for topic in records
        ]
        with self.engine.begin() as conn:
            conn.execute(TOPICS.delete().where(TOPICS.c.run_id == run_id))
            if rows:
                conn.execute(TOPICS.insert(), rows)
            self._set(conn, run_id, status="complete", finished_at=_now(), **facts)

    def fail(self, run_id: str, error: str) -> bool:
        """Mark a ``running`` run failed; False when it has ended already. The first end
        wins: a run stopped by a signal is recorded by the stopping thread and again by
        its own thread on its way out, and the first error line is the one that says why."""
        with self.engine.begin() as conn:
            running = (RUNS.c.run_id == run_id) & (RUNS.c.status == "running")
            values = {"status": "failed", "finished_at": _now(), "error": _first_line(error)}
            if conn.execute(RUNS.update().where(running).values(**values)).rowcount == 1:
                conn.execute(TOPICS.delete().where(TOPICS.c.run_id == run_id))
                return True
            found = conn.execute(sa.select(RUNS.c.status).where(RUNS.c.run_id == run_id))
            if found.first() is None:
                raise KeyError(f"run {run_id} is not in the history")
            return False

    @staticmethod
    def _set(conn, run_id: str, **values: Any) -> None:
        updated = conn.execute(RUNS.update().where(RUNS.c.run_id == run_id).values(**values))
        if updated.rowcount != 1:
            raise KeyError(f"run {run_id} is not in the history")

    # -- reading ------------------------------------------------------------------------

    def runs(self, corpus_name: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Runs newest first, optionally of one corpus only."""
        query = sa.select(RUNS).order_by(RUNS.c.started_at.desc(), RUNS.c.run_id.desc())
        if corpus_name:
            query = query.where(RUNS.c.corpus_name == corpus_name)
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query).mappings()]

    def get(self, run_id: str) -> RunRecord:
        """One run with its topics; ``run_id`` may be any unique prefix of the id."""
        with self.engine.connect() as conn:
            matches = conn.execute(
                sa.select(RUNS).where(RUNS.c.run_id.startswith(run_id, autoescape=True)).limit(2)
            ).mappings()
            found = list(matches)
            if not found:
                raise InputError(f"no run {run_id!r} in the history at {safe_url(self.url)}")
            if len(found) > 1:
                raise InputError(f"{run_id!r} matches more than one run; give more of the id")
            record = _record(found[0])
            query = (
                sa.select(TOPICS)
                .where(TOPICS.c.run_id == record.run_id)
                .order_by(TOPICS.c.model, TOPICS.c.topic_id)
            )
            for row in conn.execute(query).mappings():
                topic = {
                    "id": row["topic_id"],
                    "words": row["words"],
                    "weights": row["weights"],
                    "size": row["size"],
                }
                if row["name"] is not None:  # unnamed topics, and runs from before names
                    topic["name"] = row["name"]
                record.topics.setdefault(row["model"], []).append(topic)
        return record

    def previous_success(
        self, corpus_name: str, before_run_id: str | None = None
    ) -> RunRecord | None:
        """The latest complete run of ``corpus_name`` (started before ``before_run_id``)."""
        with self.engine.connect() as conn:
            query = sa.select(RUNS.c.run_id).where(
                RUNS.c.corpus_name == corpus_name, RUNS.c.status == "complete"
            )
            if before_run_id is not None:
                started = conn.execute(
                    sa.select(RUNS.c.started_at).where(RUNS.c.run_id == before_run_id)
                ).scalar()
                query = query.where(RUNS.c.run_id != before_run_id)
                if started is not None:
                    query = query.where(RUNS.c.started_at <= started)
            query = query.order_by(RUNS.c.started_at.desc(), RUNS.c.run_id.desc()).limit(1)
            previous = conn.execute(query).scalar()
        return self.get(previous) if previous else None

    def topic_steps(
        self,
        corpus_name: str,
        model: str | None = None,
        last: int | None = None,
        before_run_id: str | None = None,
    ) -> tuple[list[RunPoint], dict[str, list[TopicStep]]]:
        """The complete runs of ``corpus_name`` oldest first (the ``last`` ones, started
        before ``before_run_id``), and their topics (of ``model``) as lineage steps."""
        with self.engine.connect() as conn:
            query = sa.select(RUNS.c.run_id, RUNS.c.finished_at, RUNS.c.n_documents).where(
                RUNS.c.corpus_name == corpus_name, RUNS.c.status == "complete"
            )
            if before_run_id is not None:
                started = sa.select(RUNS.c.started_at).where(RUNS.c.run_id == before_run_id)
                query = query.where(
                    RUNS.c.run_id != before_run_id, RUNS.c.started_at <= started.scalar_subquery()
                )
            query = query.order_by(RUNS.c.started_at.desc(), RUNS.c.run_id.desc())
            if last is not None:
                query = query.limit(last)
            points = [
                RunPoint(row.run_id, _utc(row.finished_at), row.n_documents)
                for row in conn.execute(query)
            ][::-1]
            by_id = {point.run_id: point for point in points}
            columns = [c for c in TOPICS.c if c.name != "weights"]  # the bulk, not needed
            topic_query = sa.select(*columns).order_by(TOPICS.c.model, TOPICS.c.topic_id)
            if last is not None:  # a few runs: name them
                topic_query = topic_query.where(TOPICS.c.run_id.in_(list(by_id)))
            else:
                topic_query = topic_query.join(RUNS, RUNS.c.run_id == TOPICS.c.run_id).where(
                    RUNS.c.corpus_name == corpus_name, RUNS.c.status == "complete"
                )
            if model is not None:
                topic_query = topic_query.where(TOPICS.c.model == model)
            steps: dict[str, list[TopicStep]] = {}
            for row in conn.execute(topic_query):
                if row.run_id not in by_id:
                    continue  # started after ``before_run_id``
                link = (row.previous_run, row.previous_topic) if row.previous_run else None
                step = TopicStep(
                    by_id[row.run_id], row.topic_id, row.size, tuple(row.words), row.name, link
                )
                steps.setdefault(row.model, []).append(step)
        return points, steps

    def topic_line(self, spec: TopicSpec) -> TopicLine:
        """The line through the topic ``spec`` names, across the complete runs of its
        corpus; a one-line :class:`InputError` when the run, model or topic is unknown."""
        record = self.get(spec.run_id)
        if record.status != "complete":
            raise InputError(f"run {record.run_id} is {record.status}: it has no topics")
        if spec.model not in record.topics:
            fitted = ", ".join(record.topics) or "none"
            raise InputError(f"run {record.run_id} has no model {spec.model!r} (it has: {fitted})")
        ids = [t["id"] for t in record.topics[spec.model]]
        if spec.topic_id not in ids:
            raise InputError(
                f"run {record.run_id} has no {spec.model} topic {spec.topic_id} "
                f"(its topics are {min(ids)}..{max(ids)})"
            )
        _, steps = self.topic_steps(record.corpus_name, spec.model)
        start = (record.run_id, spec.topic_id)
        return TopicLine(spec.model, start, topic_line(steps.get(spec.model, []), start))


def _link(previous: TopicKey | None) -> dict[str, Any]:
    """The link columns of a topic row (both null: the topic starts a line)."""
    run_id, topic_id = previous if previous is not None else (None, None)
    return {"previous_run": run_id, "previous_topic": topic_id}


def open_history(store: Path, config: HistoryConfig) -> RunHistory | None:
    """The run history a run writes to, or None when ``history.enabled`` is off."""
    return RunHistory.for_store(store, config.url) if config.enabled else None


@contextmanager
def recorded_run(
    history: RunHistory | None, run_id: str, corpus_name: str, **facts: Any
) -> Iterator[None]:
    """Record the run as ``running`` now, and as ``failed`` if the block raises.

    The block marks success itself, with :meth:`RunHistory.complete`, once its outputs
    exist. Whatever ends the run early (an error, Ctrl-C) is recorded by its first line.
    """
    if history is None:
        yield
        return
    history.reap_interrupted()
    history.start(run_id, corpus_name, **facts)
    try:
        yield
    except BaseException as exc:
        message = str(exc).strip() or "no message"
        try:
            history.fail(run_id, f"{type(exc).__name__}: {message}")
        except Exception as unrecorded:  # noqa: BLE001 - the run's own error must surface
            # The run stays "running" until the next run on this host marks it interrupted.
            logger.warning("cannot record run %s as failed: %s", run_id, _first_line(unrecorded))
        raise


def _record(row) -> RunRecord:
    values = dict(row)
    for key in ("started_at", "finished_at"):
        values[key] = _utc(values[key])
    values["headline"] = values["headline"] or {}
    return RunRecord(**values)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)  # SQLite keeps no zone: it is UTC
    return moment


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
