"""Topic-word scores: pointwise KL divergence against c-TF-IDF, by hand."""

from __future__ import annotations

import math

import numpy as np

from topicflow.pipelines.models.words import (
    ctfidf_from_class_counts,
    pointwise_kl_from_class_counts,
)

# Two topics of 50 documents each; documents per topic using each word (a word counts
# once per document). "common": 40 of topic 0's documents and 10 of topic 1's; "rare":
# 11 of topic 0's and none of topic 1's; "filler": every document; "absent": none of
# topic 0's, 5 of topic 1's.
WORDS = ["common", "rare", "filler", "absent"]
PER_CLASS = np.array([[40.0, 11.0, 50.0, 0.0], [10.0, 0.0, 50.0, 5.0]])
SIZES = np.array([50, 50])


def test_pointwise_kl_by_hand():
    scores = pointwise_kl_from_class_counts(PER_CLASS, SIZES)
    # p(w|t) * log(p(w|t) / p(w)), shares of documents.
    assert math.isclose(scores[0, 0], 0.8 * math.log(0.8 / 0.5), rel_tol=1e-6)
    assert math.isclose(scores[0, 1], 0.22 * math.log(0.22 / 0.11), rel_tol=1e-6)
    assert math.isclose(scores[1, 3], 0.1 * math.log(0.1 / 0.05), rel_tol=1e-6)
    # A word the topic does not use scores nothing; one it uses no more than the corpus
    # does (filler; common in topic 1) keeps only a tiny score, below every informative word.
    assert scores[0, 3] == 0
    assert 0 < scores[0, 2] < 1e-6 and 0 < scores[1, 0] < 1e-6
    assert scores[1, 3] > scores[1, 2] > scores[1, 0]


def test_pointwise_kl_prefers_the_word_most_of_the_topic_shares():
    # "rare" is exclusive to topic 0 but only 11 of its 50 documents use it; "common" is
    # used by 40 of them. c-TF-IDF's idf grows without bound as a word gets rarer and
    # ranks "rare" first; pointwise KL weighs how many of the topic's documents use it.
    kl = pointwise_kl_from_class_counts(PER_CLASS, SIZES)[0]
    ctfidf = ctfidf_from_class_counts(PER_CLASS, bm25=True, reduce_frequent=True)[0]
    assert [WORDS[i] for i in np.argsort(-kl)[:2]] == ["common", "rare"]
    assert [WORDS[i] for i in np.argsort(-ctfidf)[:2]] == ["rare", "common"]


def test_a_single_topic_still_has_words_ranked_by_frequency():
    # One topic holding every document: no word is more frequent there than in the corpus.
    per_class = np.array([[3.0, 9.0, 1.0, 0.0]])
    scores = pointwise_kl_from_class_counts(per_class, np.array([10]))[0]
    assert np.argsort(-scores)[:3].tolist() == [1, 0, 2]
    assert scores[3] == 0 and (scores[:3] > 0).all()


def test_per_token_shares_use_the_token_totals():
    per_class = np.array([[6.0, 2.0], [2.0, 6.0]])
    scores = pointwise_kl_from_class_counts(per_class, per_class.sum(axis=1))
    assert math.isclose(scores[0, 0], 0.75 * math.log(0.75 / 0.5), rel_tol=1e-6)
