"""The mixture families (LDA, NMF): leaf topics for the tree, a fresh fit at the reported level.

A mixture's topics merge by adding them (:mod:`.mixture_weights`). That makes every cut
of the leaf tree cheap, and the granularity rule scores the cuts on it; but a merged
topic reads worse than a topic fitted at that count (BBC News, LDA: 40 leaves cut to 10
topics NPMI 0.065, fitted at 10 0.126; warm-starting a 10-topic fit from the cut 0.083),
because the mixture's top words are the words its parts share.

So the reported level is *fitted*: ``set_level(k)`` fits the family afresh with k
topics, and the tree is rebuilt around that fit so that levels still nest. Each leaf
goes under the fitted topic whose documents it shares most (every fitted topic gets at
least one leaf); a document's leaf is chosen among the leaves under its fitted topic;
leaves merge by Ward's criterion within their fitted topic first, then the fitted
topics merge. Levels at or above the reported one are described by the fitted topics
(merged as a mixture), finer levels by the leaves. The fit's background and generic
topics (:func:`.mixture_weights.topic_kinds`) are kept out of the topics.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.mixture_weights import (
    BACKGROUND,
    CONTENT,
    GENERIC,
    Mixture,
    WordOrder,
    background_topics,
    topic_kinds,
    weight_share,
)
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.models.tree import Profile, build_tree, cut


def group_leaves(leaf_of: np.ndarray, topic_of: np.ndarray, n_leaves: int, n_topics: int):
    """Each leaf's fitted topic: the one its documents share most, with every topic
    given at least one leaf (a one-to-one assignment first, on the same counts)."""
    both = (leaf_of != UNASSIGNED) & (topic_of != UNASSIGNED)
    shared = np.zeros((n_leaves, n_topics))
    np.add.at(shared, (leaf_of[both], topic_of[both]), 1)
    rows, cols = linear_sum_assignment(-shared)
    member = shared.argmax(axis=1)
    member[rows] = cols
    return member


def first_members(groups: np.ndarray) -> np.ndarray:
    """The first index in each group ``0..k-1`` (every group has a member)."""
    return np.unique(groups, return_index=True)[1]


def leaves_within(leaves: Mixture, topics: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Each document's leaf (by :meth:`Mixture.specificity`) among the leaves under its
    topic, so that its topic is its leaf's ancestor; unassigned documents stay so."""
    prevalence = leaves.prevalence()
    leaf_of = np.full(len(topics), UNASSIGNED, dtype=np.int64)
    for block, part in leaves.blocks():
        allowed = member[None, :] == np.maximum(topics[block], 0)[:, None]
        best = np.where(allowed, part.specificity(prevalence), -np.inf).argmax(axis=1)
        leaf_of[block] = np.where(topics[block] == UNASSIGNED, UNASSIGNED, best)
    return leaf_of


