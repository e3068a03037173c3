"""A run killed with -9 leaves no server behind: real processes, real kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, news_sentences
from topicflow.flows.orchestration.orphans import GRACE_S, POLL_S, stop_with_parent
from topicflow.pipelines.io.processes import process_alive

pytestmark = pytest.mark.subprocess


def _sleeper(**kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], **kwargs)


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_the_child_is_stopped_once_the_parent_dies_and_not_before():
    parent, child = _sleeper(), _sleeper(start_new_session=True)
    watcher = stop_with_parent(child.pid, parent.pid)
    try:
        time.sleep(3 * POLL_S)
        assert process_alive(child.pid) and watcher.poll() is None
        parent.kill()
        parent.wait()
        assert _wait_until(lambda: child.poll() is not None, POLL_S + GRACE_S + 5)
        assert watcher.wait(timeout=10) == 0
    finally:
        for process in (parent, child, watcher):
            process.kill()


def test_the_watcher_leaves_when_its_child_ends_first():
    parent, child = _sleeper(), _sleeper()
    watcher = stop_with_parent(child.pid, parent.pid)
    try:
        child.kill()
        child.wait()
        assert watcher.wait(timeout=10) == 0 and parent.poll() is None
    finally:
        for process in (parent, child, watcher):
            process.kill()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_dask_run_killed_with_sigkill_leaves_no_process_behind(tmp_path, topicflow_bin):
    # A local Dask cluster's workers run the tasks, each in a process of its own that
    # talks to Prefect; before they were pointed at the run's API server, each started
    # a temporary server of its own, which nothing stopped after a kill -9.
    (tmp_path / "news.cor").write_text("\n".join(news_sentences(150, seed=4)) + "\n")
    command = [topicflow_bin, "run", "--runner", "dask", "--corpus", str(tmp_path / "news.cor")]
    command += ["--out", str(tmp_path / "runs"), "--store", str(tmp_path / "store")]
    command += ["--config", str(PROJECT_ROOT / "configs" / "smoke.yaml")]
    log = tmp_path / "run.log"
    with open(log, "wb") as sink:
        run = subprocess.Popen(command, stdout=sink, stderr=sink, start_new_session=True)
    started: set[int] = set()
    try:
        # Killed once a worker runs a task (the embedding shards go to the workers), with
        # everything the run started so far noted: its whole process tree.
        def working() -> bool:
            started.update(_descendants(run.pid))
            return "embed-shard" in log.read_text(errors="replace")

        assert _wait_until(working, 240), "the run never handed a task to a worker"
        started.update(_descendants(run.pid))
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        assert len(started) >= 3  # its API server and at least two workers
        assert _wait_until(lambda: not any(process_alive(p) for p in started), 30), {
            p: _cmdline(p)[:120] for p in started if process_alive(p)
        }
    finally:
        if run.poll() is None:
            run.kill()
        for pid in started:
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)


def _descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        children = _children(frontier.pop())
        found.update(children)
        frontier.extend(children)
    return found


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_run_killed_with_sigkill_leaves_no_api_server(tmp_path, topicflow_bin):
    command = [topicflow_bin, "run", "--out", str(tmp_path / "runs")]
    command += ["--store", str(tmp_path / "store")]
    run = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        # Prefect's temporary API server is the run's uvicorn child; once it answers, the
        # run starts its watcher (a process of its own session, so not the run's child).
        # The kill waits for the watcher up to a minute, not for ever: without one, the
        # test must fail on the leaked server, not here.
        servers: list[int] = []

        def server_started() -> bool:
            servers[:] = [p for p in _children(run.pid) if "uvicorn" in _cmdline(p)]
            return bool(servers)

        def watched() -> bool:
            lines = (_cmdline(int(p.name)) for p in Path("/proc").glob("[0-9]*"))
            return any("orchestration.orphans" in ln and f" {run.pid} " in ln for ln in lines)

        assert _wait_until(server_started, 180), "the run's API server never came up"
        _wait_until(watched, 60)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        assert _wait_until(lambda: not any(process_alive(p) for p in servers), 30), (
            f"API server {servers} outlived the killed run by 30 s"
        )
    finally:
        if run.poll() is None:
            run.kill()
