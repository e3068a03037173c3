"""Placing documents against the embedding model's topic centroids a block of documents
at a time (a float64 unit copy of a million vectors was 3 GB): the numbers of the whole
matrix at once (to BLAS's rounding across blocks; in one block, below ROW_BLOCK
documents, the same bits), with a bounded copy."""

from __future__ import annotations

import tracemalloc

import numpy as np

from topicflow.pipelines import blocks
from topicflow.pipelines.io.disk_array import disk_array
from topicflow.pipelines.models.embedding.model import NOVELTY_PERCENTILE, _novelty_floor
from topicflow.pipelines.models.embedding.topics import nearest_centroid
from topicflow.pipelines.vectors.centroids import topic_vectors_from_documents, unit_rows


def _planted(n: int, dims: int = 64, k: int = 3, seed: int = 0):
    """Vectors around ``k`` orthogonal directions, their labels and the unit centroids."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    vectors = rng.normal(0, 0.3, (n, dims)).astype(np.float32)
    vectors[np.arange(n), labels] += 1.0
    return vectors, labels, unit_rows(topic_vectors_from_documents(vectors, labels, k))


def test_each_vector_goes_to_its_nearest_centroid_across_blocks(monkeypatch):
    vectors, labels, centroids = _planted(1_000)
    expected = unit_rows(vectors) @ centroids.T  # the whole matrix, as before the blocks
    monkeypatch.setattr(blocks, "ROW_BLOCK", 64)  # 16 blocks
    best, cosine = nearest_centroid(vectors, centroids)
    assert (best == labels).mean() > 0.95
    assert best.tolist() == expected.argmax(axis=1).tolist()
    np.testing.assert_allclose(cosine, expected.max(axis=1), rtol=1e-12)
    monkeypatch.setattr(blocks, "ROW_BLOCK", 16_384)  # one block: the same bits
    assert nearest_centroid(vectors, centroids)[1].tolist() == expected.max(axis=1).tolist()


def test_a_subset_is_placed_as_its_own_copy_would_be_and_without_one(monkeypatch):
    """The outliers HDBSCAN leaves (three quarters of a million documents) are placed by
    their numbers: the same answer as a copy of their vectors, and no copy made."""
    vectors, _, centroids = _planted(60_000)
    among = np.flatnonzero(np.random.default_rng(1).random(len(vectors)) < 0.75)
    monkeypatch.setattr(blocks, "ROW_BLOCK", 4_096)
    expected = nearest_centroid(vectors[among], centroids)
    tracemalloc.start()
    try:
        best, cosine = nearest_centroid(vectors, centroids, among=among)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert best.tolist() == expected[0].tolist() and cosine.tolist() == expected[1].tolist()
    # A copy of their vectors alone would be the whole of this; blocks take about half.
    assert peak < vectors[among].nbytes * 0.75, f"{peak / 1e6:.1f} MB"


def test_vectors_in_a_file_are_placed_as_in_memory(tmp_path, monkeypatch):
    vectors, labels, centroids = _planted(5_000)
    on_disk = disk_array(vectors.shape, np.float32, tmp_path)
    on_disk[:] = vectors
    among = np.flatnonzero(labels != 1)
    monkeypatch.setattr(blocks, "ROW_BLOCK", 512)
    for expected, got in zip(
        nearest_centroid(vectors, centroids, among=among),
        nearest_centroid(on_disk, centroids, among=among),
        strict=True,
    ):
        assert expected.tolist() == got.tolist()
    floor = _novelty_floor(vectors, labels, centroids)
    assert _novelty_floor(on_disk, labels, centroids).tolist() == floor.tolist()


def test_the_novelty_floor_is_the_percentile_of_each_topics_own_cosines(monkeypatch):
    vectors, labels, _ = _planted(1_000, k=4)
    labels[labels == 3] = -1  # unassigned documents count for no topic; topic 3 is empty
    centroids = unit_rows(topic_vectors_from_documents(vectors, labels, 4))
    cosine = unit_rows(vectors) @ centroids.T
    monkeypatch.setattr(blocks, "ROW_BLOCK", 64)
    floor = _novelty_floor(vectors, labels, centroids)
    for topic in range(3):
        expected = np.percentile(cosine[labels == topic, topic], NOVELTY_PERCENTILE)
        np.testing.assert_allclose(floor[topic], expected, rtol=1e-12)
    assert floor[3] == np.inf  # an empty topic fits nothing new


def test_placing_holds_no_copy_of_the_vectors(monkeypatch):
    vectors, labels, centroids = _planted(60_000)
    monkeypatch.setattr(blocks, "ROW_BLOCK", 4_096)
    tracemalloc.start()
    try:
        nearest_centroid(vectors, centroids)
        _novelty_floor(vectors, labels, centroids)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A float64 unit copy of the float32 vectors alone is twice their size; blocks of
    # ROW_BLOCK rows take a fraction of it.
    assert peak < vectors.nbytes / 2, f"{peak / 1e6:.0f} MB for {vectors.nbytes / 1e6:.0f} MB"
