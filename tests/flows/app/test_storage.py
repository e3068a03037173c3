"""Unwritable or full storage, with the real ``topicflow`` command on real file systems.

A read-only, unwritable or full ``--out`` or ``--store`` is refused in one line, exit
code 2, before anything is created. A file system that fills during a run fails the run
(exit code 1) with one line naming the file, and leaves no staging directory, no
temporary file, no torn cache entry, and a history record that says why. The file
systems are tmpfs mounts made here (root or CAP_SYS_ADMIN, else the tests skip), sized
from what the run writes, and always unmounted.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, news_sentences
from tests.flows.app.test_cli import assert_bad_input
from tests.mounts import fill, tmpfs, without_permission_override
from topicflow.pipelines.config import load_config
from topicflow.pipelines.history.database import RunHistory
from topicflow.pipelines.io.blob import read_blob
from topicflow.pipelines.io.run_size import run_size
from topicflow.pipelines.io.storage import human_size

pytestmark = pytest.mark.subprocess

SMOKE = PROJECT_ROOT / "configs" / "smoke.yaml"
TEXTS = news_sentences(40, seed=5)
MB = 1 << 20
KB = 1 << 10


@pytest.fixture
def news(tmp_path) -> Path:
    path = tmp_path / "news.cor"
    path.write_text("\n".join(TEXTS) + "\n")
    return path


@pytest.fixture
def lda_only(tmp_path) -> Path:
    """The smoke config without the embedding model: a run that loads no model is quicker."""
    path = tmp_path / "lda.yaml"
    path.write_text(SMOKE.read_text() + "models: [lda]\nnaming:\n  enabled: false\n")
    return path


def run(topicflow_bin, news: Path, out: Path, store: Path, config=SMOKE, prefix=()):
    command = [*prefix, topicflow_bin, "run", "--corpus", str(news), "--config", str(config)]
    command += ["--out", str(out), "--store", str(store)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def floor(store: Path, config: Path = SMOKE):
    """What the command's preflight asks of --out and --store for the 40 stories."""
    return run_size(TEXTS, load_config(str(config), None), store, corpus_cached=False)


def test_a_read_only_out_is_refused_before_anything_is_created(tmp_path, news, topicflow_bin):
    store = tmp_path / "store"
    with tmpfs(tmp_path / "ro", MB, read_only=True) as out:
        result = run(topicflow_bin, news, out, store)
    assert_bad_input(result, f"--out {out} is not writable (Read-only file system)")
    assert not store.exists()


def test_a_store_under_a_read_only_mount_is_refused(tmp_path, news, topicflow_bin):
    out = tmp_path / "runs"
    with tmpfs(tmp_path / "ro", MB, read_only=True) as read_only:
        result = run(topicflow_bin, news, out, read_only / "store")
    message = f"--store {read_only / 'store'} cannot be created: {read_only} is not writable"
    assert_bad_input(result, f"{message} (Read-only file system)")
    assert not out.exists()


def test_an_out_without_write_permission_is_refused(tmp_path, news, topicflow_bin):
    out, store = tmp_path / "locked", tmp_path / "store"
    out.mkdir()
    out.chmod(0o555)
    result = run(topicflow_bin, news, out, store, prefix=without_permission_override())
    assert_bad_input(result, f"--out {out} is not writable (Permission denied)")
    assert list(out.iterdir()) == [] and not store.exists()


def test_a_full_store_is_refused_with_its_free_space_and_the_runs_need(
    tmp_path, news, topicflow_bin
):
    out = tmp_path / "runs"
    with tmpfs(tmp_path / "disk", MB) as disk:
        filler = fill(disk, leave=8 * KB)
        store = disk / "store"
        result = run(topicflow_bin, news, out, store)
        left = list(disk.iterdir())
    # The corpus cache and the tokens (each about the texts), and 384 float32 per vector
    # twice: in the embedding cache and in the run's file of them.
    need = 2 * sum(len(text.encode()) for text in TEXTS) + 2 * 40 * 384 * 4
    message = f"--store {store} has 8.2 KB free; this run needs about {human_size(need)}"
    assert_bad_input(result, message)
    assert left == [filler] and not out.exists()  # no store, no history, no run directory


@pytest.mark.slow
def test_an_out_that_fills_at_the_report_fails_the_run_and_leaves_nothing(
    tmp_path, news, lda_only, topicflow_bin
):
    store = tmp_path / "store"
    # Room for what the preflight asks (the report's plotly.js and the snippets) and 24 KB
    # more: the run's small files fit in it, the report with its figures does not.
    with tmpfs(tmp_path / "out", floor(store, lda_only).out + 24 * KB) as out:
        result = run(topicflow_bin, news, out, store, lda_only)
        left = list(out.iterdir())
    staged = rf"{re.escape(str(out))}/\.(?P<run>[^/]+)\.partial/report\.html"
    error = _storage_error(result, staged)
    assert left == []  # no staging directory, no temporary file
    (record,) = _history(store)
    assert record.run_id == error["run"] and record.status == "failed"
    assert "No space left on device" in record.error and "report.html" in record.error
    assert list(store.rglob("*.tmp")) == []


@pytest.mark.slow
def test_a_store_that_fills_during_the_run_fails_it_cleanly(tmp_path, news, topicflow_bin):
    out = tmp_path / "runs"
    # Room for what the preflight asks and 160 KB more: the corpus cache and the history
    # database (about 110 KB) fit, the caches of the stages (about 270 KB for these 40
    # stories, the topics' word vectors alone 110 KB) do not, so a cache write fails.
    with tmpfs(tmp_path / "store", floor(tmp_path / "store").store + 160 * KB) as store:
        result = run(topicflow_bin, news, out, store)
        error = _storage_error(result, rf"{re.escape(str(store))}/cache/.+")
        assert list(store.rglob("*.tmp")) == []
        _assert_cache_entries_sound(store / "cache")
        (record,) = _history(store)  # the history shares the full file system
    assert list(out.iterdir()) == []
    assert record.status == "failed" and "No space left on device" in record.error
    assert error["path"] in record.error


def _storage_error(result: subprocess.CompletedProcess, path_pattern: str) -> dict[str, str]:
    """The run's one error line (exit code 1): the file it could not write, and why."""
    assert result.returncode == 1, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("topicflow: error:")]
    assert len(lines) == 1, result.stderr[-3000:]
    pattern = rf"topicflow: error: cannot write (?P<path>{path_pattern}): No space left on device"
    matched = re.fullmatch(pattern, lines[0])
    assert matched, lines[0]
    return matched.groupdict()


def _history(store: Path):
    history = RunHistory.for_store(store)
    try:
        return history.runs()
    finally:
        history.close()


def _assert_cache_entries_sound(cache: Path) -> None:
    """Every entry a reader would take is whole: blobs pass their checksum, and each
    embedding shard's sidecar has its vectors, with the sha256 it records."""
    blobs = [*cache.rglob("*.pkl"), *cache.rglob("*.blob")]
    assert blobs and all(read_blob(path) is not None for path in blobs)
    for sidecar in cache.glob("embeddings/*/*.json"):
        vectors = sidecar.with_suffix(".npy")
        recorded = json.loads(sidecar.read_text())["sha256"]
        assert hashlib.sha256(vectors.read_bytes()).hexdigest() == recorded
