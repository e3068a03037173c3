"""Two ``topicflow run`` processes started together on one corpus, store and history
database, one on threads and one on a Dask cluster: both finish with the same topics,
both are recorded, and every cache entry is computed by one of them and written once,
never torn (a reader checks each cache file as it appears).

Both runs talk to the test session's Prefect server: each run (and each Dask worker)
would otherwise start a temporary one of its own, seconds each.
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
from tests.locks import until, waiters
from tests.postgres import fresh_database
from topicflow.pipelines.config import EmbedderConfig
from topicflow.pipelines.history.database import RunHistory
from topicflow.pipelines.history.location import history_url
from topicflow.pipelines.io.entry_lock import entry_lock, lock_path
from topicflow.pipelines.vectors.cache import EmbeddingCache
from topicflow.pipelines.vectors.embedder import texts_entry
from topicflow.pipelines.vectors.identity import embedding_identity

# The stages whose results the store caches: each is computed by exactly one of the runs.
CACHED_STAGES = (
    "preprocess",
    "lda",
    "embedding",
    "levels",
    "name_topics",
    "document_map",
    "compare",
)


def _config(tmp_path: Path, **embedder) -> Path:
    settings = yaml.safe_load((PROJECT_ROOT / "configs" / "smoke.yaml").read_text())
    settings["embedder"].update(embedder)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def _run_together(topicflow_bin, api, texts, config, tmp_path, runners, backend, environment=None):
    """Start one run per runner at once, both to embed with ``backend``; return each
    run's directory and stderr, the cache's reader and the store."""
    corpus, store = tmp_path / "news.cor", tmp_path / "store"
    corpus.write_text("\n".join(texts) + "\n")
    common = [topicflow_bin, "run", "--corpus", str(corpus), "--config", str(config)]
    # --recompute: neither may be answered from the other's finished run, which a run
    # started late enough would be; each computes or waits for every stage.
    common += ["--out", str(tmp_path / "runs"), "--store", str(store), "--recompute"]
    env = {**os.environ, "PREFECT_API_URL": api, **(environment or {})}
    logs = [tmp_path / f"run-{i}.log" for i in range(len(runners))]
    # The Dask run trails the other by its cluster's start. Both first meet at the lock of
    # the first shard's texts, held here until both wait on it: from there on they need
    # every entry at the same moment, which only the locks keep them from computing twice.
    embedder = EmbedderConfig(**yaml.safe_load(config.read_text())["embedder"])
    identity = embedding_identity(**{**embedder.identity_params(), "backend": backend})
    first_shard = [EmbeddingCache.text_key(t) for t in texts[: embedder.shard_size]]
    barrier = texts_entry(store / "cache" / "embeddings" / identity, first_shard)
    with CacheWatch(store) as watch:
        with entry_lock(barrier):
            runs = []
            for runner, log in zip(runners, logs, strict=True):
                with open(log, "w") as err:
                    command = [*common, "--runner", runner]
                    runs.append(
                        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, env=env)
                    )
            until(lambda: waiters(lock_path(barrier)) == 2 or _any_ended(runs), guard_s=600)
            queued = waiters(lock_path(barrier))
        outputs = [run.communicate(timeout=600)[0].decode() for run in runs]
    errors = [log.read_text() for log in logs]
    assert [run.returncode for run in runs] == [0, 0], [err[-3000:] for err in errors]
    assert queued == 2, "the runs did not both wait for the first shard"
    dirs = [Path(out.strip().splitlines()[-1]) for out in outputs]
    assert sorted((tmp_path / "runs").iterdir()) == sorted(dirs)  # two, and nothing staged
    return dirs, errors, watch, store


def _any_ended(runs: list[subprocess.Popen]) -> bool:
    return any(run.poll() is not None for run in runs)


def _first_on_path(directory: Path) -> str:
    return os.pathsep.join(p for p in (str(directory), os.environ.get("PYTHONPATH")) if p)


def _assert_both_finished_and_computed_each_entry_once(dirs, watch, history: str, texts):
    manifests = [json.loads((d / "manifest.json").read_text()) for d in dirs]
    runners = {m["task_runner"] for m in manifests}
    assert runners == {"ThreadPoolTaskRunner", "DaskTaskRunner"}
    assert (dirs[0] / "topics.json").read_text() == (dirs[1] / "topics.json").read_text()
    database = RunHistory(history)  # what `topicflow history` lists
    try:
        recorded = database.runs()
    finally:
        database.close()
    assert sorted((r.run_id, r.status) for r in recorded) == sorted(
        (d.name, "complete") for d in dirs
    )
    for stage in CACHED_STAGES:  # one run computed it, the other waited and read it
        outcomes = sorted(m["stages"][stage]["cache"] for m in manifests)
        assert outcomes == ["hit", "miss"], (stage, outcomes)
    # The reader opened every entry as it appeared: all sound, none rewritten later.
    assert watch.checked
    assert watch.damaged == []
    assert watch.changed == []
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
    tmp_path, topicflow_bin, prefect_api_url
):
    """Also one embedding backend for a run whose two shards start on an empty store:
    the int8 model is built once, every shard of both runs embeds with it, and the
    vectors are those a warm process computes with the built model."""
    from topicflow.pipelines.vectors import backends
    from topicflow.pipelines.vectors.embedder import SentenceEmbedder

    texts = news_sentences(120, seed=11)  # two shards of at most 100 documents
    config = _config(tmp_path, backend="onnx-int8", shard_size=100)
    dirs, logs, watch, store = _run_together(
        topicflow_bin, prefect_api_url, texts, config, tmp_path, ["threads", "dask"], "onnx-int8"
    )
    manifests = _assert_both_finished_and_computed_each_entry_once(
        dirs, watch, history_url(store), texts
    )
    assert [m["embedding_backend"] for m in manifests] == ["onnx-int8", "onnx-int8"]
    assert all("embedding_fallback" not in m for m in manifests)
    assert all("unavailable" not in log for log in logs)
    (model,) = (store / "cache" / "models").glob("*.onnx")  # built once, never replaced
    assert model in watch.seen

    builds = backends.builds
    warm = SentenceEmbedder(backend="onnx-int8", model_cache=model.parent).fit()
    assert backends.builds == builds  # loaded the runs' model, built nothing
    cache = EmbeddingCache(store / "cache" / "embeddings" / warm.identity_)
    stored, found = cache.get([EmbeddingCache.text_key(t) for t in texts])
    assert found.all()
    np.testing.assert_array_equal(stored, warm.transform(texts))


@pytest.mark.slow
@pytest.mark.database
def test_dask_and_threads_at_once_on_postgresql_where_int8_cannot_run(
    tmp_path, topicflow_bin, prefect_api_url, postgres_server
):
    """Also a real fallback: onnxruntime cannot be imported here (a package of that name
    that fails to import comes first on the path), so each run says so once, in its log,
    records it, and embeds every shard with torch."""
    unavailable = tmp_path / "site" / "onnxruntime"
    unavailable.mkdir(parents=True)
    (unavailable / "__init__.py").write_text('raise ImportError("not on this machine")\n')
    texts = news_sentences(120, seed=12)  # two shards
    history = fresh_database(postgres_server)
    dirs, logs, watch, store = _run_together(
        topicflow_bin,
        prefect_api_url,
        texts,
        _config(tmp_path, backend="onnx-int8", shard_size=100),
        tmp_path,
        ["dask", "threads"],
        "torch",
        {"TOPICFLOW_HISTORY_URL": history, "PYTHONPATH": _first_on_path(unavailable.parent)},
    )
    # torch's vectors differ by about 1e-7 between the main process and Dask's workers,
    # enough to move a document of a tiny corpus: identical topics (checked here) also
    # show that each shard was embedded by one run and read by the other.
    manifests = _assert_both_finished_and_computed_each_entry_once(dirs, watch, history, texts)
    reason = "embedding backend 'onnx-int8' unavailable (onnxruntime is not installed"
    for manifest, log in zip(manifests, logs, strict=True):
        assert manifest["embedding_backend"] == "torch"
        assert manifest["embedding_fallback"].startswith(reason)
        warnings = [line for line in log.splitlines() if reason in line]
        assert len(warnings) == 1 and " | WARNING | Task run 'embed-backend-" in warnings[0]
        assert warnings[0].endswith("; using torch for every shard of this run")
    torch = embedding_identity(**EmbedderConfig(backend="torch").identity_params())
    shards = {d.name: list(d.glob("*.json")) for d in (store / "cache" / "embeddings").iterdir()}
    assert shards.pop(torch) and not any(shards.values())  # every shard's vectors are torch's
