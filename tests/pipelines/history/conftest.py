"""The history databases the history tests run on: SQLite, and a real PostgreSQL."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from tests.postgres import server_binaries, throwaway_cluster
from topicflow.pipelines.history.database import history_url


@pytest.fixture(scope="session")
def postgres_server():
    binaries = server_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL server binaries (pg_ctl, initdb) not installed: apt-get install postgresql"
        )
    with throwaway_cluster(binaries) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.database)])
def url(request, tmp_path) -> str:
    """A fresh, empty history database of each kind."""
    if request.param == "sqlite":
        return history_url(tmp_path)
    server = request.getfixturevalue("postgres_server")
    name = f"history_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"
