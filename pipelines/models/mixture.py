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

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from topicflow.pipelines.models.topicset import UNASSIGNED
from topicflow.pipelines.models.tree import Profile, distribution_view


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
