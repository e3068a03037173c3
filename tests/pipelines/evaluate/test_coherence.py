"""Coherence and diversity on the shared reference, cross-checked by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from gensim.corpora import Dictionary

from tests.planted import FRUIT_DOCS as DOCS
from topicflow.pipelines.evaluate import coherence, windows
from topicflow.pipelines.evaluate.coherence import (
    Reference,
    bounded_reference,
    jackknife_error,
    topic_diversity,
)


def npmi_by_hand(words: list[str], docs: list[list[str]]) -> float:
    """NPMI with each (short) document as one window, as gensim's c_npmi does."""
    n = len(docs)
    sets = [set(d) for d in docs]

    def p(*ws):
        return sum(all(w in s for w in ws) for s in sets) / n

    eps = 1e-12
    scores = []
    for a, b in itertools.combinations(words, 2):
        joint = p(a, b)
        scores.append(math.log((joint + eps) / (p(a) * p(b))) / -math.log(joint + eps))
    return float(np.mean(scores))


def test_npmi_matches_a_hand_computation():
    reference = Reference(DOCS, Dictionary(DOCS))
    topics = [["apple", "banana", "cherry"], ["durian", "elder", "fig"], ["apple", "elder"]]
    got = reference.npmi(topics)
    expected = [npmi_by_hand(t, DOCS) for t in topics]
    np.testing.assert_allclose(got, expected, atol=1e-9)
    assert got[2] < -0.9  # never together: near the floor of -1


def test_unseen_pairs_are_the_share_of_word_pairs_no_document_holds_together():
    reference = Reference(DOCS, Dictionary(DOCS))
    # apple-banana, apple-durian and banana-fig share a document; apple-fig,
    # banana-durian and durian-fig do not.
    topics = [["apple", "banana", "durian", "fig"], ["apple", "banana"], ["apple"]]
    npmi, unseen = reference.npmi_and_unseen(topics)
    assert unseen[:2] == [0.5, 0.0] and np.isnan(unseen[2])
    np.testing.assert_allclose(npmi, reference.npmi(topics), equal_nan=True)


def test_word_cosine_is_the_mean_cosine_of_every_pair_of_a_topics_word_vectors():
    planted = {"cat": [1.0, 0.0], "dog": [2.0, 0.0], "car": [0.0, 3.0], "new york": [1.0, 1.0]}
    asked = []

    def encoder(texts):
        asked.append(list(texts))
        return np.array([planted[t] for t in texts])

    got = coherence.word_cosine([["cat", "dog", "car"], ["cat", "new_york"], ["dog"]], encoder)
    np.testing.assert_allclose(got[:2], [(1 + 0 + 0) / 3, math.sqrt(0.5)])
    assert np.isnan(got[2])
    # Each distinct word embedded once, a phrase token as its words.
    assert len(asked) == 1 and sorted(asked[0]) == ["car", "cat", "dog", "new york"]


def test_word_vectors_between_two_word_lists_is_the_mean_cosine_over_the_cross_pairs():
    planted = {"cat": [1.0, 0.0], "dog": [2.0, 0.0], "car": [0.0, 3.0], "bus": [1.0, 1.0]}
    vectors = coherence.WordVectors(planted, lambda texts: np.array([planted[t] for t in texts]))
    # cat-car 0, cat-bus 1/sqrt(2), dog-car 0, dog-bus 1/sqrt(2).
    assert vectors.between(["cat", "dog"], ["car", "bus"]) == pytest.approx(math.sqrt(0.5) / 2)
    assert vectors.between(["cat"], ["dog"]) == pytest.approx(1.0)
    assert np.isnan(vectors.between([], ["dog"]))
    assert vectors.cosine(["cat", "dog", "car"]) == pytest.approx(1 / 3)


def test_topic_with_fewer_than_two_words_scores_nan():
    reference = Reference(DOCS, Dictionary(DOCS))
    got = reference.npmi([["apple"], ["apple", "banana"]])
    assert np.isnan(got[0]) and np.isfinite(got[1])


def test_topic_diversity():
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert topic_diversity([["a", "b"], ["a", "b"]]) == 0.5
    assert topic_diversity([["a", "b", "c"], ["a", "x", "y"]], topn=2) == 0.75


