"""The Dask runner on an existing cluster: a scheduler and two workers, each a process of
its own started with the ``dask`` command as a user would, run the embedding shards and
the model fits, and the topics are those of the threads runner.

The runner's own ``LocalCluster`` (no ``--dask-address``) runs in
test_overlapping_runs.py, test_orphans.py and test_signals.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import PROJECT_ROOT, news_sentences
from tests.flows.app.test_cli import assert_bad_input, run_cli
from tests.locks import until

SMOKE = str(PROJECT_ROOT / "configs" / "smoke.yaml")
STARTUP_S = 120  # a guard against a cluster that never comes up, not a measure


@pytest.fixture
def dask_cluster(tmp_path):
    """The address of a scheduler and two single-threaded workers on random ports, started
    as a user would with the ``dask`` command of the tests' environment (as ``python -m
    dask``, which does not depend on the command's #! line); stopped, with anything they
    started, whatever the test does. The workers' environment has no ``PREFECT_API_URL``:
    the run sends its own with every task."""
    from distributed import Client

    here = tmp_path / "cluster"
    here.mkdir()
    scheduler_file = here / "scheduler.json"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    dask = [sys.executable, "-m", "dask"]
    processes = []

    def start(name: str, *args: str) -> None:
        with open(here / f"{name}.log", "w") as log:
            processes.append(
                subprocess.Popen(
                    [*dask, *args], stdout=log, stderr=log, cwd=here, env=env,
                    start_new_session=True,  # its own group: stopped with all it starts
                )
            )  # fmt: skip

    try:
        # Both end on their own should this process die before it stops them: the
        # scheduler after 15 idle minutes, the workers a minute after it is gone.
        start("scheduler", "scheduler", "--scheduler-file", str(scheduler_file),
              *"--host 127.0.0.1 --port 0 --no-dashboard --idle-timeout 900".split())  # fmt: skip
        until(scheduler_file.exists, guard_s=STARTUP_S)
        for name in ("w1", "w2"):
            start(name, "worker", "--scheduler-file", str(scheduler_file), "--name", name,
                  "--local-directory", str(here), "--death-timeout", "60",
                  *"--nthreads 1 --nworkers 1 --no-nanny --no-dashboard".split())  # fmt: skip
        with Client(scheduler_file=str(scheduler_file), timeout=STARTUP_S) as client:
            client.wait_for_workers(2, timeout=STARTUP_S)
            yield client.scheduler.address
    finally:
        for process in processes:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process's group, SIGKILL after 10 s, then to whatever is left of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.mark.slow
def test_an_existing_dask_cluster_gives_the_same_topics_as_threads(
    tmp_path, topicflow_bin, prefect_api_url, dask_cluster
):
    from distributed import Client

    corpus = tmp_path / "news.cor"
    corpus.write_text("\n".join(news_sentences(120, seed=2)) + "\n")  # shards of 100 and 20
    # The default onnx-int8 backend: its vectors are the same in every process. torch's
    # fp32 ones (the smoke config's) differ by about 1e-7 between the main process and
    # Dask's workers, which run torch with other thread settings, and on a tiny corpus
    # that is enough to split one of HDBSCAN's leaf clusters differently.
    settings = yaml.safe_load(Path(SMOKE).read_text())
    settings["embedder"].update(backend="onnx-int8", shard_size=100)
    config = tmp_path / "int8.yaml"
    config.write_text(yaml.safe_dump(settings))
    common = ["run", "--corpus", str(corpus), "--config", str(config)]
    common += ["--out", str(tmp_path / "runs")]
    dask_store = tmp_path / "s2"
    # Separate stores: each runner computes every step itself; the two runs at once, both
    # reporting to the session's Prefect server, as to a team's own.
    with ThreadPoolExecutor(2) as both:
        threads_run = both.submit(
            run_cli, topicflow_bin, *common, "--store", str(tmp_path / "s1"), api=prefect_api_url
        )
        dask_run = both.submit(
            run_cli, topicflow_bin, *common, "--store", str(dask_store),
            "--runner", "dask", "--dask-address", dask_cluster, api=prefect_api_url,
        )  # fmt: skip
        threads, dask = threads_run.result(), dask_run.result()
    assert threads.returncode == 0, threads.stderr
    assert dask.returncode == 0, dask.stderr
    assert "topicflow: " not in dask.stderr  # the cluster's check had nothing to say
    first = Path(threads.stdout.strip().splitlines()[-1])
    second = Path(dask.stdout.strip().splitlines()[-1])
    assert (
        json.loads((first / "manifest.json").read_text())["task_runner"] == "ThreadPoolTaskRunner"
    )
    assert json.loads((second / "manifest.json").read_text())["task_runner"] == "DaskTaskRunner"

    # The workers' own record: each executed task's key, named after its function. Both
    # shards and both fits ran there, and each worker had its share of them.
    def executed_keys(dask_worker) -> list[str]:  # nested: sent by value, not by import
        log = dask_worker.state.log  # its transitions: (key, from, to, ...)
        return [entry[0] for entry in log if entry[1:3] == ("executing", "memory")]

    with Client(dask_cluster, timeout=STARTUP_S) as client:
        executed = client.run(executed_keys)
    assert len(executed) == 2
    kinds = {
        worker: Counter(key.rpartition("-")[0] for key in keys) for worker, keys in executed.items()
    }
    total = sum(kinds.values(), Counter())
    assert total["embed_shard"] == 2 and total["fit_model"] == 2, kinds
    for worker, kind in kinds.items():
        assert kind["embed_shard"] + kind["fit_model"] >= 1, (worker, kinds)
    # Their task runs reported to the run's Prefect server, whose URL the workers got
    # with each task, not from their environment.
    recorded = _task_runs(dask_store)
    assert [recorded[name] for name in ("embed-shard", "fit-lda", "fit-embedding")] == [2, 1, 1]

    assert (first / "topics.json").read_text() == (second / "topics.json").read_text()
    # Every document in the same topics, with the same scores to float noise: a 6th
    # decimal of a score can round the other way, and UMAP's 2-D layout for the map,
    # which amplifies such noise, is not compared at all. The topics do not move.
    threads_rows = pq.read_table(first / "assignments.parquet").to_pylist()
    dask_rows = pq.read_table(second / "assignments.parquet").to_pylist()
    scores = [c for c in threads_rows[0] if c.endswith("_prob")]
    for row, other in zip(threads_rows, dask_rows, strict=True):
        exact = [c for c in row if not c.endswith("_prob") and c not in ("map_x", "map_y")]
        assert [row[c] for c in exact] == [other[c] for c in exact]
        assert [row[c] for c in scores] == pytest.approx([other[c] for c in scores], abs=1e-5)


def _task_runs(store: Path) -> Counter[str]:
    """The completed task runs that the session's Prefect server records for the flow run
    on ``store``, by name (shards and model fits; the others are numbered)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterName

    with get_client(sync_client=True) as prefect:
        named = FlowRunFilter(name=FlowRunFilterName(any_=["news-int8"]))
        (flow_run,) = [
            run
            for run in prefect.read_flow_runs(flow_run_filter=named)
            if run.parameters.get("store") == str(store)
        ]
        task_runs = prefect.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id]))
        )
    names = [run.name.rpartition("-")[0] if run.name.startswith("embed-shard-") else run.name
             for run in task_runs if run.state_name == "Completed"]  # fmt: skip
    return Counter(names)


@pytest.mark.subprocess
def test_runner_options_are_checked(tmp_path, topicflow_bin):
    bad = run_cli(topicflow_bin, "run", "--runner", "spark", "--out", str(tmp_path / "r"))
    assert_bad_input(bad, "--runner must be one of threads, dask, got 'spark'")
    lonely = run_cli(topicflow_bin, "run", "--dask-address", "tcp://127.0.0.1:1")
    assert_bad_input(lonely, "--dask-address needs --runner dask")
    # No Prefect server configured: the workers would have none to report to.
    unserved = run_cli(
        topicflow_bin, "run", "--runner", "dask", "--dask-address", "tcp://127.0.0.1:1",
        "--out", str(tmp_path / "r"), "--store", str(tmp_path / "s"),
    )  # fmt: skip
    assert_bad_input(unserved, "--dask-address needs a Prefect server that the cluster's workers")
