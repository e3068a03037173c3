"""``limits.stage_timeout_s``: a watchdog thread that ends the run when a stage runs
longer than the limit.

A stuck stage (a deadlocked thread pool, a model that never converges) may be in a C
call that nothing in Python can interrupt, so the watchdog does not try to: it asks
:func:`topicflow.flows.app.stopping.stop` to end the process, which records the run as
failed, naming the stage and the limit, removes its staging directory and stops its
child processes. Stages report themselves: each task says when it starts
(:func:`stage_started`, from its clock) and ends (:func:`stage_ended`), keyed by its
thread; a task on a Dask worker reports nothing to this process, so the flow times it
from its submission instead (keyed by its future). Only a process that can be stopped
arms the watchdog; elsewhere (a Dask worker, a flow called from Python) these calls do
nothing.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Hashable, Iterator

_lock = threading.Lock()
_running: dict[Hashable, tuple[str, float]] = {}  # key -> (stage, monotonic start)
_armed = threading.Event()


def stage_started(stage: str, key: Hashable | None = None) -> None:
    """``stage`` starts now, in this thread (or under ``key``); a retry starts it afresh."""
    if _armed.is_set():
        with _lock:
            _running[threading.get_ident() if key is None else key] = (stage, time.monotonic())


def stage_ended(key: Hashable | None = None) -> None:
    """The stage of this thread (or ``key``) ended, however it ended."""
    with _lock:
        _running.pop(threading.get_ident() if key is None else key, None)


def overdue(limit_s: float, now: float | None = None) -> str | None:
    """The longest-running stage past ``limit_s`` seconds, or None."""
    now = time.monotonic() if now is None else now
    with _lock:
        late = [(start, stage) for stage, start in _running.values() if now - start > limit_s]
    return min(late)[1] if late else None


def limit_message(stage: str, limit_s: float) -> str:
    return f"stage '{stage}' ran past limits.stage_timeout_s = {limit_s:g} s"


@contextlib.contextmanager
def stage_limit(limit_s: float | None, on_expiry: Callable[[str], None]) -> Iterator[None]:
    """Within the block, call ``on_expiry(message)`` once, from a watchdog thread, when a
    stage has run longer than ``limit_s`` seconds (None: no limit, nothing happens)."""
    if limit_s is None:
        yield
        return
    if _armed.is_set():
        raise RuntimeError("a stage limit is already armed in this process")
    done = threading.Event()

    def watch() -> None:
        # Checked several times per limit, at most each second: a stage is caught within
        # a quarter of the limit (or a second) of running past it.
        while not done.wait(min(1.0, limit_s / 4)):
            stage = overdue(limit_s)
            if stage is not None:
                on_expiry(limit_message(stage, limit_s))
                return

    with _lock:
        _running.clear()
    _armed.set()
    watchdog = threading.Thread(target=watch, name="topicflow-stage-limit", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        done.set()
        _armed.clear()
        watchdog.join()
        with _lock:
            _running.clear()