def _noisy_blocks(n_docs: int = 2_000, seed: int = 5) -> tuple[list[list[str]], list[list[str]]]:
    """Documents of 12 words, each word from the document's theme with probability 0.6,
    else from anywhere: topics whose NPMI is positive but far from 1."""
    rng = np.random.default_rng(seed)
    themes = [[f"t{t}w{w}" for w in range(10)] for t in range(4)]
    every = [w for theme in themes for w in theme]
    docs = []
    for d in range(n_docs):
        own = themes[d % 4]
        docs.append([str(rng.choice(own if rng.random() < 0.6 else every)) for _ in range(12)])
    return docs, themes


def test_a_corpus_within_the_cap_is_its_own_reference():
    reference = bounded_reference(DOCS, Dictionary(DOCS))
    assert reference.tokens is DOCS and not reference.sampled
    assert reference.facts()["documents"] == reference.facts()["corpus_documents"] == len(DOCS)


def test_a_larger_corpus_is_measured_on_a_seeded_sample_of_whole_documents(monkeypatch):
    docs, _ = _noisy_blocks()
    monkeypatch.setattr(coherence, "REFERENCE_TOKENS", 6_000)  # of 24,000
    first = bounded_reference(docs, Dictionary(docs))
    again = bounded_reference(docs, Dictionary(docs))
    assert first.sampled and first.tokens == again.tokens  # the same sample every time
    assert 5_988 < sum(map(len, first.tokens)) <= 6_000  # whole documents of 12 tokens
    assert all(any(doc is d for d in docs) for doc in first.tokens[:20])
    facts = first.facts()
    assert (facts["documents"], facts["corpus_documents"], facts["sampled"]) == (500, 2_000, True)


def test_each_replicate_is_the_npmi_without_one_group_of_documents(monkeypatch):
    docs, themes = _noisy_blocks(400)
    monkeypatch.setattr(windows, "BLOCK_TOKENS", 120)  # 40 blocks of 10 documents
    vocabulary = Dictionary(docs)
    reference = Reference(docs, vocabulary)
    values, replicates = reference.npmi_replicates(themes)
    assert values == reference.npmi(themes)
    assert len(replicates) == coherence.JACKKNIFE_GROUPS
    for group, replicate in enumerate(replicates):
        kept = [doc for d, doc in enumerate(docs) if d % coherence.JACKKNIFE_GROUPS != group]
        np.testing.assert_allclose(replicate, Reference(kept, vocabulary).npmi(themes), rtol=1e-12)


def test_the_jackknife_error_of_a_mean_is_its_textbook_standard_error():
    x = np.array([0.3, 0.1, 0.25, 0.4, 0.05, 0.2, 0.15])
    left_out = [np.delete(x, i).mean() for i in range(len(x))]
    assert jackknife_error(left_out) == pytest.approx(x.std(ddof=1) / np.sqrt(len(x)))
    assert math.isnan(jackknife_error([0.1]))


def test_the_sample_npmi_is_within_its_stated_error_of_the_corpus_npmi(monkeypatch):
    docs, themes = _noisy_blocks(4_000)
    vocabulary = Dictionary(docs)
    full = float(np.mean(Reference(docs, vocabulary).npmi(themes)))
    monkeypatch.setattr(coherence, "REFERENCE_TOKENS", 6_000)  # 500 of 4,000 documents
    sample = bounded_reference(docs, vocabulary)
    values, replicates = sample.npmi_replicates(themes)
    error = jackknife_error([float(np.mean(r)) for r in replicates])
    assert 0 < error < 0.05
    assert abs(float(np.mean(values)) - full) < 3 * error


def test_a_word_the_sample_lacks_is_left_out_of_its_topic():
    docs = [["a", "b", "c"], ["a", "b"], ["b", "c", "d"], ["rare", "a"]]
    vocabulary = Dictionary(docs)
    sample = Reference(docs[:3], vocabulary, corpus_documents=4)  # "rare" is not in it
    got = sample.npmi([["a", "rare", "b", "c"]])
    assert np.isfinite(got[0]) and got == sample.npmi([["a", "b", "c"]])
    values, replicates = sample.npmi_replicates([["a", "rare", "b"]])
    assert np.isfinite(values[0]) and all(np.isfinite(r[0]) or np.isnan(r[0]) for r in replicates)
    assert not any(np.isinf(r[0]) for r in replicates)
