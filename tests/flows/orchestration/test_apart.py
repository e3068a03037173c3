"""A computation in a low-priority process of its own (flows/orchestration/apart.py):
its result or its exception comes back, it runs niced with one BLAS thread, and it
dies with the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import PROJECT_ROOT
from topicflow.flows.orchestration.apart import NICE, run_apart

pytestmark = pytest.mark.subprocess


def _conditions() -> tuple[int, int, int]:
    from threadpoolctl import threadpool_info

    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return os.getpid(), os.nice(0), max(blas, default=1)


def _sleep_after_writing_pid(path: str) -> None:
    Path(path).write_text(str(os.getpid()))
    time.sleep(120)


def test_the_result_comes_back_from_a_niced_process_with_one_blas_thread():
    pid, nice, blas = run_apart(_conditions)
    assert pid != os.getpid()
    assert nice == min(19, os.nice(0) + NICE)
    assert blas == 1


def test_an_exception_comes_back_as_itself():
    with pytest.raises(ValueError, match="invalid literal"):
        run_apart(int, "not a number")


def test_the_process_dies_with_the_one_that_started_it(tmp_path):
    pid_file = tmp_path / "child.pid"
    script = (
        "from tests.flows.orchestration.test_apart import _sleep_after_writing_pid\n"
        "from topicflow.flows.orchestration.apart import run_apart\n"
        "if __name__ == '__main__':\n"
        f"    run_apart(_sleep_after_writing_pid, {str(pid_file)!r})\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 120
        while not pid_file.exists() or not pid_file.read_text():
            assert parent.poll() is None, "the parent ended before its child started"
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.1)
        child = psutil.Process(int(pid_file.read_text()))
        os.kill(parent.pid, signal.SIGKILL)  # no cleanup of its own can run
        parent.wait()
        child.wait(timeout=10)  # raises TimeoutExpired if the child outlives it
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
