"""When a run may be answered from the corpus's last run: the key, and the checks on
that run (its key, its files, its status). The whole path runs in test_cli/test_flow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from topicflow.flows.app.reuse import REQUIRED, find_reusable, run_key
from topicflow.pipelines.config import load_config
from topicflow.pipelines.history.database import RunHistory

TOPICS = {"lda": [{"id": 0, "words": ["bank", "rates"], "weights": [0.5, 0.3], "size": 4}]}


def _finished_run(history: RunHistory, runs: Path, run_id: str, key: str) -> Path:
    path = runs / run_id
    path.mkdir(parents=True)
    for name in REQUIRED:
        (path / name).write_text("{}")
    (path / "manifest.json").write_text(json.dumps({"run_id": run_id, "run_key": key}))
    history.start(run_id, "news")
    history.complete(run_id, TOPICS, run_dir=str(path), update_mode="full")
    return path


@pytest.fixture
def history(tmp_path):
    recorded = RunHistory(f"sqlite:///{tmp_path / 'history.sqlite'}")
    yield recorded
    recorded.close()


def test_the_key_changes_with_documents_settings_and_seed_only():
    cfg = load_config()
    key = run_key("corpus-a", cfg)
    assert run_key("corpus-a", load_config()) == key  # deterministic
    assert run_key("corpus-b", cfg) != key
    assert run_key("corpus-a", load_config(overrides={"seed": cfg.seed + 1})) != key
    assert run_key("corpus-a", load_config(overrides={"lda": {"passes": 3}})) != key
    # A time limit changes no result: a run under a new one is answered as before.
    assert run_key("corpus-a", load_config(overrides={"limits": {"stage_timeout_s": 60}})) == key


def test_only_the_latest_complete_run_with_the_same_key_and_all_its_files_answers(
    history, tmp_path
):
    runs = tmp_path / "runs"
    assert find_reusable(None, "news", "k1") is None  # no history, nothing to ask
    assert find_reusable(history, "news", "k1") is None  # no runs yet
    _finished_run(history, runs, "20260101-000000-news-aaaaaa", "k1")
    found = find_reusable(history, "news", "k1")
    assert found is not None and found.record.run_id == "20260101-000000-news-aaaaaa"
    assert found.record.topics == TOPICS
    assert find_reusable(history, "news", "k2") is None  # something changed
    assert find_reusable(history, "other corpus", "k1") is None

    latest = _finished_run(history, runs, "20260102-000000-news-bbbbbb", "k2")
    assert find_reusable(history, "news", "k1") is None  # only the latest run may answer
    history.start("20260103-000000-news-cccccc", "news")  # running, then failed: ignored
    history.fail("20260103-000000-news-cccccc", "RuntimeError: boom")
    assert find_reusable(history, "news", "k2").path == latest

    (latest / "metrics.json").write_text('{"lda": ')  # damaged since: compute instead
    assert find_reusable(history, "news", "k2") is None
    (latest / "metrics.json").write_text("{}")
    (latest / "assignments.csv").unlink()  # a run directory no longer whole
    assert find_reusable(history, "news", "k2") is None
