"""Embedding shards: how many run at once, and their merge into one array and one stage."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from topicflow.flows.orchestration.embedding_tasks import merge_shards, shard_results
from topicflow.flows.orchestration.staged import Staged
from topicflow.pipelines.io.disk_array import is_on_disk


class _Future:
    """A submitted shard: its result is the shard's texts as vectors, with timings."""

    def __init__(self, texts: list[str], label: str, log: list) -> None:
        self.texts, self.label, self.log = texts, label, log

    def result(self) -> Staged:
        self.log.append(("read", self.label))
        start = int(self.label) * 10
        vectors = np.array([[float(t), 1.0] for t in self.texts], dtype=np.float32)
        return Staged((vectors, 0), _at(start), _at(start + 4), 4.0, None)


def _at(second: int) -> str:
    return f"2026-12-03T08:00:{second:02d}.000+00:00"


def _submitter(log: list, futures: list):
    def submit(texts: list[str], label: str) -> _Future:
        log.append(("submit", label))
        futures.append(future := _Future(texts, label, log))
        return future

    return submit


@pytest.mark.parametrize("window", [1, 2, 5])
def test_at_most_window_shards_are_submitted_and_unread(window):
    log, futures = [], []
    texts = [str(i) for i in range(23)]
    results = list(shard_results(texts, 5, _submitter(log, futures), window))
    assert [r.value[0][:, 0].tolist() for r in results] == [
        [float(i) for i in range(s, min(s + 5, 23))] for s in range(0, 23, 5)
    ]
    unread = 0
    for event, _ in log:
        unread += 1 if event == "submit" else -1
        assert unread <= window
    assert [label for event, label in log if event == "read"] == ["1", "2", "3", "4", "5"]


def test_no_window_submits_every_shard_first():
    log, futures = [], []
    list(shard_results([str(i) for i in range(10)], 4, _submitter(log, futures), None))
    assert [event for event, _ in log] == ["submit"] * 3 + ["read"] * 3


def test_a_read_future_is_let_go():
    futures: list = []
    submit = _submitter([], futures)
    results = shard_results([str(i) for i in range(10)], 5, submit, 1)
    next(results)
    first = weakref.ref(futures.pop(0))
    gc.collect()
    assert first() is None  # only the generator could have held it


def test_merge_puts_the_shards_in_order_and_times_the_whole_span():
    log, futures = [], []
    shards = shard_results([str(i) for i in range(12)], 5, _submitter(log, futures), 2)
    merged = merge_shards(shards, 12, cached=True)
    np.testing.assert_array_equal(merged.value[:, 0], np.arange(12, dtype=np.float32))
    assert merged.value.dtype == np.float32 and merged.value.flags.c_contiguous
    assert merged.cache == "miss"
    # Shard 1 from :10 to :14, shard 3 from :30 to :34: the stage spans 24 s.
    assert (merged.started_at, merged.finished_at, merged.seconds) == (_at(10), _at(34), 24.0)


def test_merge_refuses_shards_that_do_not_cover_the_documents():
    log, futures = [], []
    shards = shard_results([str(i) for i in range(6)], 5, _submitter(log, futures), 2)
    with pytest.raises(ValueError, match="6 vectors for 7 documents"):
        merge_shards(shards, 7, cached=False)


def test_merge_into_a_directory_keeps_the_vectors_in_a_file_there(tmp_path):
    log, futures = [], []
    shards = shard_results([str(i) for i in range(12)], 5, _submitter(log, futures), 2)
    merged = merge_shards(shards, 12, cached=False, directory=tmp_path)
    assert is_on_disk(merged.value)
    np.testing.assert_array_equal(merged.value[:, 0], np.arange(12, dtype=np.float32))
    assert list(tmp_path.iterdir()) == []  # unlinked: nothing left to clean up
