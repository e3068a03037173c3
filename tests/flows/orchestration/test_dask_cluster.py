"""The check of an existing Dask cluster before a run (flows/orchestration/dask_cluster.py),
against clusters in this process: a scheduler and worker threads, no process started.
test_dask.py runs the whole command on a cluster of separate processes."""

from __future__ import annotations

import http.server
import threading

import dask
import pytest
from distributed import LocalCluster

from topicflow.flows.orchestration.dask_cluster import check_cluster
from topicflow.pipelines.errors import InputError

REFUSED = "http://127.0.0.1:1/api"  # port 1: nothing listens, the connection is refused


@pytest.fixture
def in_process():
    """Start an in-process cluster of ``workers`` worker threads; returns its address."""
    clusters = []

    def start(workers: int) -> str:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
        )
        clusters.append(cluster)
        return cluster.scheduler_address

    yield start
    for cluster in clusters:
        cluster.close()


@pytest.fixture
def prefect_like_api():
    """An HTTP server on a free port: the URL of its ``/api``, which answers (404 is an
    answer: reachable is all the check asks)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api"
    server.shutdown()
    server.server_close()


def test_no_prefect_server_configured_is_an_error_before_any_connection():
    with pytest.raises(InputError, match="--dask-address needs a Prefect server") as caught:
        check_cluster("tcp://127.0.0.1:1", None)
    assert "set PREFECT_API_URL" in str(caught.value)


def test_a_scheduler_that_does_not_answer_is_an_error():
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(
            InputError, match=r"^cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1: "
        ),
    ):
        check_cluster("tcp://127.0.0.1:1", REFUSED)


def test_workers_that_reach_the_api_pass(in_process, prefect_like_api):
    assert check_cluster(in_process(2), prefect_like_api) is None


def test_workers_that_cannot_reach_the_api_are_an_error(in_process):
    address = in_process(2)
    with pytest.raises(InputError) as caught:
        check_cluster(address, REFUSED)
    message = str(caught.value)
    assert message.startswith(f"2 of 2 Dask workers at {address} cannot run topicflow's tasks")
    assert f"cannot reach the Prefect API at {REFUSED} (ConnectError" in message


def test_a_cluster_without_workers_is_said_and_not_an_error(in_process, prefect_like_api):
    address = in_process(0)
    notice = check_cluster(address, prefect_like_api)
    assert notice == (
        f"the Dask scheduler at {address} has no workers yet: the run's tasks wait until "
        "workers join (limits.stage_timeout_s, if set, bounds the wait)"
    )
