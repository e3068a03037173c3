"""The ``nmf`` model: scikit-learn NMF of the documents' TF-IDF on the shared vocabulary.

TF-IDF (smoothed idf, unit-length rows) of the shared tokens is factorised as
``W @ H``: ``H`` holds each topic's word weights, ``W`` each document's topic
weights. A document's topic is its largest weight in ``W``, and its score that
weight's share of the row; a document without vocabulary words has an all-zero row
and stays unassigned. ``H``'s rows, normalised, serve as the topic-word
distributions the comparison aligns on.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet


class NmfModel(TopicModel):
    """Fitted state: ``topics_``, ``tfidf_`` (the fitted TF-IDF weighting) and ``nmf_``."""

    def fit(self, corpus: PreparedCorpus, y=None) -> NmfModel:
        self.check_corpus(corpus)
        config = self.config or NmfConfig()
        k = config.n_topics
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
        components = self.nmf_.components_
        order = np.argsort(-components, axis=1, kind="stable")[:, : self.top_words]
        totals = components.sum(axis=1, keepdims=True)
        distributions = np.divide(
            components, totals, out=np.zeros_like(components), where=totals > 0
        )
        assignments, scores = _dominant(weights)
        self.topics_ = TopicSet(
            words=[[corpus.vocabulary[int(i)] for i in row] for row in order],
            weights=[[float(distributions[t, i]) for i in row] for t, row in enumerate(order)],
            assignments=assignments,
            probabilities=scores,
            extra={"reconstruction_error": round(float(self.nmf_.reconstruction_err_), 6)},
            word_distributions=distributions,
        )
        return self

    def transform(self, corpus: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, "topics_")
        if len(corpus) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        return _dominant(self.nmf_.transform(self.tfidf_.transform(corpus.counts)))


def _dominant(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's largest topic weight and its share of the row; all-zero rows unassigned."""
    totals = weights.sum(axis=1)
    has_weight = totals > 0
    topics = np.where(has_weight, weights.argmax(axis=1), UNASSIGNED).astype(np.int64)
    share = np.divide(
        weights.max(axis=1), totals, out=np.full(len(weights), np.nan), where=has_weight
    )
    return topics, share
