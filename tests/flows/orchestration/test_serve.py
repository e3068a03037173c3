"""`topicflow serve`: a real schedule on a real local Prefect server produces a run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT


@pytest.mark.subprocess
def test_bad_cron_is_one_line_and_exit_2(topicflow_bin, tmp_path):
    result = subprocess.run(
        [topicflow_bin, "serve", "--cron", "61 * * * *", "--store", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        'topicflow: error: invalid --cron "61 * * * *" (Bad minute); expected e.g. "0 6 * * *"'
    ]


@pytest.mark.slow
def test_served_deployment_runs_on_its_schedule(topicflow_bin, tmp_path):
    out = tmp_path / "runs"
    env_store = tmp_path / "store"
    command = [topicflow_bin, "serve", "--cron", "* * * * *", "--out", str(out)]
    command += ["--config", str(PROJECT_ROOT / "configs" / "smoke.yaml"), "--store", str(env_store)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 300  # next minute boundary + scheduler loop + the run itself
        while time.time() < deadline and not (out.exists() and any(out.glob("2*"))):
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            time.sleep(2)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    runs = sorted(out.glob("2*"))
    assert runs, "no scheduled run finished within 5 minutes"
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["corpus"]["name"] == "lee_background"
    log = (Path(os.environ["PREFECT_HOME"]) / "server.log").read_text()  # conftest's home
    # The scheduler failure SQLAlchemy 2.1 causes (shutdown noise from the pool is harmless).
    assert "Can't evaluate bulk DML" not in log
