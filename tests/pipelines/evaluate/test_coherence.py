"""Coherence and diversity on the shared reference, cross-checked by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
from gensim.corpora import Dictionary

from tests.planted import FRUIT_DOCS as DOCS
from topicflow.pipelines.evaluate.coherence import Reference, topic_diversity


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


def test_topic_with_fewer_than_two_words_scores_nan():
    reference = Reference(DOCS, Dictionary(DOCS))
    got = reference.npmi([["apple"], ["apple", "banana"]])
    assert np.isnan(got[0]) and np.isfinite(got[1])


def test_topic_diversity():
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert topic_diversity([["a", "b"], ["a", "b"]]) == 0.5
    assert topic_diversity([["a", "b", "c"], ["a", "x", "y"]], topn=2) == 0.75
