"""The ``nmf`` model: scikit-learn NMF of the documents' TF-IDF on the shared vocabulary.

TF-IDF (smoothed idf, unit-length rows) of the shared tokens is factorised as
``W @ H``: ``H`` holds each topic's word weights, ``W`` each document's topic
weights. Rescaled so that each row of ``H`` sums to one (and ``W``'s columns by the
same factors), the factorisation is a mixture like LDA's: its leaves merge the same
way and the reported level is a fit of its own (:mod:`..mixture`). A document's topic
is its largest weight and its score that weight's share of the row; a document
without vocabulary words has an all-zero row and stays unassigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer

from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.expected_warnings import ignore_nmf_convergence
from topicflow.pipelines.models.mixture import MixtureTopicModel
from topicflow.pipelines.models.mixture_weights import Mixture, WordOrder
from topicflow.pipelines.models.nmf.config import NmfConfig


@dataclass
class NmfFit:
    """One NMF fit: the TF-IDF weighting it was fitted on and the factorisation."""

    tfidf: TfidfTransformer
    nmf: NMF

    def weights(self, counts) -> np.ndarray:
        return self.nmf.transform(self.tfidf.transform(counts))


class NmfModel(MixtureTopicModel):
    """The ``nmf`` model family: :class:`NmfFit` fits."""

    def _config(self) -> NmfConfig:
        return self.config or NmfConfig()

    def _fit_mixture(self, n_topics: int, corpus: PreparedCorpus) -> NmfFit:
        config = self._config()
        if n_topics > len(corpus):
            raise ValueError(f"nmf.n_topics is {n_topics}, more than the {len(corpus)} documents")
        tfidf = TfidfTransformer().fit(corpus.counts)
        nmf = NMF(
            n_components=n_topics,
            init=config.init,
            beta_loss=config.beta_loss,
            solver="mu" if config.beta_loss != "frobenius" else "cd",
            max_iter=config.max_iter,
            alpha_W=config.alpha_w,
            alpha_H="same",
            l1_ratio=config.l1_ratio,
            random_state=self.random_state,
        )
        ignore_nmf_convergence()  # unconverged within max_iter, the topics are usable
        nmf.fit(tfidf.transform(corpus.counts))
        return NmfFit(tfidf, nmf)

    def _mixture(self, estimator: NmfFit, corpus: PreparedCorpus) -> Mixture:
        components = estimator.nmf.components_
        if not len(corpus):
            return Mixture(np.zeros((0, len(components))), components, np.zeros(0, dtype=bool))
        weights = estimator.weights(corpus.counts)
        totals = components.sum(axis=1)
        distributions = np.divide(
            components, totals[:, None], out=np.zeros_like(components), where=totals[:, None] > 0
        )
        lengths = np.asarray(corpus.counts.sum(axis=1)).ravel()
        return Mixture(weights * totals, distributions, weights.sum(axis=1) > 0, lengths)

    def _word_order(self, estimator: NmfFit) -> WordOrder:
        return lambda dist: np.argsort(-dist, axis=1, kind="stable")[:, : self.top_words]

    def _facts(self, estimator: NmfFit) -> dict[str, Any]:
        return {"reconstruction_error": round(float(estimator.nmf.reconstruction_err_), 6)}
