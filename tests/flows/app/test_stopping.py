"""A guarded process stops on SIGTERM, SIGINT or a stop request, whatever its threads do:
the cleanups run, child processes go, and the exit code says why. Real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from topicflow.flows.app import stopping
from topicflow.flows.app.stopping import EXIT_STAGE_TIMEOUT, exit_on_signals, guarded

# The main thread blocks in a read that no signal handler of the guard interrupts (PEP 475
# retries it), a worker thread sleeps, a child process runs: none of them helps the stop.
# Another thread waits for the child and complains when the stop ends it, as a task does
# whose worker process the stop ended: the stop's reason must stay the last line.
_GUARDED = textwrap.dedent(
    """
    import os, subprocess, sys, threading, time
    from pathlib import Path
    from topicflow.flows.app.stopping import exit_on_signals, on_stop, stop

    record = Path(sys.argv[1])
    with exit_on_signals(), on_stop(lambda reason: record.write_text(reason)):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        threading.Thread(target=time.sleep, args=(120,)).start()
        complain = lambda: child.wait() or print("the child failed", file=sys.stderr, flush=True)
        threading.Thread(target=complain).start()
        if sys.argv[2] == "stop":
            threading.Timer(0.5, stop, args=("stage 'x' ran past a limit", 124)).start()
        print(child.pid, flush=True)
        read_end, _ = os.pipe()
        os.read(read_end, 1)
    """
)


def _guarded(tmp_path: Path, mode: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-c", _GUARDED, str(tmp_path / "reason"), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    child = int(process.stdout.readline())
    return process, child


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.subprocess
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_runs_the_cleanups_ends_the_children_and_exits_128_plus_its_number(
    tmp_path, signum, code
):
    process, child = _guarded(tmp_path, "wait")
    try:
        os.kill(process.pid, signum)
        assert process.wait(timeout=30) == code
        name = signal.Signals(signum).name
        assert (tmp_path / "reason").read_text() == f"interrupted by {name}"
        assert process.stderr.read().splitlines() == [f"topicflow: interrupted by {name}"]
        assert _gone(child)
    finally:
        process.kill()
        if not _gone(child):
            os.kill(child, signal.SIGKILL)


@pytest.mark.subprocess
def test_a_stop_request_exits_with_its_code_and_its_error_line(tmp_path):
    process, child = _guarded(tmp_path, "stop")
    try:
        assert process.wait(timeout=30) == EXIT_STAGE_TIMEOUT
        assert (tmp_path / "reason").read_text() == "stage 'x' ran past a limit"
        assert process.stderr.read().splitlines() == [
            "topicflow: error: stage 'x' ran past a limit"
        ]
        assert _gone(child)
    finally:
        process.kill()
        if not _gone(child):
            os.kill(child, signal.SIGKILL)


def test_leaving_the_guard_restores_the_handlers_and_the_wakeup_pipe():
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    with exit_on_signals():
        assert guarded()
        assert all(signal.getsignal(s) is not h for s, h in handlers.items())
        with exit_on_signals():  # nested: the outer guard stays the one
            assert guarded()
        assert guarded()
    assert not guarded()
    assert {s: signal.getsignal(s) for s in handlers} == handlers
    assert signal.set_wakeup_fd(-1) == -1  # none left behind


def test_an_ignored_signal_stays_ignored():
    # A job started in the background by a shell ignores SIGINT: the guard keeps it so.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with exit_on_signals():
            assert guarded()
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_run_guard_leaves_existing_python_handlers_alone(monkeypatch):
    monkeypatch.setenv(stopping.RUN_ENV, "1")
    before = signal.getsignal(signal.SIGINT)
    assert callable(before)  # Python's KeyboardInterrupt handler
    with stopping.guard_run():
        assert guarded()
        assert signal.getsignal(signal.SIGINT) is before
    monkeypatch.delenv(stopping.RUN_ENV)
    with stopping.guard_run():
        assert not guarded()


def test_without_a_guard_stop_and_stop_reason_do_nothing():
    stopping.stop("never", 1)
    assert stopping.stop_reason(wait_s=0.1) is None
