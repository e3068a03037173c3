"""The Dask runner: a real LocalCluster of two worker processes gives the same topics."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT_ROOT, news_sentences
from tests.flows.app.test_cli import assert_bad_input, run_cli

SMOKE = str(PROJECT_ROOT / "configs" / "smoke.yaml")


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_topics_as_threads(tmp_path, topicflow_bin):
    corpus = tmp_path / "news.cor"
    corpus.write_text("\n".join(news_sentences(45, seed=2)) + "\n")
    common = ["run", "--corpus", str(corpus), "--config", SMOKE, "--out", str(tmp_path / "runs")]
    # Separate stores: each runner computes every step itself.
    threads = run_cli(topicflow_bin, *common, "--store", str(tmp_path / "s1"))
    dask = run_cli(
        topicflow_bin,
        *common,
        "--store",
        str(tmp_path / "s2"),
        "--runner",
        "dask",
        "--dask-workers",
        "2",
    )
    assert threads.returncode == 0, threads.stderr
    assert dask.returncode == 0, dask.stderr
    first = Path(threads.stdout.strip().splitlines()[-1])
    second = Path(dask.stdout.strip().splitlines()[-1])
    assert (
        json.loads((first / "manifest.json").read_text())["task_runner"] == "ThreadPoolTaskRunner"
    )
    assert json.loads((second / "manifest.json").read_text())["task_runner"] == "DaskTaskRunner"
    assert (first / "topics.json").read_text() == (second / "topics.json").read_text()
    # Every document in the same topic; scores and map positions equal to float noise
    # (worker processes may sum in another order: a 6th decimal can round the other way).
    threads_rows = pq.read_table(first / "assignments.parquet").to_pylist()
    dask_rows = pq.read_table(second / "assignments.parquet").to_pylist()
    for row, other in zip(threads_rows, dask_rows, strict=True):
        assert {k: v for k, v in row.items() if not isinstance(v, float)} == {
            k: v for k, v in other.items() if not isinstance(v, float)
        }
        floats = [k for k, v in row.items() if isinstance(v, float)]
        assert [row[k] for k in floats] == pytest.approx([other[k] for k in floats], abs=1e-4)


@pytest.mark.subprocess
def test_runner_options_are_checked(tmp_path, topicflow_bin):
    bad = run_cli(topicflow_bin, "run", "--runner", "spark", "--out", str(tmp_path / "r"))
    assert_bad_input(bad, "--runner must be one of threads, dask, got 'spark'")
    lonely = run_cli(topicflow_bin, "run", "--dask-address", "tcp://127.0.0.1:1")
    assert_bad_input(lonely, "--dask-address needs --runner dask")
