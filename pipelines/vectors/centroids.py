"""Unit vectors and topic centroids in the document vectors' space, shared by the models
(placing documents, naming topics, judging generic topics) and the comparison."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from topicflow.pipelines.blocks import vector_blocks


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to unit length; zero rows stay zero (empty inputs are fine)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def topic_vectors_from_documents(
    doc_embeddings: np.ndarray, labels: np.ndarray, n_topics: int
) -> np.ndarray:
    """Each topic's vector: the centroid of its documents (unit-length embeddings), unit length.

    The centroid of its documents needs no extra model calls and reflects what the
    topic contains, whichever model made the partition; an empty topic gets the zero
    vector. Documents with label -1 are left out.
    """
    return unit_rows(member_sums(doc_embeddings, labels, n_topics))


def member_sums(doc_embeddings: np.ndarray, labels: np.ndarray, n_topics: int) -> np.ndarray:
    """Each topic's sum of its documents' unit-length embeddings (float64, topics x dims),
    a block of documents at a time (no unit-length copy of every vector)."""
    vectors, labels = np.asarray(doc_embeddings), np.asarray(labels)
    sums = np.zeros((n_topics, vectors.shape[1] if vectors.ndim == 2 else 0))
    for rows, block in vector_blocks(vectors, np.flatnonzero(labels >= 0)):
        members = sp.csr_matrix(
            (np.ones(len(rows)), (labels[rows], np.arange(len(rows)))),
            shape=(n_topics, len(rows)),
        )
        sums += members @ unit_rows(block)
    return sums
