"""Golden topics: a refactor must not change what a run finds.

``topicflow run`` (the command-line contract, so this test survives any reorganisation
of the code behind it) on the built-in sample corpus and on a seeded slice of BBC
News, with the default config, must write exactly the committed ``topics.json``:
same topics, same words in the same order, same sizes, and weights equal to the
6 decimals the file keeps. A deliberate change of results regenerates the files
(``TOPICFLOW_GOLDEN=write``) in a commit of its own that says why.

The default onnx-int8 vectors depend on the CPU's int8 kernels (:func:`int8_kernels`):
with VNNI they are exact, without it ONNX Runtime's kernels saturate, and the vectors
move by about 0.01 in cosine, enough to move a cluster border. So there is one set of
files per kind (``golden/vnni``, ``golden/no-vnni``); on a kind without its files the
test fails and says how to write them.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATASETS, int8_kernels

GOLDEN = Path(__file__).parent / "golden" / int8_kernels()
BBC = SHARED_DATASETS / "bbc_news" / "bbc_news.jsonl.gz"
BBC_SLICE = 400  # articles, drawn with a fixed seed: every section, a minute's run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def golden_env(prefect_api_url) -> dict[str, str]:
    """The session's Prefect API for both runs: what they fix is topics, not Prefect's
    temporary server, and each run saves that server's start."""
    return {**os.environ, "PREFECT_API_URL": prefect_api_url}


@pytest.fixture(scope="module")
def golden_store(tmp_path_factory) -> Path:
    """One store for both runs, as a user's for two corpora: the int8 model is built once
    (about 10 s), and the corpora share no other cache entry."""
    return tmp_path_factory.mktemp("golden-store")


def _run(topicflow_bin: str, env: dict, tmp_path: Path, store: Path, *args: str) -> dict:
    out = subprocess.run(
        [
            topicflow_bin,
            "run",
            "--out",
            str(tmp_path / "runs"),
            "--store",
            str(store),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    run_dir = Path(out.stdout.strip().splitlines()[-1])
    return json.loads((run_dir / "topics.json").read_text(encoding="utf-8"))


def _check(name: str, topics: dict) -> None:
    path = GOLDEN / f"{name}.json"
    if os.environ.get("TOPICFLOW_GOLDEN") == "write":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(topics, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        pytest.skip(f"wrote {path}")
    assert path.exists(), (
        f"no golden topics for CPUs with {GOLDEN.name} int8 kernels: write them with "
        "TOPICFLOW_GOLDEN=write on such a machine, in a commit of their own"
    )
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(topics) == sorted(expected)
    for model, want in expected.items():
        got = topics[model]
        assert [t["id"] for t in got] == [t["id"] for t in want], model
        for g, w in zip(got, want, strict=True):
            where = f"{model} topic {w['id']}"
            assert g["words"] == w["words"], where
            assert g["size"] == w["size"], where
            assert g["weights"] == pytest.approx(w["weights"], abs=2e-6), where


def test_sample_corpus_topics_are_unchanged(topicflow_bin, golden_env, tmp_path, golden_store):
    _check("sample", _run(topicflow_bin, golden_env, tmp_path, golden_store))


@pytest.mark.skipif(not BBC.exists(), reason=f"BBC News not found at {BBC}")
def test_bbc_slice_topics_are_unchanged(topicflow_bin, golden_env, tmp_path, golden_store):
    with gzip.open(BBC, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    picked = sorted(random.Random(7).sample(range(len(rows)), BBC_SLICE))
    corpus = tmp_path / "bbc_slice.jsonl"
    corpus.write_text("".join(json.dumps(rows[i]) + "\n" for i in picked), encoding="utf-8")
    args = ("--corpus", str(corpus), "--id-field", "id")
    _check("bbc_slice", _run(topicflow_bin, golden_env, tmp_path, golden_store, *args))
