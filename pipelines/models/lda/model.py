"""The ``lda`` model: LDA with a fixed or an automatically chosen number of topics.

``n_topics: auto`` fits one model per candidate count (concurrently, ``n_jobs``
processes) and scores each by mean NPMI on the shared reference, of the words
that best describe the documents each topic claims (the top-10 class-based
TF-IDF words of each topic's dominant-topic documents), each topic weighted by
the number of documents it claims. Scoring the claimed
documents, not only p(w|t), matters: with too few topics, a topic keeps the words
of one theme while absorbing the documents of others, and its own top words look
as coherent as ever.

Rule: take the best score, then the *smallest* count whose score is within
``auto_tolerance`` of it. More topics than the data holds split real themes into
sub-themes whose words still co-occur, so coherence stays flat past the true
count; the tolerance makes the choice parsimonious instead of arbitrary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gensim.corpora import Dictionary
from joblib import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.evaluate.coherence import Reference, topic_diversity, weighted_mean
from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.lda.config import LdaConfig
from topicflow.pipelines.models.lda.estimator import LdaTopicModel
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.models.words import class_tfidf, count_matrix, top_terms


class LdaModel(TopicModel):
    """The ``lda`` model family: :class:`LdaTopicModel` with a fixed or chosen topic count.

    Fitted state: ``topics_`` and ``estimator_`` (the gensim-backed LDA, which
    ``transform`` uses to infer the topics of new documents).
    """

    def fit(self, corpus: PreparedCorpus, y=None) -> LdaModel:
        self.check_corpus(corpus)
        config = self.config or LdaConfig()
        self.estimator_, self.topics_ = fit_classical(
            corpus.tokens, corpus.vocabulary, config, self.random_state, self.top_words
        )
        return self

    def transform(self, corpus: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self, "topics_")
        return dominant_topics(self.estimator_, corpus.tokens)


def dominant_topics(
    model: LdaTopicModel, tokens: Sequence[Sequence[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Each document's most probable topic and its proportion. A document with no
    vocabulary word only echoes the prior: it is left unassigned."""
    if not len(tokens):
        return np.empty(0, dtype=np.int64), np.empty(0)
    theta = model.transform(tokens)
    has_words = np.array([len(doc) > 0 for doc in tokens], dtype=bool)
    assignments = np.where(has_words, theta.argmax(axis=1), UNASSIGNED)
    return assignments.astype(np.int64), np.where(has_words, theta.max(axis=1), np.nan)


def fit_classical(
    tokens: Sequence[Sequence[str]],
    vocabulary: Dictionary,
    config: LdaConfig,
    seed: int,
    top_words: int = 10,
) -> tuple[LdaTopicModel, TopicSet]:
    """Fit LDA per ``config`` and describe its topics and each document's dominant topic."""
    reference = Reference(tokens, vocabulary)
    if config.n_topics == "auto":
        model, sweep = select_n_topics(tokens, vocabulary, reference, config, seed)
    else:
        model, sweep = _fit(config, config.n_topics, seed, tokens, vocabulary), None
    assignments, probabilities = dominant_topics(model, tokens)
    extra: dict[str, Any] = {"n_topics_chosen_by": "auto" if sweep else "config"}
    if sweep:
        extra["sweep"] = sweep
    topics = TopicSet(
        words=model.top_words(top_words),
        weights=model.top_word_weights(top_words),
        assignments=assignments,
        probabilities=probabilities,
        extra=extra,
        word_distributions=model.components_,
    )
    return model, topics


def select_n_topics(
    tokens: Sequence[Sequence[str]],
    vocabulary: Dictionary,
    reference: Reference,
    config: LdaConfig,
    seed: int,
) -> tuple[LdaTopicModel, list[dict[str, Any]]]:
    """Fit every candidate count; return the chosen model and the sweep curve."""
    candidates = [k for k in config.auto_range.values() if k <= len(tokens)]
    if not candidates:
        raise ValueError(
            f"lda.auto_range starts at {config.auto_range.min} topics, "
            f"more than the {len(tokens)} documents"
        )
    counts = count_matrix(tokens, vocabulary)
    results = Parallel(n_jobs=min(config.n_jobs, len(candidates)))(
        delayed(_fit_and_score)(config, k, seed, tokens, vocabulary, reference, counts)
        for k in candidates
    )
    best = max(score for _, score, _ in results)
    chosen = next(
        i for i, (_, score, _) in enumerate(results) if score >= best - config.auto_tolerance
    )
    curve = [
        {"n_topics": k, "npmi": round(score, 6), "diversity": round(div, 6), "chosen": i == chosen}
        for i, (k, (_, score, div)) in enumerate(zip(candidates, results, strict=True))
    ]
    return results[chosen][0], curve


def _fit(config: LdaConfig, k: int, seed: int, tokens, vocabulary) -> LdaTopicModel:
    model = LdaTopicModel(n_topics=k, random_state=seed, **config.estimator_params())
    return model.fit(tokens, vocabulary=vocabulary)


def _fit_and_score(config, k, seed, tokens, vocabulary, reference, counts):
    model = _fit(config, k, seed, tokens, vocabulary)
    claimed = model.transform(tokens).argmax(axis=1)
    words, _ = top_terms(class_tfidf(counts, claimed, k), vocabulary, 10)
    # Each topic counts by the documents it claims: a topic that claims a handful of
    # documents has coherent words of its own and must not lift a count that splits off
    # a sliver; a topic that absorbs many documents of mixed themes weighs the most.
    sizes = np.bincount(claimed, minlength=k)
    return model, weighted_mean(reference.npmi(words), sizes), topic_diversity(words)
