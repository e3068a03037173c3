"""Arrays kept in a file: the same values as in memory, and pages a process can let go of."""

from __future__ import annotations

import errno
import pickle
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from topicflow.pipelines.blocks import ROW_BLOCK, vector_blocks
from topicflow.pipelines.io.disk_array import disk_array, is_on_disk, release

MB = 1 << 20
# Resident pages are read from /proc, and only Linux lets a mapping's pages go.
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's madvise")


def _resident_mb(array: np.ndarray) -> float:
    """Megabytes of ``array``'s mapping resident in this process (/proc/self/smaps)."""
    start = array.__array_interface__["data"][0]
    lines = Path("/proc/self/smaps").read_text().splitlines()
    for at, line in enumerate(lines):
        span = line.split()[0]
        if "-" in span and int(span.split("-")[0], 16) == start:
            rss = next(x for x in lines[at + 1 :] if x.startswith("Rss:"))
            return int(rss.split()[1]) / 1024
    raise AssertionError("no mapping starts at the array's data")


def test_a_disk_array_holds_what_is_written_and_leaves_no_file_behind(tmp_path):
    array = disk_array((1000, 8), np.float32, tmp_path)
    assert is_on_disk(array) and is_on_disk(array[10:20]) and not is_on_disk(np.zeros(3))
    assert array.dtype == np.float32 and array.shape == (1000, 8) and not array.any()
    array[:] = np.arange(8000, dtype=np.float32).reshape(1000, 8)
    assert list(tmp_path.iterdir()) == []  # unlinked once mapped
    # Pickled (to a Dask worker, a process of its own), it travels as its values.
    copy = pickle.loads(pickle.dumps(array))
    np.testing.assert_array_equal(copy, array)
    assert not is_on_disk(copy)


@linux_only
def test_released_pages_leave_the_process_and_keep_their_values(tmp_path):
    array = disk_array((64 * MB // 4,), np.float32, tmp_path)
    array[:] = 1.5
    assert _resident_mb(array) > 60
    release(array)
    assert _resident_mb(array) < 1
    assert float(array.sum()) == 1.5 * len(array)  # read back from the page cache
    release(np.ones(3))  # an array in memory: nothing to do


@linux_only
def test_a_pass_in_blocks_holds_about_one_block_of_a_disk_array(tmp_path):
    vectors = disk_array((4 * ROW_BLOCK, 256), np.float32, tmp_path)  # 64 MB
    vectors[:] = np.random.default_rng(0).random((4 * ROW_BLOCK, 256), dtype=np.float32)
    release(vectors)
    rows = np.arange(1, len(vectors), 3)
    sums = np.zeros(len(vectors))
    for block, values in vector_blocks(vectors, rows):
        np.testing.assert_array_equal(values, vectors[block])
        sums[block] = values.sum(axis=1)
        release(vectors)  # what the assertion's own read mapped
    np.testing.assert_allclose(sums[rows], vectors[rows].sum(axis=1), rtol=1e-6)
    release(vectors)
    resident = []
    for _ in vector_blocks(vectors, np.arange(len(vectors))):
        resident.append(_resident_mb(vectors))
    assert max(resident) <= 17  # one block of 16,384 rows of 1 KB, never the 64 MB


def test_room_the_disk_cannot_give_is_an_error_naming_the_directory(tmp_path):
    """Refused before a byte is reserved (never a SIGBUS at a later write), as a full
    disk: the command's one line names the store (flows/app/exits.py)."""
    more = shutil.disk_usage(tmp_path).free + (1 << 20)
    with pytest.raises(OSError) as raised:
        disk_array((more,), np.uint8, tmp_path)
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(tmp_path)
    assert list(tmp_path.iterdir()) == []
