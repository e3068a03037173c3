"""The Dask runner: a real LocalCluster of two worker processes gives the same topics."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import PROJECT_ROOT, news_sentences
from tests.flows.app.test_cli import assert_bad_input, run_cli

SMOKE = str(PROJECT_ROOT / "configs" / "smoke.yaml")


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_topics_as_threads(
    tmp_path, topicflow_bin, prefect_api_url
):
    corpus = tmp_path / "news.cor"
    corpus.write_text("\n".join(news_sentences(45, seed=2)) + "\n")
    # The default onnx-int8 backend: its vectors are the same in every process. torch's
    # fp32 ones (the smoke config's) differ by about 1e-7 between the main process and
    # Dask's workers, which run torch with other thread settings, and on 45 documents
    # that is enough to split one of HDBSCAN's leaf clusters differently.
    settings = yaml.safe_load(Path(SMOKE).read_text())
    settings["embedder"]["backend"] = "onnx-int8"
    config = tmp_path / "int8.yaml"
    config.write_text(yaml.safe_dump(settings))
    common = ["run", "--corpus", str(corpus), "--config", str(config)]
    common += ["--out", str(tmp_path / "runs")]
    # Separate stores: each runner computes every step itself; the two runs at once. The
    # Dask run starts its own temporary API server, as a user's does, which its workers
    # must report to (flows/orchestration/prefect_env.py); the threads run uses the
    # session's.
    with ThreadPoolExecutor(2) as both:
        threads_run = both.submit(
            run_cli, topicflow_bin, *common, "--store", str(tmp_path / "s1"), api=prefect_api_url
        )
        dask_run = both.submit(
            run_cli, topicflow_bin, *common, "--store", str(tmp_path / "s2"),
            "--runner", "dask", "--dask-workers", "2",
        )  # fmt: skip
        threads, dask = threads_run.result(), dask_run.result()
    assert threads.returncode == 0, threads.stderr
    assert dask.returncode == 0, dask.stderr
    first = Path(threads.stdout.strip().splitlines()[-1])
    second = Path(dask.stdout.strip().splitlines()[-1])
    assert (
        json.loads((first / "manifest.json").read_text())["task_runner"] == "ThreadPoolTaskRunner"
    )
    assert json.loads((second / "manifest.json").read_text())["task_runner"] == "DaskTaskRunner"
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


@pytest.mark.subprocess
def test_runner_options_are_checked(tmp_path, topicflow_bin):
    bad = run_cli(topicflow_bin, "run", "--runner", "spark", "--out", str(tmp_path / "r"))
    assert_bad_input(bad, "--runner must be one of threads, dask, got 'spark'")
    lonely = run_cli(topicflow_bin, "run", "--dask-address", "tcp://127.0.0.1:1")
    assert_bad_input(lonely, "--dask-address needs --runner dask")
