"""Generic topics: topics whose documents sit nearer other topics' documents in the
embedding space (known answers on blob vectors), and how the mixture families keep
them out of the topics."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.corpora import Dictionary
from sklearn.metrics import adjusted_rand_score

from topicflow.pipelines.models import generic
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.generic import GENERIC_OWN, generic_topics, own_centroid_share
from topicflow.pipelines.models.mixture import MixtureTopicModel
from topicflow.pipelines.models.mixture_weights import Mixture, topic_kinds
from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.topicset import UNASSIGNED


def _blobs(themes: np.ndarray, seed: int = 0, dims: int = 16) -> np.ndarray:
    """One tight blob of vectors per theme, in directions far apart."""
    rng = np.random.default_rng(seed)
    centres = np.eye(dims)[: themes.max() + 1] * 3
    return centres[themes] + rng.normal(scale=0.3, size=(len(themes), dims))


def test_a_topic_whose_documents_are_about_every_theme_is_generic():
    themes = np.arange(400) % 4
    vectors = _blobs(themes)
    topics = themes.copy()
    topics[::5] = 4  # a fifth of the documents, of every theme: "well, yes, quite"
    own = own_centroid_share(vectors, topics, 5)
    assert own[:4].min() > 0.95 and own[4] < 0.05
    assert generic_topics(vectors, topics, 5).tolist() == [False] * 4 + [True]


def test_overlapping_themes_are_not_generic():
    """Two topics that split one blob between them (sub-themes) keep about half their
    documents each: above the threshold, so they stay topics."""
    themes = np.arange(400) % 4
    vectors = _blobs(themes)
    topics = themes.copy()
    topics[(themes == 3) & (np.arange(400) % 8 == 7)] = 4  # half of blob 3
    own = own_centroid_share(vectors, topics, 5)
    assert own[3] > GENERIC_OWN and own[4] > GENERIC_OWN
    assert not generic_topics(vectors, topics, 5).any()


def test_unassigned_and_empty_topics_are_left_alone():
    themes = np.arange(200) % 4
    vectors = _blobs(themes)
    topics = themes.copy()
    topics[:10] = UNASSIGNED
    own = own_centroid_share(vectors, topics, 5)
    assert np.isnan(own[4]) and own[:4].min() > 0.95
    assert not generic_topics(vectors, topics, 5).any()


def test_no_vectors_or_too_few_topics_find_nothing():
    themes = np.arange(200) % 2
    assert not generic_topics(None, themes, 2).any()
    assert not generic_topics(_blobs(themes), themes, 2).any()


def test_two_topics_always_stay(monkeypatch):
    """With a threshold every topic is under, the two whose documents are most their
    own stay topics."""
    monkeypatch.setattr(generic, "GENERIC_OWN", 1.01)
    themes = np.arange(400) % 4
    topics = themes.copy()
    topics[::5] = 4
    topics[themes == 3] = 2  # topic 2: two blobs; topic 3 empty
    own = own_centroid_share(_blobs(themes), topics, 5)
    assert own[0] > own[2] and own[1] > own[2] and np.isnan(own[3])
    assert generic_topics(_blobs(themes), topics, 5).tolist() == [False, False, True, False, True]


def test_vectors_must_match_the_documents():
    with pytest.raises(ValueError, match="3 vectors for 4 documents"):
        generic_topics(np.zeros((3, 4)), np.zeros(4, dtype=np.int64), 3)


class _ChattyFamily(MixtureTopicModel):
    """A planted mixture family: a fit with n topics has n - 1 themes (each document's
    theme is its truth modulo n - 1) and one topic that is the main topic of every fifth
    document, whatever its theme, and absent elsewhere: in few documents (so not
    background) and about nothing in particular. Records the counts it is fitted with."""

    def __init__(self, truth, **kwargs):
        super().__init__(**kwargs)
        self.truth, self.fits = np.asarray(truth), []

    def _fit_mixture(self, n_topics, corpus):
        self.fits.append(n_topics)
        return n_topics

    def _mixture(self, n_topics, corpus):
        truth = self.truth[: len(corpus)]
        n = len(truth)
        weights = np.zeros((n, n_topics))
        weights[np.arange(n), truth % (n_topics - 1)] = 1.0
        chatty = np.arange(n) % 5 == 0
        weights[chatty] *= 0.3
        weights[chatty, -1] = 0.7
        distributions = np.zeros((n_topics, len(corpus.vocabulary)))
        for t in range(n_topics):
            distributions[t, [corpus.vocabulary.token2id[f"t{t}w{i}"] for i in range(3)]] = 1 / 3
        return Mixture(weights, distributions, np.ones(n, dtype=bool))

    def _word_order(self, n_topics):
        return lambda dist: np.argsort(-dist, axis=1, kind="stable")[:, : self.top_words]

    def _config(self):
        return NmfConfig(n_topics=self.config)


def _chatty_corpus(truth, with_vectors=True) -> PreparedCorpus:
    docs = [[f"t{t}w{i}" for t in range(9) for i in range(3)]] * len(truth)
    vectors = _blobs(np.asarray(truth)) if with_vectors else None
    return PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs), vectors)


def test_a_mixture_keeps_a_generic_topic_out_and_places_its_documents_by_theme():
    truth = np.arange(200) % 4
    model = _ChattyFamily(truth, config=5).fit(_chatty_corpus(truth))
    assert model.topics_.n_topics == 4 and model.level_ == 4
    [generic] = model.topics_.extra["background"]
    assert generic["kind"] == "generic" and generic["words"][:3] == ["t4w0", "t4w1", "t4w2"]
    assert generic["presence"] == pytest.approx(0.2)
    # The chatty documents go to their own theme, which still holds 30 % of each.
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0
    placed, _ = model.transform(_chatty_corpus(truth).subset(range(10)))
    assert adjusted_rand_score(truth[:10], placed) == 1.0 and placed.max() < 4


def test_without_vectors_a_generic_topic_stays_a_topic():
    truth = np.arange(200) % 4
    model = _ChattyFamily(truth, config=5).fit(_chatty_corpus(truth, with_vectors=False))
    assert model.topics_.n_topics == 5 and "background" not in model.topics_.extra


def test_a_level_with_a_generic_topic_is_fitted_once_more_with_one_more_topic():
    truth = np.arange(200) % 4
    corpus = _chatty_corpus(truth)
    model = _ChattyFamily(truth, config=8).grow(corpus)
    model.set_level(4, corpus)
    # The leaves (8), the level (4: three themes and the chatty topic), then 5: four
    # themes and the chatty topic, which is reported apart.
    assert model.fits == [8, 4, 5]
    assert model.topics_.n_topics == 4
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0


def test_documents_too_short_to_place_are_not_judged_by():
    """In a document of a few tokens a topic's share is mostly the model's prior, so only
    documents where a present topic (a tenth) is a whole token judge a topic."""
    truth = np.arange(200) % 4
    corpus = _chatty_corpus(truth)
    mixture = _ChattyFamily(truth)._mixture(5, corpus)
    long = Mixture(mixture.weights, mixture.distributions, mixture.has_words, np.full(200, 10))
    assert topic_kinds(long, corpus.vectors).tolist() == ["content"] * 4 + ["generic"]
    short = Mixture(mixture.weights, mixture.distributions, mixture.has_words, np.full(200, 9))
    assert topic_kinds(short, corpus.vectors).tolist() == ["content"] * 5
    # A topic with fewer than ten long documents is not judged either.
    lengths = np.where(np.arange(200) < 45, 10, 9)  # nine of the chatty documents long
    few = Mixture(mixture.weights, mixture.distributions, mixture.has_words, lengths)
    assert topic_kinds(few, corpus.vectors).tolist() == ["content"] * 5


def test_when_the_level_is_the_leaf_fit_its_generic_topic_is_no_leaf_either():
    """Asked for as many topics as it has leaves, the family reports the leaf fit itself:
    its generic topic is no topic, and no leaf of the tree (else the finest level would
    show it again, with its chatty documents)."""
    truth = np.arange(200) % 4
    corpus = _chatty_corpus(truth)
    model = _ChattyFamily(truth, config=5).grow(corpus).set_level(5, corpus)
    assert model.fits == [5] and model.estimator_ is model.leaf_estimator_
    assert model.topics_.n_topics == 4 and model.tree_.n_leaves == 4
    finest = model.topics_at(5, corpus)  # capped at the leaves
    assert finest.n_topics == 4 and not any("t4w0" in words for words in finest.words)
    assert adjusted_rand_score(truth, finest.assignments) == 1.0
    # Asked again, the same: nothing of the first call is carried into the second.
    model.set_level(5, corpus)
    assert model.tree_.n_leaves == 4 and model.leaves_.n_topics == 5
