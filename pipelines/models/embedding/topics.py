"""The parts of the transformer branch after embedding: outliers and topic words
(the model, :mod:`.model`, puts them together with the clusters and the tree).

1. UMAP + HDBSCAN (:mod:`models.embedding.cluster`) give the leaf topics (HDBSCAN's
   ``leaf`` selection: the finest clusters of its condensed tree), renumbered
   largest first; the topic tree merges them (:mod:`models.tree`).
2. Outliers: HDBSCAN's noise documents are reassigned by ``strategy`` (``centroid``:
   the topic nearest in the space HDBSCAN clustered in, scored by the cosine to its
   mean embedding, see :func:`_nearest_where_clustered`; ``cosine``: the topic whose
   mean embedding is most similar, the default before; ``soft``: HDBSCAN soft-cluster
   membership; ``ctfidf``: cosine of the document's TF-IDF vector with each topic's
   c-TF-IDF row) when their score reaches ``threshold``; the rest stay
   unassigned (topic -1) and are counted, never hidden. Reassigned documents do not
   change the topic words, which describe the documents HDBSCAN placed itself.
3. Topic words over the shared tokens and vocabulary, optionally diversified by
   maximal marginal relevance (MMR) in the embedding model's space. By default a word
   counts once per document (``count_words: per_document``): a topic's words are
   then those that many of its documents share, not those one long document repeats,
   which is what co-occurrence coherence (NPMI) rewards and what readers expect.
   The default score (``word_score: pointwise_kl``) is the share of the topic's
   documents that use the word times the log of how much more often they use it than
   the documents of all topics do; c-TF-IDF (``ctfidf``, BM25 weighting and square-rooted
   counts by default, as BERTopic offers) ranks a word the few documents of a small
   topic happen to share above the words most of them use, because its idf grows
   without bound as a word gets rarer. With ``min_word_coverage`` set, words used by
   fewer than that share of the topic's documents rank after all the others (off by
   default: pointwise KL already weighs each word by that share, and a floor would
   put words every topic uses, which clear it, above the informative ones).
   The representation is a plain function of ``(counts, labels)``, so another one
   can be dropped in.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from topicflow.pipelines.blocks import vector_blocks
from topicflow.pipelines.io.disk_array import release
from topicflow.pipelines.models.topicset import UNASSIGNED
from topicflow.pipelines.models.tree import centroid_rows, centroid_view
from topicflow.pipelines.models.words import (
    class_counts,
    ctfidf_from_class_counts,
    pointwise_kl_from_class_counts,
)
from topicflow.pipelines.vectors.centroids import topic_vectors_from_documents, unit_rows

WordEmbedder = Callable[[list[str]], np.ndarray]


def largest_first(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 by decreasing size (ties by first appearance); -1 stays."""
    ids = [c for c in dict.fromkeys(labels.tolist()) if c != UNASSIGNED]
    sizes = {c: int(np.sum(labels == c)) for c in ids}
    order = sorted(ids, key=lambda c: -sizes[c])
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(c, UNASSIGNED) for c in labels.tolist()], dtype=np.int64)


def word_counts(counts: sp.csr_matrix, config) -> sp.csr_matrix:
    """The counts topic words are scored on: once per document by default (see above)."""
    if config.count_words != "per_document":
        return counts
    binary = counts.copy()
    binary.data[:] = 1
    return binary


def reassign_outliers(labels, embeddings, counts, clusterer, config) -> np.ndarray:
    """Give each unassigned document its best topic when the score reaches the threshold."""
    labels = labels.copy()
    outliers = np.flatnonzero(labels == UNASSIGNED)
    if not len(outliers):
        return labels
    k = int(labels.max()) + 1
    if k == 0:  # every document noise: no leaf to place any in
        return labels
    strategy = config.outliers.strategy
    if strategy == "centroid":
        best, score = _nearest_where_clustered(
            labels, embeddings, clusterer.reduced_, outliers, k, config.outliers.threshold
        )
    elif strategy == "cosine":
        rows = topic_vectors_from_documents(embeddings, labels, k)
        best, score = nearest_centroid(embeddings, rows, among=outliers)
    else:
        if strategy == "soft":
            scores = _soft_scores(clusterer, labels, outliers, k)
        else:
            scores = _ctfidf_scores(counts, labels, outliers, k, config)
        best = scores.argmax(axis=1)
        score = scores[np.arange(len(outliers)), best]
    keep = score >= config.outliers.threshold
    labels[outliers[keep]] = best[keep]
    return labels


