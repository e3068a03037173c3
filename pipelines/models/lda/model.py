"""The ``lda`` model: LDA leaf topics, merged into a tree, reported at one cut of it.

With ``n_topics`` a number, LDA is fitted with that many topics and reports them.
With ``auto`` (the default) it is fitted once with enough leaf topics for the corpus
(``granularity.leaves_for``) and the granularity rule (:mod:`..granularity`) picks
the cut. One fit with many topics, merged, replaces the sweep of one fit per
candidate count that ``auto`` used to be: merging LDA topics is exact (a merged
topic's proportion in a document is the sum of its parts', its word distribution
their mixture; see :mod:`..mixture`), and every cut of the tree costs no refit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.lda.config import LdaConfig
from topicflow.pipelines.models.lda.estimator import LdaTopicModel, relevance_order
from topicflow.pipelines.models.mixture import MixtureLeaves, MixtureTopicModel
from topicflow.pipelines.models.topicset import TopicSet


class LdaModel(MixtureTopicModel):
    """The ``lda`` model family: :class:`LdaTopicModel` leaves and their tree.

    Fitted state (besides the base's): ``estimator_`` (the gensim-backed LDA, which
    ``transform`` uses to infer the topics of new documents) and ``leaves_`` (each
    document's leaf proportions and the leaves' word distributions).
    """

    def _config(self) -> LdaConfig:
        return self.config or LdaConfig()

    def _fit_leaves(self, corpus: PreparedCorpus) -> None:
        estimator = LdaTopicModel(
            n_topics=self._leaf_count(corpus),
            random_state=self.random_state,
            **self._config().estimator_params(),
        )
        self.estimator_ = estimator.fit(corpus.tokens, vocabulary=corpus.vocabulary)
        self._keep_leaves(_leaves(self.estimator_, corpus.tokens))

    def _topics_at(self, groups: np.ndarray, n_topics: int, corpus: PreparedCorpus) -> TopicSet:
        relevance, probabilities = self._config().relevance, self.estimator_.word_probabilities_
        return self.leaves_.topics(
            groups,
            n_topics,
            self.estimator_.vocabulary_,
            lambda dist: relevance_order(dist, probabilities, relevance, self.top_words),
        )

    def transform(self, corpus: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, "topics_")
        if not len(corpus):
            return np.empty(0, dtype=np.int64), np.empty(0)
        return _leaves(self.estimator_, corpus.tokens).placed(self.groups_, self.level_)


def _leaves(estimator: LdaTopicModel, tokens: Sequence[Sequence[str]]) -> MixtureLeaves:
    """The documents' proportions over the fitted topics. A document with no vocabulary
    word only echoes the prior: it is left unassigned."""
    theta = estimator.transform(tokens) if len(tokens) else np.zeros((0, estimator.n_topics))
    has_words = np.array([len(doc) > 0 for doc in tokens], dtype=bool)
    return MixtureLeaves(theta, estimator.components_, has_words)
