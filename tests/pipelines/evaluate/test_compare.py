"""Comparison metrics on planted data whose answers are known in advance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gensim.corpora import Dictionary

from tests.pipelines.evaluate.test_alignment import Planted, compare
from tests.planted import FRUIT_DOCS as DOCS
from tests.planted import block_corpus
from topicflow.pipelines.evaluate import coherence
from topicflow.pipelines.evaluate.coherence import Reference, word_cosine
from topicflow.pipelines.evaluate.compare import (
    align,
    document_agreement,
    gini,
    inverted_rbo,
    label_scores,
    model_quality,
    models_quality,
    rbo,
    summarize_runs,
    topic_recovery,
)
from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.report.glossary import METRICS

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


def test_two_models_scored_together_get_the_numbers_each_gets_alone():
    # One pass over the reference for both models' topics (as the compare stage does):
    # a topic's coherence must not depend on the topics scored beside it.
    docs, _, blocks = block_corpus(n_topics=3, docs_per_topic=15, seed=4)
    reference = Reference(docs, Dictionary(docs))
    lda = TopicSet(
        words=[blocks[0][:10], blocks[1][:10], blocks[2][:5] + blocks[0][:5]],
        weights=[[0.1] * 10] * 3,
        assignments=np.repeat([0, 1, 2], 15),
    )
    embedding = TopicSet(
        words=[blocks[2][2:12], blocks[0][1:11]],
        weights=[[0.1] * 10] * 2,
        assignments=np.repeat([1, -1, 0], 15),
    )
    together = models_quality({"lda": lda, "embedding": embedding}, reference)
    alone = {"lda": model_quality(lda, reference), "embedding": model_quality(embedding, reference)}
    assert together == alone


def test_npmi_carries_its_sampling_error_only_when_the_reference_is_a_sample(monkeypatch):
    docs, _, blocks = block_corpus(n_topics=3, docs_per_topic=200, doc_length=20, seed=4)
    topics = TopicSet(
        words=[blocks[0][:10], blocks[1][:6] + blocks[2][:4]],
        weights=[[0.1] * 10] * 2,
        assignments=np.repeat([0, 1, 1], 200),
    )
    vocabulary = Dictionary(docs)
    whole = model_quality(topics, coherence.bounded_reference(docs, vocabulary))
    assert whole["npmi_se"] is None
    monkeypatch.setattr(coherence, "REFERENCE_TOKENS", 4_000)  # 200 of 600 documents
    sample = coherence.bounded_reference(docs, vocabulary)
    sampled = model_quality(topics, sample)
    assert sample.facts()["sampled"] and sample.facts()["documents"] == 200
    assert 0 < sampled["npmi_se"] < 0.1
    assert abs(sampled["npmi"] - whole["npmi"]) < 4 * sampled["npmi_se"]


def test_word_cosine_is_measured_when_the_run_has_an_encoder():
    topics = TopicSet(
        words=[["apple", "banana", "cherry"], ["durian", "elder", "fig"]],
        weights=[[1 / 3] * 3, [1 / 3] * 3],
        assignments=np.array([0, 0, 0, 1, -1]),
    )
    reference = Reference(DOCS, Dictionary(DOCS))
    rng = np.random.default_rng(0)
    table = {w: rng.normal(size=4) for words in topics.words for w in words}

    def encoder(texts):
        return np.array([table[t] for t in texts])

    got = model_quality(topics, reference, encoder=encoder)
    expected = word_cosine(topics.words, encoder)
    np.testing.assert_allclose(got["word_cosine_per_topic"], expected, atol=1e-6)
    assert got["word_cosine"] == pytest.approx(np.mean(expected), abs=1e-6)
    assert "word_cosine" not in model_quality(topics, reference)  # no encoder, no number


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
    from tests.conftest import PROJECT_ROOT
    from topicflow.pipelines.report.glossary import METRICS

    readme = (PROJECT_ROOT / "README.md").read_text()
    missing = [name for name, line in METRICS.items() if f"| `{name}` | {line} |" not in readme]
    assert missing == []
