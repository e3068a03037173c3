"""`topicflow serve`: a real schedule on a real local Prefect server produces a run."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, news_sentences


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
    """The run the schedule made, started now rather than at its time: the server, the
    deployment, its cron schedule, the scheduler that turns it into runs and the runner
    that executes them are all real; only the wait for the clock is left out (up to a
    minute even for "* * * * *", the finest cron)."""
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.states import Scheduled

    out = tmp_path / "runs"
    # Forty short stories, not the 300 long ones of the built-in sample: what is tested is
    # the serving, and the sample's embedding alone takes most of a minute here.
    (tmp_path / "news.cor").write_text("\n".join(news_sentences(40, seed=8)) + "\n")
    # Daily, half a day from now: the schedule's first run, started below, is the only one.
    fires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)
    command = [topicflow_bin, "serve", "--cron", f"{fires.minute} {fires.hour} * * *"]
    command += ["--corpus", str(tmp_path / "news.cor")]
    command += ["--out", str(out), "--config", str(PROJECT_ROOT / "configs" / "smoke.yaml")]
    command += ["--store", str(tmp_path / "store")]
    env = {
        **os.environ,
        # Prefect's polling, from seconds to one: the scheduler's look at new deployments
        # (every 5) and the runner's look for due runs (every 10).
        "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    served = _Served(server)
    try:
        api = served.wait_for(served.api, "the local server's address")
        with SyncPrefectClient(api) as client:
            first = served.wait_for(lambda: _scheduled_runs(client), "the schedule's runs")[0]
            assert first.auto_scheduled
            assert f"{first.expected_start_time.astimezone(dt.UTC):%H:%M}" == f"{fires:%H:%M}"
            client.set_flow_run_state(first.id, Scheduled(), force=True)  # due now
            state = served.wait_for(lambda: _final_state(client, first.id), "the run's end")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    assert state.is_completed(), state
    (run,) = out.glob("2*")
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["corpus"]["name"] == "news"
    assert manifest["corpus"]["documents"] == 40
    log = (Path(os.environ["PREFECT_HOME"]) / "server.log").read_text()  # conftest's home
    # The scheduler failure SQLAlchemy 2.1 causes (shutdown noise from the pool is harmless).
    assert "Can't evaluate bulk DML" not in log


class _Served:
    """The `topicflow serve` process, its stderr read all along (a full pipe would stall it)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.stderr: list[str] = []
        threading.Thread(target=self.stderr.extend, args=(process.stderr,), daemon=True).start()

    def api(self) -> str | None:
        prefix = "topicflow: serving on the Prefect API at "
        lines = [line for line in self.stderr if line.startswith(prefix)]
        return lines[0][len(prefix) :].strip() if lines else None

    def wait_for(self, found, what: str, timeout: float = 300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "".join(self.stderr)[-2000:]
            if answer := found():
                return answer
            time.sleep(0.5)
        pytest.fail(f"no {what} within {timeout:.0f} s; stderr: {''.join(self.stderr)[-2000:]}")


def _scheduled_runs(client) -> list:
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["scheduled"])),
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC,
    )


def _final_state(client, flow_run_id):
    state = client.read_flow_run(flow_run_id).state
    return state if state is not None and state.is_final() else None
