"""The mixture families (LDA, NMF): a fresh fit at the reported level inside a nested
tree, documents placed by the topic that most likely produced them, background topics
kept out of the topics."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from gensim.corpora import Dictionary
from sklearn.metrics import adjusted_rand_score

from tests.planted import block_corpus
from topicflow.pipelines import blocks
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.lda.config import LdaConfig
from topicflow.pipelines.models.lda.model import LdaModel
from topicflow.pipelines.models.mixture import MixtureTopicModel, leaves_within
from topicflow.pipelines.models.mixture_weights import Mixture, background_topics
from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.nmf.model import NmfModel
from topicflow.pipelines.models.topicset import UNASSIGNED
from topicflow.pipelines.models.tree import cut


def _corpus(docs) -> PreparedCorpus:
    return PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs))


def test_a_document_goes_to_the_topic_that_most_likely_produced_it():
    """Topic 0 is a little of every document; document 0 is mostly it, but is the only
    document with a fifth of its weight on topic 2: topic 2 produced it, not topic 0."""
    weights = np.array(
        [[0.7, 0.1, 0.2], [0.6, 0.4, 0.0], [0.5, 0.5, 0.0], [0.6, 0.4, 0.0], [0.9, 0.0, 0.05]]
    )
    mixture = Mixture(weights, np.full((3, 4), 0.25), np.ones(5, dtype=bool))
    assert mixture.largest().tolist() == [0, 0, 0, 0, 0]
    # Topic 2's prevalence is 0.05: 0.2 / 0.05 beats 0.7 / 0.66. Document 4 has 0.05 on
    # topic 2, below the 0.1 a topic needs to be present, so its largest share decides.
    assert mixture.assign().tolist() == [2, 1, 1, 1, 0]
    words = Mixture(weights, np.full((3, 4), 0.25), np.array([True, True, True, True, False]))
    assert words.assign()[-1] == UNASSIGNED


def test_a_topic_in_most_documents_that_leads_few_is_background():
    rng = np.random.default_rng(0)
    themes = rng.integers(0, 4, size=200)
    weights = np.zeros((200, 5))
    weights[np.arange(200), themes] = 0.7
    weights[:, 4] = 0.3  # in every document, nobody's main topic
    mixture = Mixture(weights, np.full((5, 3), 1 / 3), np.ones(200, dtype=bool))
    assert background_topics(mixture).tolist() == [False] * 4 + [True]
    # A broad theme in most documents that leads them is a topic, not background.
    weights[:150, 4] = 0.9
    assert not background_topics(Mixture(weights, mixture.distributions, mixture.has_words)).any()


def test_in_documents_of_two_tokens_a_prior_spread_share_is_no_presence():
    # Two-token documents: each has its own topic at 0.52, and the prior spreads 0.12 on
    # every other topic, enough for a share alone to find them all present everywhere
    # while leading a fifth of the documents each: all but two would be background.
    rng = np.random.default_rng(0)
    weights = np.full((200, 5), 0.12)
    weights[np.arange(200), rng.integers(0, 5, size=200)] = 0.52
    has_words = np.ones(200, dtype=bool)
    assert background_topics(Mixture(weights, np.full((5, 3), 1 / 3), has_words)).sum() == 3
    # 0.12 of two tokens is not half of one: each topic is present where it leads.
    short = Mixture(weights, np.full((5, 3), 1 / 3), has_words, np.full(200, 2))
    assert short.present_counts().tolist() == np.bincount(short.largest(), minlength=5).tolist()
    assert not background_topics(short).any()
    # From five tokens on a tenth is half a token: counted as without lengths.
    long = Mixture(weights, np.full((5, 3), 1 / 3), has_words, np.full(200, 5))
    assert background_topics(long).sum() == 3


def test_a_topic_that_produced_one_token_of_a_short_document_is_present_despite_the_prior():
    # LDA's proportions include the prior: the topic of a one-token line holds about 0.6,
    # each topic of a two-token line split between two holds about 0.38.
    weights = np.array([[0.6, 0.1, 0.1, 0.1, 0.1], [0.38, 0.38, 0.08, 0.08, 0.08]])
    mixture = Mixture(weights, np.full((5, 3), 1 / 3), np.ones(2, dtype=bool), np.array([1, 2]))
    assert mixture.present(mixture.shares()).tolist() == [
        [True, False, False, False, False],
        [True, True, False, False, False],
    ]


def _leafy(model_cls, config, n_themes=4, per_theme=30, seed=3):
    docs, truth, _ = block_corpus(n_topics=n_themes, docs_per_topic=per_theme, seed=seed)
    corpus = _corpus(docs)
    rule = GranularityConfig(min_topics=2, max_topics=8, documents_per_leaf=15)
    return model_cls(config, random_state=0, granularity=rule).grow(corpus), corpus, truth


@pytest.mark.parametrize("family", ["lda", "nmf"])
def test_the_reported_level_is_a_fresh_fit_and_levels_still_nest(family):
    model_cls, config = {
        "lda": (LdaModel, LdaConfig(passes=3)),
        "nmf": (NmfModel, NmfConfig()),
    }[family]
    model, corpus, truth = _leafy(model_cls, config)
    assert model.tree_.n_leaves == 8
    model.set_level(4, corpus)
    assert model.level_ == 4 and model.estimator_ is not model.leaf_estimator_
    # Its topics are those of a model fitted with four topics from the start.
    fresh = model_cls(config.model_copy(update={"n_topics": 4}), random_state=0).fit(corpus)
    assert sorted(map(tuple, model.topics_.words)) == sorted(map(tuple, fresh.topics_.words))
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0
    # Nested: every document's topic, at every level, is the one its leaf falls in.
    for k in (2, 3, 4, 6, 8):
        topics = model.topics_at(k, corpus)
        assert topics.n_topics == k
        expected = cut(model.tree_.partition(k), model.leaf_assignments_)
        assert (topics.assignments == expected).all()
    # New documents are placed in the fitted level's topics.
    again, truth_again, _ = block_corpus(n_topics=4, docs_per_topic=3, seed=9)
    placed, scores = model.transform(
        PreparedCorpus([" ".join(d) for d in again], again, corpus.vocabulary)
    )
    assert adjusted_rand_score(truth_again, placed) == 1.0 and np.all(scores > 0.5)


def test_the_leaf_count_is_reported_from_the_leaves_without_a_refit():
    model, corpus, _ = _leafy(NmfModel, NmfConfig())
    model.set_level(100, corpus)
    assert model.level_ == 8 and model.estimator_ is model.leaf_estimator_


class _PlantedFamily(MixtureTopicModel):
    """A mixture family whose every fit is planted: one topic per theme, plus (from five
    topics up) a topic that is a third of every document and nobody's main theme, as
    LDA's "one, like, think, get, know" on 20 Newsgroups. The machinery around the fits
    (background, tree, levels, placement) is the real one."""

    def __init__(self, truth, n_words, **kwargs):
        super().__init__(**kwargs)
        self.truth, self.n_words = truth, n_words

    def _fit_mixture(self, n_topics, corpus):
        return n_topics

    def _mixture(self, n_topics, corpus):
        truth = np.asarray(self.truth)[: len(corpus)]
        weights = np.zeros((len(truth), n_topics))
        planted = np.zeros((n_topics, self.n_words))  # over words w0, w1, ...
        themes = n_topics - 1 if n_topics > 4 else n_topics
        weights[np.arange(len(truth)), truth % themes] = 0.6
        for t in range(themes):
            planted[t, t * 10 : t * 10 + 10] = 0.1
        if themes < n_topics:
            weights[:, -1] = 0.3
            planted[-1, -6:] = 1 / 6
        distributions = np.zeros_like(planted)
        ids = [corpus.vocabulary.token2id[f"w{i}"] for i in range(self.n_words)]
        distributions[:, ids] = planted
        return Mixture(weights, distributions, np.ones(len(truth), dtype=bool))

    def _word_order(self, n_topics):
        return lambda dist: np.argsort(-dist, axis=1, kind="stable")[:, : self.top_words]

    def _config(self):
        return NmfConfig(n_topics=self.config)


def test_a_background_topic_is_reported_apart_and_claims_no_document():
    docs = [[f"w{i}" for i in range(46)]] * 80
    corpus = _corpus(docs)
    truth = np.arange(80) % 4
    model = _PlantedFamily(truth, 46, config=5).fit(corpus)
    background = model.topics_.extra["background"]
    assert len(background) == 1 and background[0]["presence"] == 1.0
    assert set(background[0]["words"][:6]) == {f"w{i}" for i in range(40, 46)}
    # The four themes are the topics; the background is none of them.
    assert model.topics_.n_topics == 4 and model.level_ == 4
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0
    shared = {f"w{i}" for i in range(40, 46)}
    assert not any(w in shared for words in model.topics_.words for w in words)
    # New documents are placed among the four themes only.
    placed, _ = model.transform(corpus.subset(range(8)))
    assert adjusted_rand_score(truth[:8], placed) == 1.0 and placed.max() < 4


def _reference_assign(weights: np.ndarray) -> np.ndarray:
    """:meth:`Mixture.assign` written out over the whole matrix at once, in float64."""
    weights = weights.astype(np.float64)
    shares = weights / weights.sum(axis=1, keepdims=True)
    prevalence = shares.mean(axis=0)
    specificity = np.where(shares >= 0.1, shares / prevalence, shares - 1.0)
    return specificity.argmax(axis=1)


def test_documents_are_assigned_a_block_at_a_time_as_all_at_once(monkeypatch):
    rng = np.random.default_rng(1)
    weights = rng.dirichlet(np.full(6, 0.3), size=1_000).astype(np.float32)  # as held
    mixture = Mixture(weights, np.full((6, 4), 0.25), np.ones(1_000, dtype=bool))
    monkeypatch.setattr(blocks, "ROW_BLOCK", 64)  # 16 blocks
    shares = weights / weights.sum(axis=1, keepdims=True, dtype=np.float64)
    np.testing.assert_allclose(mixture.prevalence(), shares.mean(axis=0), rtol=1e-12)
    assert mixture.assign().tolist() == _reference_assign(weights).tolist()
    present = (shares >= 0.1).sum(axis=0)
    assert mixture.present_counts().tolist() == present.tolist()
    groups = np.array([0, 0, 1, 2, 1, 2])
    merged, _ = mixture.merged(groups, 3)
    whole = weights.astype(np.float64) @ np.eye(3)[groups]
    np.testing.assert_allclose(merged, whole, rtol=1e-12)
    # Leaves within their topic, and background topics, as computed in one block.
    topics, member = rng.integers(-1, 3, 1_000), np.arange(6) % 3
    in_blocks = leaves_within(mixture, topics, member), background_topics(mixture)
    monkeypatch.setattr(blocks, "ROW_BLOCK", 16_384)
    whole = leaves_within(mixture, topics, member), background_topics(mixture)
    assert in_blocks[0].tolist() == whole[0].tolist() and (topics == -1).any()
    assert in_blocks[1].tolist() == whole[1].tolist()


def test_assigning_a_large_mixture_holds_no_copy_of_its_weights(monkeypatch):
    monkeypatch.setattr(blocks, "ROW_BLOCK", 2_048)
    rng = np.random.default_rng(2)
    weights = rng.dirichlet(np.full(40, 0.3), size=100_000)  # 32 MB
    mixture = Mixture(weights, np.full((40, 4), 0.25), np.ones(len(weights), dtype=bool))
    # A model keeps its mixtures: their weights are held in float32, half the float64 fit.
    assert mixture.weights.nbytes == weights.nbytes / 2
    topics = mixture.assign()
    tracemalloc.start()
    try:
        mixture.assign()
        leaves_within(mixture, topics % 5, np.arange(40) % 5)
        mixture.merged(np.arange(40) % 5, 5)  # its own output is 4 MB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # All at once, shares, ratios and specificity were each as large as the weights.
    assert peak < weights.nbytes / 2, f"{peak / 1e6:.0f} MB for {weights.nbytes / 1e6:.0f} MB"


def test_selecting_every_topic_in_order_copies_nothing():
    weights = np.random.default_rng(3).dirichlet(np.ones(4), size=50).astype(np.float32)
    mixture = Mixture(weights, np.full((4, 3), 1 / 3), np.ones(50, dtype=bool))
    assert mixture.select(np.arange(4)) is mixture
    assert mixture.select(np.ones(4, dtype=bool)) is mixture
    picked = mixture.select(np.array([2, 0]))
    assert picked.weights.tolist() == weights[:, [2, 0]].tolist()
    assert mixture.select(np.array([True, False, True, True])).n_topics == 3
