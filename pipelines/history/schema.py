"""The run-history tables and the versioned migrations that create and evolve them.

A database records the schema version it is at in ``schema_version``; opening it
applies, in order and in one locked transaction, every migration it lacks. Two
processes opening a new database at once therefore never both create the tables:
SQLite takes its write lock when the transaction begins (``BEGIN IMMEDIATE``, see
:mod:`history.database`), PostgreSQL waits on a transaction-scoped advisory lock.

To change the schema, add a migration at the end of ``MIGRATIONS`` that alters the
tables with explicit DDL, and change the table definitions below to match. Never
edit a migration that has been released: databases out there are already past it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from topicflow.pipelines.errors import InputError

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(200), primary_key=True),
    sa.Column("corpus_name", sa.String(200), nullable=False, index=True),
    sa.Column("corpus_source", sa.Text),
    sa.Column("corpus_fingerprint", sa.String(64)),
    sa.Column("config_hash", sa.String(64)),
    sa.Column("n_documents", sa.Integer),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    # running -> complete | failed; topics exist only for complete runs.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("run_dir", sa.Text),
    sa.Column("update_mode", sa.String(16)),  # full | incremental | reused: what the run did
    sa.Column("headline", sa.JSON),  # the numbers `topicflow show` prints
    sa.Column("model_state", sa.String(64)),  # cache key of the fitted models it left
    # Since version 2: the process running it, to tell a killed run from a running one.
    sa.Column("host", sa.String(255)),
    sa.Column("pid", sa.Integer),
)

topics = sa.Table(
    "topics",
    metadata,
    sa.Column("run_id", sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("model", sa.String(16), primary_key=True),  # a model's registry name
    sa.Column("topic_id", sa.Integer, primary_key=True),
    sa.Column("words", sa.JSON, nullable=False),
    sa.Column("weights", sa.JSON, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    # Since version 3: the topic's short readable name (null: unnamed, or an older run).
    sa.Column("name", sa.Text),
    # Since version 4: the same model's topic in the run before that this one continues
    # (drift's one-to-one match); null for a topic that emerged or split off, a corpus's
    # first run, and older runs. No foreign key: a line simply ends where a link leads
    # to no row, and SQLite cannot add a composite one to an existing table.
    sa.Column("previous_run", sa.String(200)),
    sa.Column("previous_topic", sa.Integer),
)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _initial(conn: Connection) -> None:
    """Version 1 as released, frozen here: later columns come with their own migrations."""
    v1 = sa.MetaData()
    sa.Table(
        "runs",
        v1,
        sa.Column("run_id", sa.String(200), primary_key=True),
        sa.Column("corpus_name", sa.String(200), nullable=False, index=True),
        sa.Column("corpus_source", sa.Text),
        sa.Column("corpus_fingerprint", sa.String(64)),
        sa.Column("config_hash", sa.String(64)),
        sa.Column("n_documents", sa.Integer),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("run_dir", sa.Text),
        sa.Column("update_mode", sa.String(16)),
        sa.Column("headline", sa.JSON),
        sa.Column("model_state", sa.String(64)),
    )
    sa.Table(
        "topics",
        v1,
        sa.Column("run_id", sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("model", sa.String(16), primary_key=True),
        sa.Column("topic_id", sa.Integer, primary_key=True),
        sa.Column("words", sa.JSON, nullable=False),
        sa.Column("weights", sa.JSON, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
    )
    v1.create_all(conn)


def _run_owner(conn: Connection) -> None:
    for column in (runs.c.host, runs.c.pid):
        name, kind = column.name, column.type.compile(dialect=conn.dialect)
        conn.execute(sa.text(f"ALTER TABLE runs ADD COLUMN {name} {kind}"))


def _topic_names(conn: Connection) -> None:
    kind = topics.c.name.type.compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE topics ADD COLUMN name {kind}"))


def _topic_links(conn: Connection) -> None:
    for column in (topics.c.previous_run, topics.c.previous_topic):
        name, kind = column.name, column.type.compile(dialect=conn.dialect)
        conn.execute(sa.text(f"ALTER TABLE topics ADD COLUMN {name} {kind}"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs and their topics", _initial),
    Migration(2, "runs.host and runs.pid: which process runs it", _run_owner),
    Migration(3, "topics.name: each topic's short readable name", _topic_names),
    Migration(4, "topics.previous_run/previous_topic: the topic it continues", _topic_links),
)

# Any fixed number: PostgreSQL advisory locks are keyed by a 64-bit integer.
_PG_MIGRATION_LOCK = 7_346_901


def migrate(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Bring the database on ``conn`` (inside a transaction) up to the last migration.

    Returns the versions applied now. A database newer than this code is refused, so an
    old topicflow never writes rows a newer schema does not expect.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    schema_version.create(conn, checkfirst=True)
    current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise InputError(
            f"the history database is at schema version {current}, newer than this "
            f"topicflow understands ({latest}); upgrade topicflow"
        )
    applied = []
    for migration in migrations:
        if migration.version <= current:
            continue
        migration.apply(conn)
        conn.execute(
            schema_version.insert().values(
                version=migration.version,
                description=migration.description,
                applied_at=dt.datetime.now(dt.UTC),
            )
        )
        applied.append(migration.version)
    return applied
