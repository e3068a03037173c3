"""Which topic of one model is which topic of another: similarity matrices, one-to-one matching.

Three views of "the same topic", each a matrix topics(a) x topics(b) where 1 means identical:

- ``jaccard``: overlap of the top-N word sets. What a reader sees, but blind to
  everything past the N-th word.
- ``jensen_shannon``: 1 - Jensen-Shannon distance (base 2) of the topic-word
  distributions over the shared vocabulary. Uses the whole distribution, so it is
  the measure the report leads with.
- ``embedding_cosine``: cosine of topic vectors in the embedding model's space
  (the centroid of each topic's documents). Sees meaning rather than shared words.

:func:`align` pairs topics one-to-one with the Hungarian algorithm; pairs below a
measure's threshold are not matches, and the topics left over are reported as
unique to one model, never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from scipy.special import rel_entr

from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.models.words import class_counts
from topicflow.pipelines.vectors.centroids import unit_rows

# Minimum similarity for a matched pair, per measure: their scales differ too much for one.
# Calibrated on BBC News (LDA with 5, 10, 20 and 40 topics against 25 embedding topics of
# all-MiniLM-L6-v2): pairs sharing under a fifth of the smaller topic's documents count as
# unrelated, Hungarian pairs sharing most of them as true matches. Each threshold sits
# above the unrelated pairs' 99th percentile and below nearly every true match.
DEFAULT_THRESHOLDS: dict[str, float] = {
    # At least 3 of 10 top words shared (3 / 17 = 0.18). Unrelated pairs shared at most 2
    # (0.11); LDA and c-TF-IDF rank words so differently that true matches often share 2-4.
    "jaccard": 0.15,
    # LDA's components_ against a partition's word counts. Unrelated pairs: 99th percentile
    # 0.30-0.37, maximum 0.34-0.40; true matches 0.40-0.82. (JS divergence <= 0.36 bits.)
    "jensen_shannon": 0.4,
    # Sentence-embedding centroids are never far apart. Unrelated pairs: 99th percentile
    # 0.48-0.69, maximum 0.78; true matches 0.81-1.0. Another embedding model needs its own.
    "embedding_cosine": 0.8,
}
MEASURES = tuple(DEFAULT_THRESHOLDS)
PRIMARY = "jensen_shannon"


def jaccard_matrix(
    a_words: Sequence[Sequence[str]], b_words: Sequence[Sequence[str]], topn: int = 10
) -> np.ndarray:
    """Jaccard index of each pair's top-``topn`` word sets (0 when both are empty)."""
    a_sets = [set(words[:topn]) for words in a_words]
    b_sets = [set(words[:topn]) for words in b_words]
    out = np.zeros((len(a_sets), len(b_sets)))
    for i, a in enumerate(a_sets):
        for j, b in enumerate(b_sets):
            union = len(a | b)
            out[i, j] = len(a & b) / union if union else 0.0
    return out


def topic_word_distributions(
    counts: sp.csr_matrix, labels: np.ndarray, n_topics: int, smoothing: float = 0.0
) -> np.ndarray:
    """p(word | topic) from a hard partition: the summed counts of each topic's documents.

    Embedding topics have no p(w|t) of their own; this gives them one on the shared
    vocabulary (``counts`` from :func:`topicflow.pipelines.models.words.count_matrix`, raw token
    counts) so they can be compared with LDA's. For LDA prefer the model's own
    ``components_`` (fitted on the same vocabulary, so its columns line up); use this
    for LDA only when just the dominant-topic assignments are at hand. Documents with
    label -1 are left out. ``smoothing`` is added to every count; with none, an empty
    topic's row is all zeros (and is similar to nothing).
    """
    per_topic = class_counts(counts, labels, n_topics) + smoothing
    return _rows_summing_to_one(per_topic)


def js_similarity_matrix(a_dist: np.ndarray, b_dist: np.ndarray) -> np.ndarray:
    """1 - Jensen-Shannon distance (base 2, so in [0, 1]) between rows of two distributions.

    Rows are topics over the same vocabulary columns; they are renormalised to sum to
    1. The distance is the square root of the JS divergence, a metric. Identical rows
    give 1, rows with disjoint support 0; an all-zero row (an empty topic) gives 0.
    """
    a, b = np.asarray(a_dist, dtype=np.float64), np.asarray(b_dist, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"distributions must be 2-D over the same vocabulary, got {a.shape} and {b.shape}"
        )
    a, b = _rows_summing_to_one(a), _rows_summing_to_one(b)
    out = np.zeros((len(a), len(b)))
    b_empty = b.sum(axis=1) == 0
    for i, p in enumerate(a):
        if p.sum() == 0:
            continue
        m = (p + b) / 2
        divergence = 0.5 * (rel_entr(p, m).sum(axis=1) + rel_entr(b, m).sum(axis=1)) / np.log(2)
        out[i] = 1 - np.sqrt(np.clip(divergence, 0.0, 1.0))
        out[i, b_empty] = 0.0
    return out


