"""Two ``topicflow run`` processes started together on one corpus, store and history
database, one on threads and one on a Dask cluster: both finish with the same topics,
both are recorded, and every cache entry is computed by one of them and written once,
never torn (a reader checks each cache file as it appears).

Both runs talk to one Prefect server started for the module: each run (and each Dask
worker) would otherwise start a temporary one of its own, seconds each.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.cache_watch import CacheWatch
from tests.conftest import PROJECT_ROOT, news_sentences
from tests.postgres import fresh_database
from topicflow.pipelines.history.database import RunHistory, history_url
from topicflow.pipelines.vectors.cache import EmbeddingCache

# The stages whose results the store caches: each is computed by exactly one of the runs.
CACHED_STAGES = ("preprocess", "lda", "embedding", "name_topics", "document_map", "compare")


@pytest.fixture(scope="module")
def prefect_server():
    from topicflow.flows.orchestration.local_server import local_prefect_server

    with local_prefect_server() as api:
        yield api


def _config(tmp_path: Path, **embedder) -> Path:
    settings = yaml.safe_load((PROJECT_ROOT / "configs" / "smoke.yaml").read_text())
    settings["embedder"].update(embedder)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def _run_together(topicflow_bin, api, texts, config, tmp_path, runners, history=None):
    """Start one run per runner at once; return each run's directory and stderr."""
    corpus, store = tmp_path / "news.cor", tmp_path / "store"
    corpus.write_text("\n".join(texts) + "\n")
    common = [topicflow_bin, "run", "--corpus", str(corpus), "--config", str(config)]
    # --recompute: neither may be answered from the other's finished run, which a run
    # started late enough would be; each computes or waits for every stage.
    common += ["--out", str(tmp_path / "runs"), "--store", str(store), "--recompute"]
    env = {**os.environ, "PREFECT_API_URL": api}
    if history:
        env["TOPICFLOW_HISTORY_URL"] = history
    with CacheWatch(store) as watch:
        runs = [
            subprocess.Popen(
                [*common, "--runner", runner],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for runner in runners
        ]
        results = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-3000:] for _, err in results]
    dirs = [Path(out.strip().splitlines()[-1]) for out, _ in results]
    return dirs, [err for _, err in results], watch, store


def _assert_both_finished_and_computed_each_entry_once(dirs, watch, history: str, texts):
    manifests = [json.loads((d / "manifest.json").read_text()) for d in dirs]
    runners = {m["task_runner"] for m in manifests}
    assert runners == {"ThreadPoolTaskRunner", "DaskTaskRunner"}
    assert (dirs[0] / "topics.json").read_text() == (dirs[1] / "topics.json").read_text()
    recorded = RunHistory(history).runs()
    assert sorted((r.run_id, r.status) for r in recorded) == sorted(
        (d.name, "complete") for d in dirs
    )
    for stage in CACHED_STAGES:  # one run computed it, the other waited and read it
        outcomes = sorted(m["stages"][stage]["cache"] for m in manifests)
        assert outcomes == ["hit", "miss"], (stage, outcomes)
    # The reader opened every entry as it appeared: all sound, none rewritten later.
    assert watch.checked and watch.damaged == [] and watch.changed == []
    assert watch.unknown == []
    # Every document embedded once: its text in exactly one shard of the cache.
    stored = Counter()
    for sidecar in watch.checked:
        if sidecar.suffix == ".json":
            stored.update(json.loads(sidecar.read_text())["keys"])
    documents = [EmbeddingCache.text_key(t) for t in texts]
    assert [stored[key] for key in documents] == [1] * len(documents)
    return manifests


@pytest.mark.slow
def test_threads_and_dask_at_once_on_sqlite_with_int8_built_once(
    tmp_path, topicflow_bin, prefect_server
):
    """Also one embedding backend for a run whose two shards start on an empty store:
    the int8 model is built once, every shard of both runs embeds with it, and the
    vectors are those a warm process computes with the built model."""
    from topicflow.pipelines.vectors import backends
    from topicflow.pipelines.vectors.embedder import SentenceEmbedder

    texts = news_sentences(120, seed=11)  # two shards of at most 100 documents
    config = _config(tmp_path, backend="onnx-int8", shard_size=100)
    dirs, logs, watch, store = _run_together(
        topicflow_bin, prefect_server, texts, config, tmp_path, ["threads", "dask"]
    )
    manifests = _assert_both_finished_and_computed_each_entry_once(
        dirs, watch, history_url(store), texts
    )
    assert [m["embedding_backend"] for m in manifests] == ["onnx-int8", "onnx-int8"]
    assert all("embedding_fallback" not in m for m in manifests)
    assert all("unavailable" not in log for log in logs)
    (model,) = (store / "cache" / "models").glob("*.onnx")  # built once, never replaced
    assert model in watch.seen and watch.changed == []

    builds = backends.builds
    warm = SentenceEmbedder(backend="onnx-int8", model_cache=model.parent).fit()
    assert backends.builds == builds  # loaded the runs' model, built nothing
    cache = EmbeddingCache(store / "cache" / "embeddings" / warm.identity_)
    stored, found = cache.get([EmbeddingCache.text_key(t) for t in texts])
    assert found.all()
    np.testing.assert_array_equal(stored, warm.transform(texts))


@pytest.mark.slow
@pytest.mark.database
def test_dask_and_threads_at_once_on_postgresql(
    tmp_path, topicflow_bin, prefect_server, postgres_server
):
    # torch vectors differ by about 1e-7 between the main process and Dask's workers,
    # enough to move a document on a tiny corpus: identical topics here also show that
    # the documents were embedded once, by one run, and read by the other.
    texts = news_sentences(45, seed=12)
    history = fresh_database(postgres_server)
    dirs, _, watch, _ = _run_together(
        topicflow_bin,
        prefect_server,
        texts,
        _config(tmp_path, backend="torch"),
        tmp_path,
        ["dask", "threads"],
        history,
    )
    _assert_both_finished_and_computed_each_entry_once(dirs, watch, history, texts)
