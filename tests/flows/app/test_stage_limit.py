"""The watchdog of ``limits.stage_timeout_s``: which stage it names, and when it keeps quiet."""

from __future__ import annotations

import threading
import time

import pytest

from topicflow.flows.app.stage_limit import (
    overdue,
    stage_ended,
    stage_limit,
    stage_started,
)


def test_the_longest_running_stage_past_the_limit_is_named():
    with stage_limit(60.0, on_expiry=lambda message: None):
        start = time.monotonic()
        stage_started("lda", key="a")
        stage_started("embed", key="b")
        assert overdue(60.0, now=start + 30) is None
        assert overdue(60.0, now=start + 61) == "lda"  # started first
        stage_ended(key="a")
        assert overdue(60.0, now=start + 61) == "embed"
        stage_ended(key="b")
        assert overdue(60.0, now=start + 1000) is None


def test_a_retry_restarts_its_stage_and_a_thread_ends_its_own():
    with stage_limit(60.0, on_expiry=lambda message: None):
        stage_started("ingest")
        first = time.monotonic()
        time.sleep(0.01)
        stage_started("ingest")  # the same thread again: a retry
        assert overdue(60.0, now=first + 60.005) is None
        other = threading.Thread(target=stage_ended)  # another thread's end is not this one's
        other.start()
        other.join()
        assert overdue(60.0, now=first + 1000) == "ingest"
        stage_ended()
        assert overdue(60.0, now=first + 1000) is None


def test_the_watchdog_calls_once_with_the_stage_and_the_limit():
    calls: list[str] = []
    called = threading.Event()

    def expired(message: str) -> None:
        calls.append(message)
        called.set()

    with stage_limit(0.2, on_expiry=expired):
        stage_started("embed")
        assert called.wait(30)
        time.sleep(0.5)  # more checks pass: it does not call again
        stage_ended()
    assert calls == ["stage 'embed' ran past limits.stage_timeout_s = 0.2 s"]


def test_stages_that_end_in_time_are_never_reported():
    calls: list[str] = []
    with stage_limit(0.2, on_expiry=calls.append):
        for stage in ("ingest", "preprocess", "compare"):
            stage_started(stage)
            stage_ended()
        time.sleep(0.6)
    assert calls == []


def test_without_a_limit_or_outside_one_nothing_is_tracked():
    with stage_limit(None, on_expiry=pytest.fail):
        stage_started("lda")
        assert overdue(0.0, now=time.monotonic() + 1e6) is None
    stage_started("lda")  # no watchdog armed: nothing to tell
    assert overdue(0.0, now=time.monotonic() + 1e6) is None


def test_one_watchdog_per_process():
    with (
        stage_limit(60.0, on_expiry=lambda message: None),
        pytest.raises(RuntimeError, match="already armed"),
        stage_limit(1.0, print),
    ):
        pass