class MixtureTopicModel(TopicModel):
    """What the mixture families share (see the module docstring). A family implements
    ``_fit_mixture(k, corpus)`` (its estimator fitted with k topics), ``_mixture(estimator,
    corpus)`` (the documents' weights under it), ``_word_order(estimator)`` and
    ``_facts(estimator)`` (facts for the metrics).

    Fitted state (besides the base's): ``leaf_estimator_`` and ``leaves_`` (the leaf fit,
    background topics removed), ``estimator_`` and ``level_topics_`` (the fit at the
    reported level, its topics in the cut's order), ``level_leaves_`` (the leaves of the
    tree around it, :meth:`_level_leaves`), ``background_`` (its background and generic
    topics' words, presence and kind; named for the kind that came first, as in
    ``metrics.json``).
    """

    refits_levels = True

    def _leaf_count(self, corpus: PreparedCorpus) -> int:
        """How many topics to fit: ``n_topics`` when it is a number, else the leaves the
        granularity rule wants for a corpus this size."""
        requested = self._config().n_topics
        if isinstance(requested, int):
            return requested
        return (self.granularity or GranularityConfig()).leaves_for(len(corpus))

    def _fit_leaves(self, corpus: PreparedCorpus) -> None:
        self.leaf_estimator_ = self._fit_mixture(self._leaf_count(corpus), corpus)
        leaves = self._mixture(self.leaf_estimator_, corpus)
        background = background_topics(leaves)
        self.leaf_background_ = np.flatnonzero(background)
        self.leaves_ = leaves.select(np.flatnonzero(~background))
        self.leaf_assignments_ = self.leaves_.assign()

    def _n_leaves(self) -> int:
        return self.leaves_.n_topics

    def _leaf_profiles(self, corpus: PreparedCorpus) -> list[Profile]:
        return self.leaves_.profiles()

    def set_level(self, n_topics: int, corpus: PreparedCorpus) -> MixtureTopicModel:
        """Fit the family with ``n_topics`` topics (the leaves themselves at the leaf
        count) and rebuild the tree around that fit (see the module docstring). The
        fit's background and generic topics are kept out (:meth:`_level_fit`)."""
        check_is_fitted(self, "leaves_")
        k = min(max(int(n_topics), 1), self.leaves_.n_topics)
        estimator, fitted, kinds = self._level_fit(k, corpus)
        kept = np.flatnonzero(kinds == CONTENT)
        content = fitted.select(kept)
        self.level_leaves_ = leaves = self._level_leaves(estimator, kinds)
        n_leaves = leaves.n_topics
        topic_of = content.assign()
        member = group_leaves(leaves.assign(), topic_of, n_leaves, content.n_topics)
        leaf_of = leaves_within(leaves, topic_of, member)
        sizes = np.bincount(leaf_of[leaf_of != UNASSIGNED], minlength=n_leaves)
        self.tree_ = build_tree(leaves.profiles(), sizes, within=member)
        self.leaf_assignments_ = leaf_of
        # The fitted topics in the order the tree's cut numbers them.
        partition = self.tree_.partition(content.n_topics)
        order = np.argsort(partition[first_members(member)], kind="stable")
        self.estimator_ = estimator
        self.content_topics_ = kept[order]
        self.level_topics_ = fitted.select(self.content_topics_)
        self.background_ = self._background_facts(fitted, kinds, corpus.vocabulary)
        super().set_level(content.n_topics, corpus)
        self.requested_level_ = int(n_topics)
        return self

    def _level_fit(self, k: int, corpus: PreparedCorpus) -> tuple[Any, Mixture, np.ndarray]:
        """The fit reported for ``k`` content topics, its mixture, and each of its topics'
        kind (:func:`topic_kinds`). A fit reports its background and generic topics'
        worth fewer topics, so it asks for as many more as the leaf fit had background
        topics; when it then finds generic topics, it is fitted once more with as many
        more again. Never more than the leaves: every reported topic needs a leaf."""
        n_leaves = self.leaves_.n_topics
        wanted = min(k + len(self.leaf_background_), n_leaves) if k < n_leaves else None
        estimator = self._estimator_for(wanted, corpus)
        fitted = self._mixture(estimator, corpus)
        kinds = topic_kinds(fitted, corpus.vectors)
        generic = int((kinds == GENERIC).sum())
        if wanted is not None and generic and wanted < n_leaves:
            del fitted  # documents x topics: not held while the next fit runs
            estimator = self._estimator_for(min(wanted + generic, n_leaves), corpus)
            fitted = self._mixture(estimator, corpus)
            kinds = topic_kinds(fitted, corpus.vectors)
        return estimator, fitted, kinds

    def _level_leaves(self, estimator: Any, kinds: np.ndarray) -> Mixture:
        """The leaves of the tree around the reported level: the leaf fit's topics, less
        its generic ones when the level *is* the leaf fit (then its generic topics are
        leaves: kept, the finest level would show every one of them again, with the
        documents most their own). Under a level fitted afresh the leaves stay as they
        are: they were fitted before the vectors existed and are not tested."""
        if estimator is not self.leaf_estimator_:
            return self.leaves_
        # The same fit: its topics less its background ones are the leaves, in order.
        generic = kinds[kinds != BACKGROUND] == GENERIC
        if len(generic) != self.leaves_.n_topics:  # not the corpus the leaves were fitted on
            return self.leaves_
        return self.leaves_.select(np.flatnonzero(~generic))

    def _estimator_for(self, n_topics: int | None, corpus: PreparedCorpus) -> Any:
        """The family fitted with ``n_topics`` topics; the leaf fit for None or the leaf
        count (a fit is a function of the count and the seed: no need to repeat it)."""
        if n_topics is None or n_topics == self._leaf_count(corpus):
            return self.leaf_estimator_
        return self._fit_mixture(n_topics, corpus)

    def _topics_at(self, groups: np.ndarray, n_topics: int, corpus: PreparedCorpus) -> TopicSet:
        fitted_level = self.level_topics_.n_topics
        if n_topics <= fitted_level:  # the fitted topics, merged as the tree merges them
            at_level = self.tree_.partition(fitted_level)
            source, source_groups = self.level_topics_, groups[first_members(at_level)]
            order = self._word_order(self.estimator_)
        else:
            source, source_groups = self.level_leaves_, groups
            order = self._word_order(self.leaf_estimator_)
        assignments = cut(groups, self.leaf_assignments_)
        topics = source.topics(source_groups, n_topics, assignments, corpus.vocabulary, order)
        topics.extra.update(self._facts(self.estimator_))
        if self.background_:
            topics.extra["background"] = self.background_
        return topics

    def transform(self, corpus: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
        """The reported level's topic that most likely produced each new document (by the
        fitted corpus's topic prevalence) and the document's weight share there."""
        check_is_fitted(self, "level_topics_")
        if not len(corpus):
            return np.empty(0, dtype=np.int64), np.empty(0)
        mixture = self._mixture(self.estimator_, corpus).select(self.content_topics_)
        topics = mixture.assign(self.level_topics_.prevalence())
        return topics, weight_share(mixture.weights, topics)

    def _background_facts(self, fitted: Mixture, kinds: np.ndarray, vocabulary) -> list:
        """The background and generic topics' words, kind and the share of documents
        each is present in."""
        apart = kinds != CONTENT
        if not apart.any():
            return []
        presence = fitted.present_counts() / max(int(fitted.usable().sum()), 1)
        order = self._word_order(self.estimator_)(fitted.distributions[apart])
        return [
            {
                "words": [vocabulary[int(i)] for i in row],
                "presence": round(float(p), 4),
                "kind": kind,
            }
            for row, p, kind in zip(order, presence[apart], kinds[apart], strict=True)
        ]

    # The family's work ------------------------------------------------------------

    def _fit_mixture(self, n_topics: int, corpus: PreparedCorpus) -> Any:
        raise NotImplementedError

    def _mixture(self, estimator: Any, corpus: PreparedCorpus) -> Mixture:
        raise NotImplementedError

    def _word_order(self, estimator: Any) -> WordOrder:
        raise NotImplementedError

    def _facts(self, estimator: Any) -> dict[str, Any]:
        return {}
