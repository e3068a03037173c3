"""Corpus-sized computations a block of rows (documents) at a time.

A documents x something product held whole grows with the corpus: a float64 unit copy
of a million 384-d vectors is 3 GB, a documents x 50 topics matrix 400 MB, and numpy
makes several such temporaries per line. A block of :data:`ROW_BLOCK` rows bounds each
one (16,384 vectors are 25 MB in float64) and costs nothing in speed.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from topicflow.pipelines.io.disk_array import release

ROW_BLOCK = 16_384


def row_blocks(rows: np.ndarray) -> list[np.ndarray]:
    """``rows`` (indices) in consecutive blocks of :data:`ROW_BLOCK`."""
    return [rows[start : start + ROW_BLOCK] for start in range(0, len(rows), ROW_BLOCK)]


def vector_blocks(vectors: np.ndarray, rows: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Each block of ``rows`` with those rows of ``vectors`` (a copy). Vectors in a file
    (:mod:`topicflow.pipelines.io.disk_array`) have their pages let go of after each
    block, so a pass over a million of them holds one block, not all it has read."""
    for block in row_blocks(rows):
        yield block, vectors[block]
        release(vectors)
