"""Where the run history lives and how it is opened.

By default a SQLite file in the store (``<store>/history/history.sqlite``); any
SQLAlchemy URL for a team database, from the config or ``$TOPICFLOW_HISTORY_URL``.
A SQLite file is opened so that several processes (scheduled runs, ``serve``) can
write to it in turn: write-ahead logging, and the write lock taken at ``BEGIN``.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

HISTORY_URL_ENV = "TOPICFLOW_HISTORY_URL"
DEFAULT_HISTORY_FILE = Path("history") / "history.sqlite"  # in the store
# SQLite waits this long for another process's write to finish before giving up.
_SQLITE_BUSY_SECONDS = 60


def history_url(store: Path, explicit: str | None = None) -> str:
    """``explicit``, else ``$TOPICFLOW_HISTORY_URL``, else the SQLite file in the store."""
    url = explicit or os.environ.get(HISTORY_URL_ENV)
    if url:
        return url
    path = store / DEFAULT_HISTORY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def history_file(store: Path, explicit: str | None = None) -> Path | None:
    """The SQLite file of the history :func:`history_url` names, without creating anything;
    None for another database, an in-memory one, or a URL that does not parse."""
    url = explicit or os.environ.get(HISTORY_URL_ENV)
    if not url:
        return store / DEFAULT_HISTORY_FILE
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return None  # opening it says what is wrong
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def open_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, one whose writers wait their turn."""
    if sa.engine.make_url(url).get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": _SQLITE_BUSY_SECONDS})

    # pysqlite starts transactions lazily, at the first write, so two processes that both
    # read then write can deadlock at the upgrade and one fails at once ("database is
    # locked"). Taking the write lock at BEGIN makes the second wait its turn instead.
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        _use_wal(cursor)  # readers never block the writer
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _use_wal(cursor) -> None:
    """Switch the database to WAL, waiting out another process's first transaction.

    On a new file still in rollback mode, the switch needs the lock that another
    process's migration holds until it commits; SQLite reports that deadlock at once
    ("database is locked") instead of waiting, so the switch is tried again until the
    busy timeout. The mode is kept in the file: after the first success it is a no-op.
    """
    deadline = time.monotonic() + _SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url
