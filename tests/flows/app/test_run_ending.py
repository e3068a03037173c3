"""A run ends once: committed by its own thread or abandoned by a stop, never both."""

from __future__ import annotations

import pytest

from topicflow.flows.app.run_ending import RunEnding, RunStopped
from topicflow.pipelines.history.database import RunHistory


@pytest.fixture
def history(tmp_path):
    recorded = RunHistory(f"sqlite:///{tmp_path / 'history.sqlite'}")
    recorded.start("r1", "news")
    yield recorded
    recorded.close()


@pytest.fixture
def staging(tmp_path):
    path = tmp_path / ".r1.partial"
    path.mkdir()
    (path / "topics.json").write_text("{}")
    return path


def test_an_abandoned_run_is_recorded_with_the_first_reason_and_never_commits(history, staging):
    ending = RunEnding(history, "r1", staging)
    ending.abandon("interrupted by SIGTERM")
    ending.abandon("interrupted by SIGINT")  # a second signal, or the sweep before exit
    assert not staging.exists()
    record = history.get("r1")
    assert (record.status, record.error) == ("failed", "interrupted by SIGTERM")
    committed = []
    with pytest.raises(RunStopped, match="interrupted by SIGTERM"):
        ending.finish(lambda: committed.append(True))
    assert committed == []


def test_a_finished_run_is_not_abandoned_afterwards(history, staging):
    ending = RunEnding(history, "r1", staging)
    assert ending.finish(lambda: "committed") == "committed"
    ending.abandon("interrupted by SIGTERM")
    assert staging.exists() and history.get("r1").status == "running"


def test_without_a_history_abandoning_still_removes_the_staging_directory(staging):
    RunEnding(None, "r1", staging).abandon("stage 'lda' ran past limits.stage_timeout_s = 5 s")
    assert not staging.exists()


def test_an_error_on_the_way_out_abandons_only_when_the_process_is_stopping(history, staging):
    ending = RunEnding(history, "r1", staging)
    ending.abandon_if_stopped(ValueError("boom"))  # no guard here: not stopping
    assert staging.exists() and history.get("r1").status == "running"
