"""The storage checks a run passes before it starts: every place it writes takes a file,
and Prefect's database in the store is given room. (Real read-only, unwritable and full
file systems: test_storage.py.)"""

from __future__ import annotations

import pytest

from topicflow.flows.app.preflight import (
    PREFECT_DATABASE_BYTES,
    SQLITE_LOG_BYTES,
    check_writable,
    prefect_database_room,
)
from topicflow.pipelines.config import Config
from topicflow.pipelines.errors import InputError


@pytest.fixture
def home_in_store(monkeypatch):
    """Prefect's home where the CLI puts it by default: in the store, its temporary API."""
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


def test_writable_places_pass_and_nothing_is_created(tmp_path, home_in_store):
    check_writable(Config(), tmp_path / "runs", tmp_path / "store")
    assert list(tmp_path.iterdir()) == []


def test_a_history_directory_that_cannot_be_one_is_named(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    (store / "history").write_text("in the way")
    with pytest.raises(InputError, match="^the history database's directory .* is not a dir"):
        check_writable(Config(), tmp_path / "runs", store)
    monkeypatch.setenv("TOPICFLOW_HISTORY_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    check_writable(Config(), tmp_path / "runs", store)  # a history elsewhere is not in the way
    disabled = Config.model_validate({"history": {"enabled": False}})
    monkeypatch.delenv("TOPICFLOW_HISTORY_URL")
    check_writable(disabled, tmp_path / "runs", store)


def test_prefect_home_is_checked_only_when_it_lives_in_the_store(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    (store / "prefect").write_text("in the way")
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    with pytest.raises(InputError, match=f"^Prefect's home {store / 'prefect'} is not a dir"):
        check_writable(Config(), tmp_path / "runs", store)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "own-prefect-home"))
    check_writable(Config(), tmp_path / "runs", store)


def test_prefect_database_room_in_the_store(tmp_path, monkeypatch, home_in_store):
    store = tmp_path / "store"
    assert prefect_database_room(store) == PREFECT_DATABASE_BYTES + SQLITE_LOG_BYTES
    (store / "prefect").mkdir(parents=True)
    (store / "prefect" / "prefect.db").write_bytes(b"db")
    (store / "prefect" / "prefect.db-wal").write_bytes(bytes(1_000_000))
    assert prefect_database_room(store) == SQLITE_LOG_BYTES - 1_000_000
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")  # the user's server
    assert prefect_database_room(store) == 0
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "elsewhere"))
    assert prefect_database_room(store) == 0