def _nearest_where_clustered(labels, embeddings, clustered, outliers, k, threshold):
    """Each outlier's leaf and its cosine to that leaf's centroid in the embedding space.

    The leaf is the one whose centroid is nearest in the space HDBSCAN clustered in
    (``clustered``: UMAP's view of the documents), where the leaves were drawn, as long as
    that cosine reaches ``threshold``; otherwise the leaf most similar in the embedding
    space. One pass over the outliers' vectors, a block at a time (a million documents
    hold hundreds of thousands of outliers). Measured against placing every outlier by
    cosine alone: ``benchmarks/results/embedding_trees.md``."""
    rows = topic_vectors_from_documents(embeddings, labels, k)
    points = np.asarray(clustered, dtype=np.float64)
    centres = centroid_view(centroid_rows(points, labels, k))
    centre_norms = (centres**2).sum(axis=1)
    best, score = np.zeros(len(outliers), dtype=np.int64), np.zeros(len(outliers))
    at = 0
    # Two blocks x leaves arrays at a time: the cosines, and the squared distances without
    # each point's own norm (it does not change which centre is nearest).
    for block, members in vector_blocks(embeddings, outliers):
        similarity = unit_rows(members) @ rows.T
        farness = points[block] @ centres.T
        farness *= -2.0
        farness += centre_norms
        near = farness.argmin(axis=1)
        del farness
        each = np.arange(len(block))
        there = similarity[each, near]
        most = similarity.argmax(axis=1)
        found = slice(at, at + len(block))
        best[found] = np.where(there >= threshold, near, most)
        score[found] = np.where(there >= threshold, there, similarity[each, most])
        at += len(block)
    return best, score


def topic_words(scores, vocabulary, n, embeddings, labels, config, word_embedder):
    """Each topic's words, best first, and their c-TF-IDF weights (MMR-diversified if set)."""
    words, weights = [], []
    for topic, row in enumerate(scores):
        order = [i for i in np.argsort(-row, kind="stable") if row[i] > 0]
        if config.mmr_diversity > 0 and word_embedder is not None and len(order) > n:
            candidates = order[: config.mmr_candidates]
            center = normalize(embeddings[labels == topic].mean(axis=0, keepdims=True))[0]
            release(embeddings)  # its pages, when on disk: the topics together read them all
            vectors = normalize(word_embedder([vocabulary[i] for i in candidates]))
            picked = _mmr(vectors, center, n, config.mmr_diversity)
            order = [candidates[i] for i in picked]
        chosen = order[:n]
        words.append([vocabulary[i] for i in chosen])
        weights.append([float(row[i]) for i in chosen])
    return words, weights


def _mmr(vectors: np.ndarray, center: np.ndarray, n: int, diversity: float) -> list[int]:
    """Maximal marginal relevance: relevant to the topic, unlike the words already picked."""
    relevance = vectors @ center
    picked = [int(relevance.argmax())]
    while len(picked) < min(n, len(vectors)):
        redundancy = (vectors @ vectors[picked].T).max(axis=1)
        score = (1 - diversity) * relevance - diversity * redundancy
        score[picked] = -np.inf
        picked.append(int(score.argmax()))
    return picked


