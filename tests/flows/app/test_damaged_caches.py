"""Every kind of file under ``<store>/cache``, damaged, through the real ``topicflow run``:
the rerun exits 0 with the topics of the undamaged run, names each damaged file in one
warning line on stderr, never prints a traceback, and recomputes each entry, the int8
ONNX model included (issue 19, item 3).

One run fills a store; two copies of it are damaged and rerun at once: every kind gets
a flipped byte in one copy and a truncation in the other (the ways a blob can be
damaged, the wrong version among them, are each tested per user of the format in
tests/pipelines). ``--recompute``, since an unchanged corpus would otherwise be
answered from its last run without reading a cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT_ROOT, news_sentences
from tests.damage import flip_byte, truncate
from topicflow.pipelines.io.blob import read_blob

pytestmark = [pytest.mark.slow, pytest.mark.subprocess, pytest.mark.model]

# Every cache kind of a run with the int8 backend and incremental updates.
KINDS = {
    "corpora",
    "embeddings",  # shards: vectors (.npy) and their sidecars (.json)
    "models",  # the int8 ONNX model
    "model-lda",
    "model-embedding",
    "levels",
    "fitted-state",
    "preprocess",
    "name-topics",
    "document-map",
    "compare",
}
# The stages that read a cache kind the damage reaches: each recomputes.
RECOMPUTED = (
    "preprocess",
    "embed",
    "lda",
    "embedding",
    "levels",
    "name_topics",
    "document_map",
    "compare",
)
DAMAGES = {"flipped byte": flip_byte, "truncated": truncate}


def _config(tmp_path: Path) -> Path:
    cfg = yaml.safe_load((PROJECT_ROOT / "configs" / "smoke.yaml").read_text())
    cfg["embedder"]["backend"] = "onnx-int8"  # so that the store caches the int8 model
    cfg["update"] = "incremental"  # so that it keeps the fitted state
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _start(topicflow_bin: str, args: list[str], store: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [topicflow_bin, "run", *args, "--store", str(store), "--out", str(store.parent / "runs")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finished(process: subprocess.Popen) -> tuple[Path, str]:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    return Path(stdout.strip().splitlines()[-1]), stderr


def _kind(store: Path, path: Path) -> str:
    return path.relative_to(store / "cache").parts[0]


def _damage_plan(store: Path) -> dict[str, dict[Path, str]]:
    """Per copy, the damage of each file: blobs flipped in one copy and truncated in the
    other; of the embedding shards, the vectors (.npy) of every other one and the sidecar
    (.json) of the rest, flipped in one copy and truncated in the other. Every shard:
    the documents' vectors share the directory with the topic names' phrase vectors, and
    which shard holds which is down to their random names."""
    files = sorted(p for p in (store / "cache").rglob("*") if p.is_file())
    assert {_kind(store, p) for p in files} == KINDS
    shards = sorted({p.parent / p.stem for p in files if _kind(store, p) == "embeddings"})
    assert len(shards) >= 2, shards
    damaged = [p for p in files if _kind(store, p) != "embeddings"]
    damaged += [shard.with_suffix((".npy", ".json")[i % 2]) for i, shard in enumerate(shards)]
    return {
        "flip": dict.fromkeys(damaged, "flipped byte"),
        "cut": dict.fromkeys(damaged, "truncated"),
    }


def test_every_damaged_cache_file_is_named_once_and_recomputed(
    tmp_path, topicflow_bin, prefect_api_url
):
    corpus = tmp_path / "news.cor"
    corpus.write_text("\n".join(news_sentences(40, seed=23)) + "\n")
    args = ["--corpus", str(corpus), "--config", str(_config(tmp_path)), "--recompute"]
    env = {**os.environ, "PREFECT_API_URL": prefect_api_url}
    store = tmp_path / "undamaged" / "store"
    reference, _ = _finished(_start(topicflow_bin, args, store, env))
    topics = json.loads((reference / "topics.json").read_text())

    plan = _damage_plan(store)
    copies = {}
    for name, damages in plan.items():
        copy = tmp_path / name / "store"
        shutil.copytree(store, copy)
        for path, damage in damages.items():
            DAMAGES[damage](copy / path.relative_to(store))
        copies[name] = copy, _start(topicflow_bin, args, copy, env)

    for name, (copy, process) in copies.items():
        run_dir, stderr = _finished(process)
        assert json.loads((run_dir / "topics.json").read_text()) == topics, name
        warnings = [line for line in stderr.splitlines() if "ignoring cache file" in line]
        for path, damage in plan[name].items():
            damaged = copy / path.relative_to(store)
            named = [line for line in warnings if str(damaged) in line]
            assert len(named) == 1, (name, damage, damaged, warnings)
            if damaged.suffix not in (".npy", ".json"):  # a shard is rewritten under a new name
                assert read_blob(damaged) is not None, damaged  # recomputed, sound
        assert len(warnings) == len(plan[name]), warnings  # none for a sound file
        manifest = json.loads((run_dir / "manifest.json").read_text())
        stages = manifest["stages"]
        assert {stage: stages[stage]["cache"] for stage in RECOMPUTED} == dict.fromkeys(
            RECOMPUTED, "miss"
        ), name
        assert manifest["embedding_backend"] == "onnx-int8"  # the model rebuilt, no fallback
        assert manifest["update"]["performed"] == "full"
