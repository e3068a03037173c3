"""The ``nmf`` model: scikit-learn NMF of the documents' TF-IDF on the shared vocabulary.

TF-IDF (smoothed idf, unit-length rows) of the shared tokens is factorised as
``W @ H``: ``H`` holds each topic's word weights, ``W`` each document's topic
weights. Rescaled so that each row of ``H`` sums to one (and ``W``'s columns by the
same factors), the factorisation is a mixture like LDA's, and its leaves merge the
same way (:mod:`..mixture`). A document's topic is its largest weight and its score
that weight's share of the row; a document without vocabulary words has an
all-zero row and stays unassigned. With ``n_topics: auto`` NMF fits the leaves
``granularity.leaves_for`` gives and the granularity rule picks the cut.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.mixture import MixtureLeaves, MixtureTopicModel
from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.topicset import TopicSet


class NmfModel(MixtureTopicModel):
    """Fitted state (besides the base's): ``tfidf_`` (the fitted TF-IDF weighting),
    ``nmf_`` and ``leaves_`` (documents' rescaled weights, leaves' word distributions)."""

    def _config(self) -> NmfConfig:
        return self.config or NmfConfig()

    def _fit_leaves(self, corpus: PreparedCorpus) -> None:
        config, k = self._config(), self._leaf_count(corpus)
        if k > len(corpus):
            raise ValueError(f"nmf.n_topics is {k}, more than the {len(corpus)} documents")
        self.tfidf_ = TfidfTransformer().fit(corpus.counts)
        self.nmf_ = NMF(
            n_components=k,
            init=config.init,
            beta_loss=config.beta_loss,
            solver="mu" if config.beta_loss != "frobenius" else "cd",
            max_iter=config.max_iter,
            alpha_W=config.alpha_w,
            alpha_H="same",
            l1_ratio=config.l1_ratio,
            random_state=self.random_state,
        )
        with warnings.catch_warnings():
            # Not converging within max_iter still gives usable topics; the run goes on.
            warnings.simplefilter("ignore", ConvergenceWarning)
            weights = self.nmf_.fit_transform(self.tfidf_.transform(corpus.counts))
        self._keep_leaves(self._mixture(weights))
        self.reconstruction_error_ = round(float(self.nmf_.reconstruction_err_), 6)

    def _topics_at(self, groups: np.ndarray, n_topics: int, corpus: PreparedCorpus) -> TopicSet:
        return self.leaves_.topics(
            groups,
            n_topics,
            corpus.vocabulary,
            lambda dist: np.argsort(-dist, axis=1, kind="stable")[:, : self.top_words],
            extra={"reconstruction_error": self.reconstruction_error_},
        )

    def transform(self, corpus: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, "topics_")
        if len(corpus) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        weights = self.nmf_.transform(self.tfidf_.transform(corpus.counts))
        return self._mixture(weights).placed(self.groups_, self.level_)

    def _mixture(self, weights: np.ndarray) -> MixtureLeaves:
        components = self.nmf_.components_
        totals = components.sum(axis=1)
        distributions = np.divide(
            components, totals[:, None], out=np.zeros_like(components), where=totals[:, None] > 0
        )
        return MixtureLeaves(weights * totals, distributions, weights.sum(axis=1) > 0)
