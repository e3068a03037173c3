"""process_alive against real processes: running, exited and reaped, exited and unreaped."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from topicflow.pipelines.io.processes import process_alive

pytestmark = pytest.mark.subprocess  # real child processes: alive, exited, zombie


@pytest.fixture
def child():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def test_a_running_process_is_alive(child):
    assert process_alive(child.pid)
    assert process_alive(os.getpid())


def test_a_process_of_another_user_is_alive():
    # pid 1 is root's: a process that may not be signalled (PermissionError) still runs.
    assert process_alive(1)


def test_an_exited_and_reaped_process_is_not_alive(child):
    child.kill()
    child.wait()
    assert not process_alive(child.pid)


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="zombies are told via /proc")
def test_a_zombie_is_not_alive(child):
    child.kill()
    # Wait for the exit but leave it unreaped (WNOWAIT): a zombie, as a killed run whose
    # parent never called wait would be. It still answers kill(pid, 0).
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
    os.kill(child.pid, 0)
    assert not process_alive(child.pid)


@pytest.mark.parametrize("pid", [0, -1, -os.getpid()], ids=["zero", "minus-one", "own-group"])
def test_numbers_that_address_process_groups_are_no_process(pid):
    assert not process_alive(pid)