def word_scores(counts, labels, k, config) -> np.ndarray:
    """Topics x vocabulary scores the topic words are ranked by (``config.word_score``)."""
    if config.word_score == "ctfidf":
        return _ctfidf(counts, labels, k, config)
    per_class = class_counts(counts, labels, k)
    sizes = np.bincount(labels[labels >= 0], minlength=k)[:, None]
    per_document = config.count_words == "per_document"
    units = sizes if per_document else per_class.sum(axis=1, keepdims=True)
    scores = pointwise_kl_from_class_counts(per_class, units)
    return _coverage_first(scores, per_class, sizes, config)


def _ctfidf(counts, labels, k, config) -> np.ndarray:
    per_class = class_counts(counts, labels, k)
    sizes = np.bincount(labels[labels >= 0], minlength=k)[:, None]
    scores = ctfidf_from_class_counts(
        per_class, bm25=config.bm25, reduce_frequent=config.reduce_frequent_words
    )
    return _coverage_first(scores, per_class, sizes, config)


def _coverage_first(scores, per_class, sizes, config) -> np.ndarray:
    """Words too few of the topic's documents use rank after those enough of them use:
    a rare word from two documents says little about a topic of fifty."""
    if config.min_word_coverage > 0 and config.count_words == "per_document":
        coverage = per_class / np.maximum(sizes, 1)
        scores = np.where(coverage >= config.min_word_coverage, scores, scores * 1e-3)
    return scores


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1 + counts.shape[0]) / (1 + df)) + 1


def centroid_similarity(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cosine similarity of each document to its topic's centroid (NaN when unassigned)."""
    k = int(labels.max()) + 1
    out = np.full(len(labels), np.nan)
    if k:
        rows = topic_vectors_from_documents(embeddings, labels, k)
        # A block of documents at a time: one row per document of their centroids, and
        # a unit-length copy of the vectors, are each as large as the corpus's vectors.
        for block, vectors in vector_blocks(embeddings, np.flatnonzero(labels >= 0)):
            out[block] = np.einsum("ij,ij->i", normalize(vectors), rows[labels[block]])
    return out


def nearest_centroid(
    vectors: np.ndarray, rows: np.ndarray, among: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each vector's (each of the vectors numbered ``among``'s) most similar of the
    unit-length ``rows`` and that cosine (float64), a block of vectors at a time: the
    full similarity matrix of 100,000 outliers and 600 leaves is half a gigabyte, a unit
    copy of a million vectors 3 GB, and a copy of the outliers' vectors at a million
    documents (three quarters of them noise to HDBSCAN) 1.1 GB."""
    among = np.arange(len(vectors)) if among is None else among
    best, score = np.zeros(len(among), dtype=np.int64), np.zeros(len(among))
    at = 0
    for block, members in vector_blocks(vectors, among):
        similarity = unit_rows(members) @ rows.T
        found = slice(at, at + len(block))
        best[found] = similarity.argmax(axis=1)
        score[found] = similarity[np.arange(len(block)), best[found]]
        at += len(block)
    return best, score


def _soft_scores(clusterer, labels: np.ndarray, outliers: np.ndarray, k: int) -> np.ndarray:
    """The outliers' HDBSCAN soft-cluster memberships, columns in our topic numbering."""
    raw = clusterer.soft_membership()[outliers]
    scores = np.zeros((len(outliers), k))
    for old in range(raw.shape[1]):
        new = _renumbered(clusterer.labels_, labels, old)
        if new is not None:
            scores[:, new] = raw[:, old]
    return scores


def _ctfidf_scores(counts, labels: np.ndarray, outliers: np.ndarray, k: int, config) -> np.ndarray:
    """Cosine of each outlier's TF-IDF vector with each topic's c-TF-IDF row."""
    topic_rows = normalize(_ctfidf(counts, labels, k, config))
    docs = counts[outliers].multiply(_idf(counts)).tocsr()
    return np.asarray(normalize(docs) @ topic_rows.T)


def _renumbered(original: np.ndarray, renumbered: np.ndarray, old: int) -> int | None:
    hits = renumbered[original == old]
    hits = hits[hits >= 0]
    return int(hits[0]) if len(hits) else None
