"""A stage's end hands the memory it freed back to the system: glibc's and Arrow's."""

from __future__ import annotations

import gc

import psutil
import pyarrow as pa
import pytest

from topicflow.flows.orchestration.staged import Clock, _malloc_trim

MB = 2**20


@pytest.mark.skipif(_malloc_trim() is None, reason="not glibc")
def test_a_stage_end_returns_freed_memory_to_the_system():
    # 200 MB in 1 KiB blocks (above pymalloc's limit: glibc's own), every 16th kept, so
    # that the freed blocks lie between live ones and free() alone cannot give them back.
    blocks = [bytes(1024) + bytes([i % 256]) for i in range(200_000)]
    kept = blocks[::16]
    del blocks
    process = psutil.Process()
    before = process.memory_info().rss
    Clock("test").staged(None)
    after = process.memory_info().rss
    assert before - after > 100 * MB, (before / MB, after / MB)
    assert len(kept) == 12_500


def test_a_stage_end_returns_what_arrows_pool_freed():
    table = pa.table({"text": pa.array([f"{i:0100d}" for i in range(1_500_000)])})  # 160 MB
    process = psutil.Process()
    del table
    gc.collect()
    before = process.memory_info().rss
    Clock("test").staged(None)
    after = process.memory_info().rss
    assert before - after > 80 * MB, (before / MB, after / MB)
