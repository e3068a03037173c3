"""Atomic writes: the target holds the old content or the new, never part of either, and
no temporary file outlives a write, whether it succeeded or failed."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT_ROOT
from topicflow.pipelines.io.atomic import (
    ABANDONED_AFTER_S,
    atomic_path,
    atomic_write,
    atomic_write_text,
)
from topicflow.pipelines.io.store import remove_abandoned_writes


def test_write_creates_and_replaces(tmp_path):
    path = tmp_path / "data.bin"
    atomic_write(path, b"first")
    atomic_write(path, b"second")
    assert path.read_bytes() == b"second"
    atomic_write_text(path, "caf\u00e9 \U0001f600")
    assert path.read_text("utf-8") == "caf\u00e9 \U0001f600"
    atomic_write_text(path, "unsynced", fsync=False)
    assert path.read_text("utf-8") == "unsynced"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_temporary_path_is_a_hidden_unique_sibling_no_reader_lists(tmp_path):
    target = tmp_path / "shard.json"
    with atomic_path(target) as first, atomic_path(target) as second:
        assert first != second  # two writers of one target never share a temporary file
        for tmp in (first, second):
            assert tmp.parent == tmp_path and tmp.name.startswith(".shard.json.")
            tmp.write_bytes(b"x")
        assert not target.exists()  # nothing is visible before the block ends
        assert list(tmp_path.glob("*.json")) == []  # readers listing by suffix miss them


def test_writers_that_need_a_path_or_a_file_write_through_it(tmp_path):
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    with atomic_path(tmp_path / "v.npy") as tmp, open(tmp, "wb") as file:
        np.save(file, vectors)
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"), vectors)
    with atomic_path(tmp_path / "t.parquet") as tmp:
        pq.write_table(pa.table({"a": [1, 2]}), tmp)
    assert pq.read_table(tmp_path / "t.parquet").column("a").to_pylist() == [1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet", "v.npy"]


def test_failure_keeps_the_old_file_and_removes_the_temporary_one(tmp_path):
    path = tmp_path / "data.json"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("writer failed")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.json"]


def test_failure_before_the_temporary_file_exists_is_clean(tmp_path):
    with pytest.raises(OSError), atomic_path(tmp_path / "missing-dir" / "f.bin") as tmp:
        tmp.write_bytes(b"x")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_names_its_target_and_keeps_its_errno(tmp_path):
    # A full disk's write() names no file, pyarrow's wraps the system's message; the error
    # that leaves the block names the file the user asked for (the temporary one is gone).
    target = tmp_path / "report.html"
    for raised in (
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] ..."),
    ):
        with pytest.raises(OSError) as caught, atomic_path(target) as tmp:
            tmp.write_text("half")
            raise raised
        assert (caught.value.errno, caught.value.filename) == (errno.ENOSPC, str(target))
        assert str(caught.value) == f"[Errno 28] No space left on device: '{target}'"
    with pytest.raises(FileNotFoundError) as missing, atomic_path(tmp_path / "no" / "f") as tmp:
        tmp.write_bytes(b"x")
    assert missing.value.filename == str(tmp_path / "no" / "f")  # its kind is kept too
    assert list(tmp_path.iterdir()) == []


def test_an_inner_blocks_error_keeps_the_inner_name(tmp_path):
    vectors, sidecar = tmp_path / "s.npy", tmp_path / "s.json"
    with pytest.raises(OSError) as caught, atomic_path(sidecar), atomic_path(vectors) as tmp:
        raise OSError(errno.EDQUOT, "Disk quota exceeded", str(tmp))
    assert caught.value.filename == str(vectors) and caught.value.errno == errno.EDQUOT
    assert list(tmp_path.iterdir()) == []


def test_nested_blocks_commit_innermost_first(tmp_path):
    first, last = tmp_path / "a.npy", tmp_path / "a.json"
    with atomic_path(last) as tmp_last:
        with atomic_path(first) as tmp_first:
            tmp_first.write_text("data")
            tmp_last.write_text("commit")
        assert first.exists() and not last.exists()
    assert last.read_text() == "commit"


_WRITER = textwrap.dedent(
    """
    import sys
    from topicflow.pipelines.io.atomic import atomic_write
    path, byte = sys.argv[1], sys.argv[2].encode()
    for _ in range(200):
        atomic_write(path, byte * 100_000, fsync=False)
    """
)


@pytest.mark.subprocess
def test_concurrent_writers_and_a_reader_only_ever_see_whole_files(tmp_path):
    path = tmp_path / "shared.bin"
    atomic_write(path, b"a" * 100_000)
    whole = {b"a" * 100_000, b"b" * 100_000}
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), byte], cwd=PROJECT_ROOT)
        for byte in "ab"
    ]
    seen = 0
    while any(w.poll() is None for w in writers):
        assert path.read_bytes() in whole
        seen += 1
    assert [w.wait(60) for w in writers] == [0, 0] and seen > 0
    assert path.read_bytes() in whole
    assert [p.name for p in tmp_path.iterdir()] == ["shared.bin"]


@pytest.mark.subprocess
def test_the_next_run_removes_what_a_killed_writer_left_once_it_is_idle(tmp_path):
    """A store entry's writer killed mid-write (no ``finally`` runs) leaves its hidden
    temporary file; it is removed once untouched for an hour, a live writer's is not."""
    store = tmp_path / "store"
    entry = store / "cache" / "model-lda" / "key.pkl"
    entry.parent.mkdir(parents=True)
    killed = textwrap.dedent(
        f"""
        import os, signal
        from topicflow.pipelines.io.blob import writing_blob
        with writing_blob({str(entry)!r}) as out:
            out.write(b"x" * 1_000_000)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", killed], cwd=PROJECT_ROOT)
    assert done.returncode == -9
    (left,) = entry.parent.glob(".*.tmp")
    live = entry.parent / f".other.pkl.{'0' * 32}.tmp"
    live.write_bytes(b"being written")
    entry.with_name("done.pkl").write_bytes(b"a finished entry")
    assert remove_abandoned_writes(store) == []  # both were just written
    hour_ago = time.time() - ABANDONED_AFTER_S - 60
    os.utime(left, (hour_ago, hour_ago))
    assert remove_abandoned_writes(store) == [left]
    assert sorted(p.name for p in entry.parent.iterdir()) == [live.name, "done.pkl"]
    assert remove_abandoned_writes(tmp_path / "no-store") == []
