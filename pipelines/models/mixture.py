"""Leaf topics of the mixture families (LDA, NMF), and what merging them means.

Both describe a document as weights over topics (``weights``: documents x leaves,
LDA's proportions, NMF's W rescaled so that each topic's word row sums to one) and a
topic as a distribution over words (``distributions``: leaves x vocabulary). Merging
topics of a mixture is adding them: the merged topic's weight in a document is the
sum of its parts', and its word distribution is their mixture, each part weighted by
its mass in the corpus. A document's leaf is its largest weight; its topic at any
level is the one its leaf falls in (so levels nest), and its score there is the
merged topic's share of its weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.models.tree import Profile, cut, distribution_view

# Topic-word distributions (topics x vocabulary) -> each topic's top word ids, best first.
WordOrder = Callable[[np.ndarray], np.ndarray]


@dataclass
class MixtureLeaves:
    weights: np.ndarray  # documents x leaves, non-negative
    distributions: np.ndarray  # leaves x vocabulary, rows sum to 1 (or 0 for a dead leaf)
    has_words: np.ndarray  # documents with at least one vocabulary word

    @property
    def n_leaves(self) -> int:
        return self.distributions.shape[0]

    def leaf_assignments(self) -> np.ndarray:
        leaves = self.weights.argmax(axis=1) if self.n_leaves else np.zeros(len(self.weights))
        usable = self.has_words & (self.weights.sum(axis=1) > 0)
        return np.where(usable, leaves, UNASSIGNED).astype(np.int64)

    def mass(self) -> np.ndarray:
        """Each leaf's total weight over the documents."""
        return self.weights.sum(axis=0)

    def profiles(self) -> list[Profile]:
        """Merge by the similarity of the word distributions (Bhattacharyya); the rows
        are mass-weighted so that adding them gives the merged topic's distribution."""
        return [Profile(self.distributions * self.mass()[:, None], distribution_view)]

    def merged(self, groups: np.ndarray, n_topics: int) -> tuple[np.ndarray, np.ndarray]:
        """The weights (documents x topics) and distributions (topics x vocabulary) of
        the leaves merged into ``groups``."""
        join = sp.csr_matrix(
            (np.ones(self.n_leaves), (np.arange(self.n_leaves), groups)),
            shape=(self.n_leaves, n_topics),
        )
        weights = np.asarray(self.weights @ join)
        mixed = np.asarray(join.T @ (self.distributions * self.mass()[:, None]))
        totals = mixed.sum(axis=1, keepdims=True)
        distributions = np.divide(mixed, totals, out=np.zeros_like(mixed), where=totals > 0)
        return weights, distributions

    def scores(self, weights: np.ndarray, topics: np.ndarray) -> np.ndarray:
        """Each document's weight share on ``topics`` (NaN where unassigned)."""
        totals = weights.sum(axis=1)
        rows = np.arange(len(weights))
        picked = weights[rows, np.maximum(topics, 0)]
        ok = (topics != UNASSIGNED) & (totals > 0)
        return np.where(ok, picked / np.where(totals > 0, totals, 1), np.nan)

    def topics(
        self,
        groups: np.ndarray,
        n_topics: int,
        vocabulary: Any,
        word_order: WordOrder,
        extra: dict[str, Any] | None = None,
    ) -> TopicSet:
        """The merged topics: words by ``word_order`` with their probabilities, each
        document's topic through its leaf, and its weight share there."""
        weights, distributions = self.merged(groups, n_topics)
        assignments = cut(groups, self.leaf_assignments())
        order = word_order(distributions)
        return TopicSet(
            words=[[vocabulary[int(i)] for i in row] for row in order],
            weights=[[float(distributions[t, i]) for i in row] for t, row in enumerate(order)],
            assignments=assignments,
            probabilities=self.scores(weights, assignments),
            extra=extra or {},
            word_distributions=distributions,
        )

    def placed(self, groups: np.ndarray, n_topics: int) -> tuple[np.ndarray, np.ndarray]:
        """These documents' topics at the cut ``groups`` and their weight shares there."""
        topics = cut(groups, self.leaf_assignments())
        weights, _ = self.merged(groups, n_topics)
        return topics, self.scores(weights, topics)


class MixtureTopicModel(TopicModel):
    """What the mixture families share: their leaves are the fitted topics (``leaves_``,
    set through :meth:`_keep_leaves`), described and merged as a mixture."""

    def _leaf_count(self, corpus: PreparedCorpus) -> int:
        """How many topics to fit: ``n_topics`` when it is a number, else the leaves the
        granularity rule wants for a corpus this size."""
        requested = self._config().n_topics
        if isinstance(requested, int):
            return requested
        return (self.granularity or GranularityConfig()).leaves_for(len(corpus))

    def _keep_leaves(self, leaves: MixtureLeaves) -> None:
        self.leaves_ = leaves
        self.leaf_assignments_ = leaves.leaf_assignments()

    def _n_leaves(self) -> int:
        return self.leaves_.n_leaves

    def _leaf_profiles(self, corpus: PreparedCorpus) -> list[Profile]:
        return self.leaves_.profiles()