def embedding_similarity_matrix(a_vectors: np.ndarray, b_vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of topic vectors (a zero vector is similar to nothing: 0)."""
    a, b = unit_rows(a_vectors), unit_rows(b_vectors)
    return np.clip(a @ b.T, -1.0, 1.0)


def align(similarity: np.ndarray, threshold: float) -> dict:
    """One-to-one matching of a's topics (rows) to b's (columns) maximising total similarity.

    Hungarian algorithm over the similarities that reach ``threshold`` (the others
    count as 0, so a weak pair never displaces a strong one); pairs below it are not
    matches. Rectangular and empty matrices are fine: the surplus topics are left over.
    """
    sim = np.asarray(similarity, dtype=np.float64)
    if sim.size == 0 and sim.ndim != 2:
        sim = sim.reshape(0, 0)  # [] or an empty list of rows: no topics on either side
    if sim.ndim != 2:
        raise ValueError(f"similarity must be a 2-D matrix, got shape {sim.shape}")
    n_a, n_b = sim.shape
    valid = np.isfinite(sim) & (sim >= threshold)
    rows, cols = linear_sum_assignment(np.where(valid, sim, 0.0), maximize=True)
    pairs = [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if valid[i, j]]
    matched = sorted(
        ({"a": i, "b": j, "similarity": round(float(sim[i, j]), 6)} for i, j in pairs),
        key=lambda m: (-m["similarity"], m["a"]),
    )
    return {
        "matched": matched,
        "a_only": sorted(set(range(n_a)) - {i for i, _ in pairs}),
        "b_only": sorted(set(range(n_b)) - {j for _, j in pairs}),
        "threshold": threshold,
    }


def compare_topics(
    a: TopicSet,
    b: TopicSet,
    *,
    a_distributions: np.ndarray,
    b_distributions: np.ndarray,
    a_vectors: np.ndarray | None = None,
    b_vectors: np.ndarray | None = None,
    thresholds: Mapping[str, float] | None = None,
    topn: int = 10,
) -> dict:
    """Similarity matrices and alignments of two models' topics under all three measures.

    ``a`` and ``b`` are any two models' topics. Distributions are topics x shared
    vocabulary (:func:`topic_word_distributions`, or a model's own, e.g. LDA's
    ``components_``); vectors are topics x embedding dimensions
    (:func:`topic_vectors_from_documents`); without vectors the ``embedding_cosine``
    measure is left out.
    ``thresholds`` overrides :data:`DEFAULT_THRESHOLDS` per measure.
    """
    unknown = set(thresholds or {}) - set(MEASURES)
    if unknown:
        raise ValueError(f"unknown measures in thresholds: {sorted(unknown)}; use {MEASURES}")
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    _check_rows("a_distributions", a_distributions, a.n_topics)
    _check_rows("b_distributions", b_distributions, b.n_topics)
    matrices = {
        "jaccard": jaccard_matrix(a.words, b.words, topn),
        "jensen_shannon": js_similarity_matrix(a_distributions, b_distributions),
    }
    if a_vectors is not None and b_vectors is not None:
        _check_rows("a_vectors", a_vectors, a.n_topics)
        _check_rows("b_vectors", b_vectors, b.n_topics)
        matrices["embedding_cosine"] = embedding_similarity_matrix(a_vectors, b_vectors)
    result: dict = {"primary": PRIMARY, "thresholds": limits, "topn": topn}
    for name, matrix in matrices.items():
        result[name] = {
            "matrix": np.round(matrix, 6).tolist(),
            "alignment": align(matrix, limits[name]),
        }
    return result


def _check_rows(name: str, values: np.ndarray, n_topics: int) -> None:
    if np.ndim(values) != 2 or len(values) != n_topics:
        raise ValueError(
            f"{name} must have one row per topic ({n_topics}), got shape {np.shape(values)}"
        )


def _rows_summing_to_one(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its sum; all-zero rows stay zero."""
    sums = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, sums, out=np.zeros_like(matrix, dtype=np.float64), where=sums > 0)
