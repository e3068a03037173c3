"""Comparison metrics on planted data whose answers are known in advance."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.corpora import Dictionary
from scipy.spatial.distance import jensenshannon

from pipelines.coherence import Reference
from pipelines.compare import (
    align,
    compare_topics,
    document_agreement,
    gini,
    inverted_rbo,
    jaccard_matrix,
    js_similarity_matrix,
    label_scores,
    model_quality,
    rbo,
    summarize_runs,
    topic_recovery,
    topic_vectors_from_documents,
    topic_word_distributions,
)
from pipelines.glossary import METRICS
from pipelines.represent import count_matrix
from pipelines.topics import TopicSet
from tests.planted import block_corpus

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


# --- agreement between the models ---------------------------------------------------------------


def test_document_agreement_scores_shared_documents_and_reports_unassigned():
    a = np.array([0, 0, 1, 1, -1, 2])
    b = np.array([1, 1, 0, 0, 0, -1])
    got = document_agreement(a, b)
    assert got["documents_compared"] == 4 and got["documents"] == 6
    assert got["nmi"] == got["ami"] == got["ari"] == 1.0  # same grouping on the four shared
    assert got["nmi_with_unassigned"] < 1 and got["ari_with_unassigned"] < 1
    assert got["contingency"] == {
        "rows": [-1, 0, 1, 2],
        "columns": [-1, 0, 1],
        "counts": [[0, 1, 0], [0, 0, 2], [0, 2, 0], [1, 0, 0]],
    }
    with pytest.raises(ValueError, match="differ in length"):
        document_agreement(a, b[:3])


def test_document_agreement_with_nothing_in_common_is_nan():
    got = document_agreement(np.array([-1, 0]), np.array([1, -1]))
    assert got["documents_compared"] == 0 and math.isnan(got["nmi"])


# --- gold labels --------------------------------------------------------------------------------


def test_labels_identical_to_assignments_score_one():
    labels = [0, 0, 1, 1, 2, 2]
    got = label_scores(np.array(labels), [f"class{x}" for x in labels])
    for key in ("purity", "nmi", "ami", "ari", "homogeneity", "completeness"):
        assert got[key] == 1.0, key


def test_purity_and_the_table_by_hand():
    got = label_scores(np.array([0, 0, 1, 1, 1]), ["x", "x", "x", "y", "y"])
    assert got["purity"] == pytest.approx(4 / 5)
    assert got["homogeneity"] < 1 and got["completeness"] < 1
    assert got["contingency"] == {"rows": ["x", "y"], "columns": [0, 1], "counts": [[2, 1], [0, 2]]}


def test_documents_without_a_gold_label_are_left_out():
    got = label_scores(np.array([0, 0, 1, 1, 0]), ["x", "x", "y", "y", None])
    assert got["documents_scored"] == 4 and got["documents_unlabelled"] == 1
    assert got["purity"] == 1.0 and got["nmi"] == 1.0


def test_unassigned_documents_are_a_group_of_their_own_and_earn_nothing():
    gold = ["x", "x", "x", "y", "y", "y", "z", "z", "z"]
    perfect = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    hidden = perfect.copy()
    hidden[[0, 3, 6]] = -1  # one document of each class set aside as an outlier
    scored = label_scores(hidden, gold)
    assert scored["contingency"]["columns"] == [-1, 0, 1, 2]
    assert scored["purity"] == pytest.approx(7 / 9)
    # Leaving the outliers out would have kept a perfect score; counting them lowers it.
    kept = hidden >= 0
    assert label_scores(hidden[kept], [g for g, k in zip(gold, kept, strict=True) if k])["nmi"] == 1
    assert scored["nmi"] < 1 and scored["purity"] < 1 and scored["completeness"] < 1


# --- quality of one model -----------------------------------------------------------------------

DOCS = [
    ["apple", "banana", "cherry"],
    ["apple", "banana"],
    ["apple", "cherry", "durian"],
    ["durian", "elder"],
    ["banana", "elder", "fig"],
]


def umass_by_hand(words: list[str], docs: list[list[str]]) -> float:
    """Mean over ordered pairs of log((D(w, earlier) / N + eps) / (D(earlier) / N))."""
    sets, n = [set(d) for d in docs], len(docs)

    def count(*ws):
        return sum(all(w in s for w in ws) for s in sets)

    scores = [
        math.log((count(later, earlier) / n + 1e-12) / (count(earlier) / n))
        for i, later in enumerate(words)
        for earlier in words[:i]
    ]
    return float(np.mean(scores))


def test_model_quality_with_finite_c_v_and_umass():
    topics = TopicSet(
        words=[["apple", "banana", "cherry"], ["durian", "elder", "fig"]],
        weights=[[1 / 3] * 3, [1 / 3] * 3],
        assignments=np.array([0, 0, 0, 1, -1]),
        extra={"n_topics_chosen_by": "config"},
    )
    reference = Reference(DOCS, Dictionary(DOCS))
    got = model_quality(topics, reference)
    assert got["n_topics"] == 2 and got["unassigned_share"] == 0.2
    assert got["npmi"] == pytest.approx(np.mean(got["npmi_per_topic"]), abs=1e-6)
    assert got["n_topics_chosen_by"] == "config"  # the model's own facts come along
    new = {"c_v", "c_v_per_topic", "u_mass", "u_mass_per_topic", "irbo", "size_gini"}
    assert new | {"size_min", "size_median", "size_max"} <= set(got)
    for key in ("c_v", "u_mass", "npmi"):
        assert all(np.isfinite(got[f"{key}_per_topic"])), key
    expected = [umass_by_hand(words, DOCS) for words in topics.words]
    np.testing.assert_allclose(got["u_mass_per_topic"], expected, atol=1e-6)
    assert got["sizes"] == [3, 1] and (got["size_min"], got["size_max"]) == (1, 3)
    assert got["size_gini"] == pytest.approx(0.25)
    assert got["irbo"] == 1.0  # no shared word


def test_model_quality_of_a_model_without_topics():
    topics = TopicSet(words=[], weights=[], assignments=np.full(5, -1))
    got = model_quality(topics, Reference(DOCS, Dictionary(DOCS)))
    assert got["n_topics"] == 0 and got["sizes"] == [] and got["unassigned_share"] == 1.0
    assert math.isnan(got["npmi"]) and math.isnan(got["irbo"]) and got["size_max"] is None


def test_gini():
    assert gini([5, 5, 5]) == 0.0
    assert gini([0, 0, 3]) == pytest.approx(2 / 3)
    assert math.isnan(gini([]))


def test_irbo_identical_and_disjoint_topics():
    words = [f"w{i}" for i in range(10)]
    assert inverted_rbo([words, list(words), list(words)]) == pytest.approx(0.0, abs=1e-12)
    disjoint = [[f"t{t}w{i}" for i in range(10)] for t in range(3)]
    assert inverted_rbo(disjoint) == 1.0
    assert math.isnan(inverted_rbo([words]))


def test_rbo_weights_the_top_of_the_list():
    assert rbo(["a", "b"], ["b", "a"]) == pytest.approx(0.9)  # by hand: 0.1/0.9 * 0.81 + 0.81
    assert rbo(["a", "b"], ["a", "b", "c"]) == pytest.approx(1.0)  # a prefix agrees throughout
    assert rbo(["a", "b", "x"], ["a", "b", "y"]) > rbo(["x", "a", "b"], ["y", "a", "b"])
    assert rbo([], ["a"]) == 0.0


# --- stability ----------------------------------------------------------------------------------


def test_topic_recovery_of_identical_and_altered_runs():
    _, _, blocks = block_corpus(n_topics=3)
    reference = [block[:10] for block in blocks]
    same = topic_recovery(reference, [list(reference)] * 3)
    assert same["per_topic"] == [1.0, 1.0, 1.0] and same["mean"] == 1.0
    altered = [reference[2], reference[0], [f"other{i}" for i in range(10)]]  # also reordered
    got = topic_recovery(reference, [list(reference), altered, list(reference)])
    assert got["per_topic"] == pytest.approx([1.0, 2 / 3, 1.0], abs=1e-6)
    assert got["runs"] == 3 and got["threshold"] == 0.5
    assert math.isnan(topic_recovery(reference, [])["mean"])


def test_summarize_runs():
    runs = [{"lda": {"npmi": 0.1}, "ari": 0.5}, {"lda": {"npmi": 0.3}, "ari": float("nan")}]
    got = summarize_runs(runs, ["lda.npmi", "ari", "missing"])
    std = pytest.approx(np.std([0.1, 0.3], ddof=1), abs=1e-6)
    assert got["lda.npmi"] == {"mean": 0.2, "std": std, "n": 2}
    assert got["ari"]["mean"] == 0.5 and got["ari"]["n"] == 1 and math.isnan(got["ari"]["std"])
    assert got["missing"]["n"] == 0


# --- glossary -----------------------------------------------------------------------------------


def test_every_metric_produced_has_a_glossary_line():
    planted = Planted()
    topics = planted.topics(planted.truth, planted.blocks)
    reference = Reference(planted.docs, planted.vocabulary)
    produced = {k.removesuffix("_per_topic") for k in model_quality(topics, reference)}
    produced |= set(compare(planted, topics, topics)) - {"primary", "thresholds", "topn"}
    produced |= {"hungarian_matching", *align(np.eye(1), 0.5)} - {"threshold"}
    agreement = document_agreement(topics.assignments, topics.assignments)
    produced |= {k.split("_with_")[0] for k in agreement} | {"with_unassigned"}
    produced |= set(label_scores(topics.assignments, ["x"] * len(planted.truth)))
    produced |= {"topic_recovery"}
    not_metrics = {"topn", "documents", "documents_unlabelled", "contingency"}
    assert sorted(produced - not_metrics - set(METRICS)) == []
    assert all(line and "\n" not in line for line in METRICS.values())


def test_every_metric_is_defined_in_the_readme_glossary():
    from pipelines.glossary import METRICS
    from tests.conftest import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    missing = [name for name, line in METRICS.items() if f"| `{name}` | {line} |" not in readme]
    assert missing == []
