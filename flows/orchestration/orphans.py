"""No server outlives its run: a watcher process stops a child once its parent is gone.

``topicflow run`` starts Prefect's temporary API server (a ``uvicorn`` process) and
``serve`` a local Prefect server. Prefect stops them at exit (``atexit``), which a
``kill -9``, the OOM killer or a scheduler's hard timeout never reaches: the server
then runs on with no parent, holding a quarter of a gigabyte, one more per killed
job. The server is Prefect's own ``Popen``, so it cannot be given a parent-death
signal; instead a small watcher (``python -m`` this module), in a session of its
own so that a signal to the run's process group does not take it first, checks every
:data:`POLL_S` seconds whether the parent is alive and, once it is not, sends the
child SIGTERM, then SIGKILL after :data:`GRACE_S` seconds. The watcher exits with
its child, whichever goes first. This module imports nothing heavy: the watcher
starts in a fraction of a second.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from topicflow.pipelines.io.processes import process_alive

POLL_S = 1.0
GRACE_S = 5.0


def stop_with_parent(child_pid: int, parent_pid: int | None = None) -> subprocess.Popen:
    """Start a watcher that stops ``child_pid`` when ``parent_pid`` (default: this
    process) has died. Returns the watcher's process."""
    parent = os.getpid() if parent_pid is None else parent_pid
    return subprocess.Popen(
        [sys.executable, "-m", __name__, str(parent), str(child_pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def watch(parent: int, child: int) -> None:
    """Stop ``child`` once ``parent`` is gone; return when ``child`` is."""
    while process_alive(child):
        if not process_alive(parent):
            _stop(child)
            return
        time.sleep(POLL_S)


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_S
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it went by itself meanwhile


if __name__ == "__main__":
    watch(int(sys.argv[1]), int(sys.argv[2]))
