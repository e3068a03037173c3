"""A local Prefect server for `topicflow serve` when no PREFECT_API_URL is configured.

Prefect's ephemeral API (what `topicflow run` uses) has no scheduler, so a served
deployment would never fire. `serve` therefore starts a real server on a free
loopback port, keeps its database in the Prefect home, and stops it on exit.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from topicflow.flows.orchestration.orphans import stop_with_parent

STARTUP_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def local_prefect_server() -> Iterator[str]:
    """Start ``prefect server start`` on 127.0.0.1; yield its API URL; stop it afterwards."""
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
    home.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "prefect", "server", "start"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "PREFECT_UI_ENABLED": "false"}
    with open(home / "server.log", "ab") as log:  # the server's own log, for when it fails
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    stop_with_parent(server.pid)  # a killed `serve` never reaches the finally below
    try:
        _wait_healthy(api, server)
        yield api
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_healthy(api: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"the local Prefect server exited with code {server.returncode}; "
                "see server.log in the Prefect home"
            )
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the local Prefect server did not answer within {STARTUP_TIMEOUT_S} s")
