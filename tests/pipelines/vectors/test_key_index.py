"""The embedding cache's key index: each key's first shard and row, at a few tens of
bytes a key (a dict of key strings took about 300, 300 MB at a million documents)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from topicflow.pipelines.vectors.cache import _digests, _KeyIndex


def test_each_key_is_found_in_the_first_shard_and_row_that_holds_it():
    rng = np.random.default_rng(0)
    index, first = _KeyIndex(), {}
    for shard in range(60):  # shards of every size, many keys in several shards
        keys = [f"k{i}" for i in rng.integers(0, 3_000, size=int(rng.integers(1, 200)))]
        index.add(_digests(keys), shard)
        for row, key in enumerate(keys):
            first.setdefault(key, (shard << 32) | row)
    asked = [f"k{i}" for i in range(3_100)]  # the last hundred were never stored
    expected = [first.get(key, -1) for key in asked]
    assert index.find(_digests(asked)).tolist() == expected
    assert len(index) == len(first)
    assert len(index._runs) <= 7  # merged as it grew: about log2(60) runs, not 60


def test_an_empty_index_finds_nothing():
    assert _KeyIndex().find(_digests(["a", "b"])).tolist() == [-1, -1]
    assert _KeyIndex().find(_digests([])).tolist() == []


def test_a_key_takes_tens_of_bytes_not_hundreds():
    keys = [f"{i:064x}" for i in range(50_000)]  # as text_key makes them: sha256 hex
    tracemalloc.start()
    try:
        index, shards = _KeyIndex(), []
        for shard, start in enumerate(range(0, len(keys), 1_000)):
            shards.append(_digests(keys[start : start + 1_000]))  # what each shard keeps
            index.add(shards[-1], shard)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(index) == len(keys)
    assert held / len(keys) < 100  # 32 (a shard's digest) + 40 (the index's digest, location)
