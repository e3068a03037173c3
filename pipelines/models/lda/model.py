"""The ``lda`` model: LDA leaf topics merged into a tree, and LDA fitted at the reported level.

With ``n_topics`` a number, LDA is fitted with that many topics and reports them.
With ``auto`` (the default) it is fitted once with enough leaf topics for the corpus
(``granularity.leaves_for``); the granularity rule (:mod:`..granularity`) scores every
cut of their tree and picks a count, and LDA is fitted again with that many topics for
the reported level (:mod:`..mixture`: merged LDA topics read worse than fitted ones).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.lda.config import LdaConfig
from topicflow.pipelines.models.lda.estimator import LdaTopicModel, relevance_order
from topicflow.pipelines.models.mixture import MixtureTopicModel
from topicflow.pipelines.models.mixture_weights import Mixture, WordOrder


class LdaModel(MixtureTopicModel):
    """The ``lda`` model family: :class:`LdaTopicModel` fits (gensim), whose
    ``transform`` infers the topics of new documents too."""

    def _config(self) -> LdaConfig:
        return self.config or LdaConfig()

    def _fit_mixture(self, n_topics: int, corpus: PreparedCorpus) -> LdaTopicModel:
        estimator = LdaTopicModel(
            n_topics=n_topics,
            random_state=self.random_state,
            **self._config().estimator_params(),
        )
        return estimator.fit(corpus.tokens, vocabulary=corpus.vocabulary)

    def _mixture(self, estimator: LdaTopicModel, corpus: PreparedCorpus) -> Mixture:
        """The documents' proportions over the fitted topics. A document with no
        vocabulary word only echoes the prior: it is left unassigned."""
        tokens = corpus.tokens
        theta = estimator.transform(tokens) if len(tokens) else np.zeros((0, estimator.n_topics))
        lengths = tokens.lengths()
        return Mixture(theta, estimator.components_, lengths > 0, lengths)

    def _word_order(self, estimator: LdaTopicModel) -> WordOrder:
        relevance, probabilities = self._config().relevance, estimator.word_probabilities_
        return lambda dist: relevance_order(dist, probabilities, relevance, self.top_words)

    def _facts(self, estimator: LdaTopicModel) -> dict[str, Any]:
        # With passes: auto the count depends on the corpus: the metrics say which ran.
        return {"passes": estimator.passes_}
