"""Topic alignment: similarity matrices and one-to-one matching on planted topics."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.corpora import Dictionary
from scipy.spatial.distance import jensenshannon

from tests.planted import block_corpus
from topicflow.pipelines.evaluate.compare import (
    align,
    compare_topics,
    document_agreement,
    jaccard_matrix,
    js_similarity_matrix,
    topic_vectors_from_documents,
    topic_word_distributions,
)
from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.models.words import count_matrix

MEASURES = ("jaccard", "jensen_shannon", "embedding_cosine")


class Planted:
    """A block corpus, its vocabulary and counts, and per-document embeddings.

    A document of topic t is embedded in the plane of axes 2t and 2t + 1 (its
    topic's axis plus some noise on the second one), so documents of a topic differ
    while the centroids of different topics are exactly orthogonal.
    """

    def __init__(self, n_topics: int = 4, seed: int = 0) -> None:
        self.docs, truth, self.blocks = block_corpus(n_topics=n_topics, docs_per_topic=20)
        self.truth = np.array(truth)
        self.vocabulary = Dictionary(self.docs)
        self.counts = count_matrix(self.docs, self.vocabulary)
        rng = np.random.default_rng(seed)
        axes = np.eye(2 * n_topics)
        noise = 0.3 * rng.random((len(truth), 1))
        self.embeddings = axes[2 * self.truth] + noise * axes[2 * self.truth + 1]

    def topics(self, labels: np.ndarray, words: list[list[str]]) -> TopicSet:
        weights = [[1.0 / len(w)] * len(w) for w in words]
        return TopicSet(words=words, weights=weights, assignments=np.asarray(labels))

    def features(self, topics: TopicSet) -> tuple[np.ndarray, np.ndarray]:
        """Topic-word distributions and topic vectors of a hard partition."""
        labels, k = topics.assignments, topics.n_topics
        return (
            topic_word_distributions(self.counts, labels, k),
            topic_vectors_from_documents(self.embeddings, labels, k),
        )


def compare(planted: Planted, a: TopicSet, b: TopicSet, **kwargs) -> dict:
    a_dist, a_vec = planted.features(a)
    b_dist, b_vec = planted.features(b)
    return compare_topics(
        a,
        b,
        a_distributions=a_dist,
        b_distributions=b_dist,
        a_vectors=a_vec,
        b_vectors=b_vec,
        **kwargs,
    )


def permuted(topics: TopicSet, order: list[int]) -> TopicSet:
    """The same topics with new ids: old topic ``order[i]`` becomes topic i."""
    new_id = {old: new for new, old in enumerate(order)}
    labels = np.array([new_id.get(t, -1) for t in topics.assignments.tolist()])
    return TopicSet(
        words=[topics.words[old] for old in order],
        weights=[topics.weights[old] for old in order],
        assignments=labels,
    )


# --- alignment ---------------------------------------------------------------------------------


def test_a_model_compared_with_itself_aligns_perfectly():
    planted = Planted()
    lda = planted.topics(planted.truth, planted.blocks)
    result = compare(planted, lda, lda)
    assert result["primary"] == "jensen_shannon"
    tolerance = {"jaccard": 0.0, "jensen_shannon": 1e-9, "embedding_cosine": 1e-6}
    for measure in MEASURES:
        alignment = result[measure]["alignment"]
        assert sorted((m["a"], m["b"]) for m in alignment["matched"]) == [(i, i) for i in range(4)]
        for match in alignment["matched"]:
            assert match["similarity"] == pytest.approx(1.0, abs=tolerance[measure])
        assert alignment["a_only"] == [] and alignment["b_only"] == []
    assert result["jaccard"]["alignment"]["matched"][0]["similarity"] == 1.0  # exactly
    agreement = document_agreement(lda.assignments, lda.assignments)
    assert agreement["nmi"] == agreement["ami"] == agreement["ari"] == 1.0


def noisy_copy(planted: Planted, seed: int = 1) -> TopicSet:
    """The planted topics, seen imperfectly: some documents moved, some top words swapped."""
    rng = np.random.default_rng(seed)
    labels = planted.truth.copy()
    moved = rng.choice(len(labels), size=12, replace=False)
    labels[moved] = (labels[moved] + 1 + np.arange(12) % 3) % 4
    labels[:3] = -1
    words = [
        block[: 10 - t] + planted.blocks[(t + 1) % 4][:t] for t, block in enumerate(planted.blocks)
    ]
    return planted.topics(labels, words)


def test_permuting_topic_ids_changes_nothing():
    planted = Planted()
    lda = planted.topics(planted.truth, planted.blocks)
    emb = noisy_copy(planted)
    order = [2, 0, 3, 1]
    before = compare(planted, lda, emb)
    after = compare(planted, lda, permuted(emb, order))
    for measure in MEASURES:
        sims = [m["similarity"] for m in before[measure]["alignment"]["matched"]]
        sims_after = [m["similarity"] for m in after[measure]["alignment"]["matched"]]
        assert Counter(sims) == Counter(sims_after) and len(sims) == 4
        assert min(sims) < 1  # the noise is visible, so the test compares real numbers
        pairs = {(m["a"], order[m["b"]]) for m in after[measure]["alignment"]["matched"]}
        assert pairs == {(m["a"], m["b"]) for m in before[measure]["alignment"]["matched"]}
    agreement = document_agreement(lda.assignments, emb.assignments)
    agreement_after = document_agreement(lda.assignments, permuted(emb, order).assignments)
    assert agreement["nmi"] < 1 and agreement["ari"] < 1
    for key in agreement.keys() - {"contingency"}:
        assert agreement_after[key] == agreement[key], key


def test_disjoint_topics_have_no_matches():
    planted = Planted()
    first = planted.truth < 2  # topics 0, 1: documents, words and embedding axes of their own
    a = planted.topics(np.where(first, planted.truth, -1), planted.blocks[:2])
    b = planted.topics(np.where(first, -1, planted.truth - 2), planted.blocks[2:])
    result = compare(planted, a, b)
    for measure in MEASURES:
        np.testing.assert_allclose(result[measure]["matrix"], 0.0, atol=1e-12)
        alignment = result[measure]["alignment"]
        assert alignment["matched"] == []
        assert alignment["a_only"] == [0, 1] and alignment["b_only"] == [0, 1]


def test_align_uses_the_hungarian_algorithm_on_a_rectangular_matrix():
    similarity = np.array(
        [
            [0.9, 0.8, 0.0, 0.0, 0.0],
            [0.85, 0.1, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.2, 0.6],
        ]
    )
    result = align(similarity, threshold=0.3)
    # Greedy would take (0, 0) at 0.9 and leave topic 1 unmatched; the best total pairs across.
    assert [(m["a"], m["b"], m["similarity"]) for m in result["matched"]] == [
        (1, 0, 0.85),
        (0, 1, 0.8),
        (2, 4, 0.6),
    ]
    assert result["a_only"] == [] and result["b_only"] == [2, 3] and result["threshold"] == 0.3
    transposed = align(similarity.T, threshold=0.3)
    assert transposed["a_only"] == [2, 3] and transposed["b_only"] == []


def test_a_pair_below_the_threshold_never_decides_the_matching():
    # Raw totals prefer the diagonal (0.9 + 0.25) but 0.25 is no match: the cross pairs win.
    result = align(np.array([[0.9, 0.62], [0.5, 0.25]]), threshold=0.3)
    assert sorted((m["a"], m["b"]) for m in result["matched"]) == [(0, 1), (1, 0)]


@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (2, 0)])
def test_align_on_empty_inputs(shape):
    result = align(np.zeros(shape), threshold=0.3)
    assert result["matched"] == []
    assert result["a_only"] == list(range(shape[0])) and result["b_only"] == list(range(shape[1]))
    assert align([], 0.3)["matched"] == []


def test_compare_topics_with_no_topics_on_one_side():
    planted = Planted()
    lda = planted.topics(planted.truth, planted.blocks)
    empty = planted.topics(np.full(len(planted.truth), -1), [])
    result = compare(planted, lda, empty)
    for measure in MEASURES:
        assert result[measure]["matrix"] == [[], [], [], []]
        assert result[measure]["alignment"]["a_only"] == [0, 1, 2, 3]


def test_compare_topics_rejects_rows_that_do_not_fit_the_topics():
    planted = Planted()
    lda = planted.topics(planted.truth, planted.blocks)
    dist, vec = planted.features(lda)
    with pytest.raises(ValueError, match="b_vectors must have one row per topic"):
        compare_topics(
            lda, lda, a_distributions=dist, b_distributions=dist, a_vectors=vec, b_vectors=vec[:2]
        )
    with pytest.raises(ValueError, match="unknown measures"):
        compare(planted, lda, lda, thresholds={"cosine": 0.5})


def test_thresholds_are_per_measure_and_can_be_overridden():
    planted = Planted()
    lda = planted.topics(planted.truth, planted.blocks)
    result = compare(planted, lda, noisy_copy(planted), thresholds={"jaccard": 0.99})
    assert result["jaccard"]["alignment"]["threshold"] == 0.99
    assert len(result["jaccard"]["alignment"]["matched"]) == 1  # only the untouched topic 0
    assert (
        result["thresholds"]["jensen_shannon"] == result["jensen_shannon"]["alignment"]["threshold"]
    )


# --- similarity matrices -----------------------------------------------------------------------


def test_jaccard_matrix_by_hand():
    got = jaccard_matrix([["a", "b", "c"], ["x"]], [["b", "c", "d"], [], ["a", "z"]], topn=3)
    np.testing.assert_allclose(got, [[2 / 4, 0, 1 / 4], [0, 0, 0]])
    assert jaccard_matrix([["a", "b", "c"]], [["a", "b", "z"]], topn=2)[0, 0] == 1.0


def test_js_similarity_matches_scipy_and_its_bounds():
    a = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    b = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.3, 0.5]])
    got = js_similarity_matrix(a, b)
    for i, j in itertools.product(range(2), range(3)):
        assert got[i, j] == pytest.approx(1 - jensenshannon(a[i], b[j], base=2), abs=1e-12)
    divergence = (0.5 * math.log2(2 / 3) + 0.5 + math.log2(4 / 3)) / 2  # by hand, in bits
    assert got[0, 0] == pytest.approx(1 - math.sqrt(divergence), abs=1e-12)
    assert got[1, 0] == 1.0 and got[1, 1] == 0.0
    assert (got[2] == 0).all()  # an empty topic is similar to nothing
    with pytest.raises(ValueError, match="same vocabulary"):
        js_similarity_matrix(a, b[:, :2])


def test_topic_word_distributions_sum_the_counts_of_each_topics_documents():
    counts = sp.csr_matrix(np.array([[2, 0, 1], [0, 1, 1], [5, 5, 5], [1, 0, 0]]))
    got = topic_word_distributions(counts, np.array([0, 0, -1, 2]), 3)
    np.testing.assert_allclose(got, [[2 / 5, 1 / 5, 2 / 5], [0, 0, 0], [1, 0, 0]])
    smoothed = topic_word_distributions(counts, np.array([0, 0, -1, 2]), 3, smoothing=1.0)
    np.testing.assert_allclose(smoothed[1], [1 / 3] * 3)


def test_topic_vectors_are_unit_centroids_and_empty_topics_are_zero():
    embeddings = np.array([[3.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    got = topic_vectors_from_documents(embeddings, np.array([0, 0, -1]), 2)
    np.testing.assert_allclose(got, [[np.sqrt(0.5), np.sqrt(0.5)], [0.0, 0.0]])


@pytest.mark.parametrize("block", [3, 7, 16_384])
def test_member_sums_in_blocks_equal_the_sum_of_unit_vectors(monkeypatch, block):
    from topicflow.pipelines import blocks
    from topicflow.pipelines.models.embedding.topics import centroid_similarity
    from topicflow.pipelines.vectors.centroids import member_sums

    monkeypatch.setattr(blocks, "ROW_BLOCK", block)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 6)).astype(np.float32)
    vectors[5] = 0  # a zero vector adds nothing
    labels = rng.integers(-1, 4, size=40)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-30)
    expected = np.stack([unit[labels == t].sum(axis=0) for t in range(4)])
    np.testing.assert_allclose(member_sums(vectors, labels, 4), expected, atol=1e-6)
    rows = expected / np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(topic_vectors_from_documents(vectors, labels, 4), rows, atol=1e-6)
    similarity = centroid_similarity(vectors, labels)
    assigned = (labels >= 0) & (np.arange(40) != 5)
    np.testing.assert_allclose(
        similarity[assigned], np.einsum("ij,ij->i", unit, rows[labels])[assigned], atol=1e-6
    )
    assert np.isnan(similarity[labels < 0]).all()
