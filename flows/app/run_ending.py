"""The one way a run ends: finished by its own thread, or abandoned by a stop.

A stop (SIGTERM, SIGINT, a stage past ``limits.stage_timeout_s``; see
:mod:`topicflow.flows.app.stopping`) comes from another thread while the run's own
thread goes on, and that thread may itself see the stop (Prefect's SIGTERM handler
raises in it) and unwind. :class:`RunEnding` makes the two meet once: a run committed
and recorded as complete is never abandoned afterwards, an abandoned run never commits,
and its history record names the stop however many threads report it.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from topicflow.flows.app.stopping import stop_reason
from topicflow.pipelines.history.database import RunHistory

T = TypeVar("T")

# How long the run's own thread, unwinding from a signal it saw first, waits for the
# stopping thread to say which signal it was (milliseconds, in practice).
SIGNAL_NAME_WAIT_S = 1.0


class RunStopped(RuntimeError):
    """The run was abandoned before it could commit."""


class RunEnding:
    """``abandon(reason)`` from any thread, any number of times; ``finish(commit)`` once."""

    def __init__(self, history: RunHistory | None, run_id: str, staging: Path) -> None:
        self.history, self.run_id, self.staging = history, run_id, staging
        self.lock = threading.Lock()
        self.finished = False
        self.reason: str | None = None

    def abandon(self, reason: str) -> None:
        """Record the run as failed with ``reason`` (the first reason wins) and remove
        its staging directory; nothing once it has finished."""
        with self.lock:
            if self.finished:
                return
            first = self.reason is None
            self.reason = self.reason or reason
            try:
                if first and self.history is not None:
                    self.history.fail(self.run_id, self.reason)
            finally:
                shutil.rmtree(self.staging, ignore_errors=True)

    def abandon_if_stopped(self, exc: BaseException) -> None:
        """On the run's way out with ``exc``: if the process is stopping, abandon with
        the stop's reason, so that the history names it rather than ``exc``. An exception
        that is not an ``Exception`` (Prefect's TerminationSignal, KeyboardInterrupt) is
        the signal itself, seen here first: wait a moment for its name."""
        wait = 0.0 if isinstance(exc, Exception) else SIGNAL_NAME_WAIT_S
        reason = stop_reason(wait)
        if reason is not None:
            self.abandon(reason)

    def finish(self, commit: Callable[[], T]) -> T:
        """``commit()`` (rename the run directory, record success) unless abandoned."""
        with self.lock:
            if self.reason is not None:
                raise RunStopped(self.reason)
            result = commit()
            self.finished = True
            return result
