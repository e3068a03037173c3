"""The history databases the history tests run on: SQLite, and a real PostgreSQL."""

from __future__ import annotations

import pytest

from tests.postgres import fresh_database
from topicflow.pipelines.history.location import history_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.database)])
def url(request, tmp_path) -> str:
    """A fresh, empty history database of each kind."""
    if request.param == "sqlite":
        return history_url(tmp_path)
    return fresh_database(request.getfixturevalue("postgres_server"))
