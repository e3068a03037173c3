"""Topic quality on the one shared reference (the preprocessed tokens and their vocabulary).

NPMI is gensim's ``c_npmi`` (sliding window of 10 tokens, top-10 words), the
measure of the BERTopic paper and OCTIS, so our numbers line up with theirs; it is
counted by :mod:`.windows` (the same numbers, without gensim's pass in Python over
every window, once per call). The other measures are gensim's own.
Topic diversity is the share of unique words among all topics' top words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel

from topicflow.pipelines.evaluate import windows


@dataclass(frozen=True)
class Reference:
    """The tokens every coherence number is computed on, and their vocabulary."""

    tokens: Sequence[Sequence[str]]
    vocabulary: Dictionary

    def coherence(
        self, topics: Sequence[Sequence[str]], measure: str = "c_npmi", topn: int = 10
    ) -> list[float]:
        """Per-topic coherence of each topic's first ``topn`` words (NaN for an empty topic)."""
        usable = [list(words[:topn]) for words in topics]
        if measure == "c_npmi":
            token2id = self.vocabulary.token2id
            ids = [np.array([token2id[w] for w in words if w in token2id]) for words in usable]
            return windows.npmi(self._index, ids)
        scored = [i for i, words in enumerate(usable) if len(words) >= 2]
        result = [float("nan")] * len(usable)
        if not scored:
            return result
        model = CoherenceModel(
            topics=[usable[i] for i in scored],
            texts=self.tokens,
            dictionary=self.vocabulary,
            coherence=measure,
            topn=topn,
            processes=1,  # runs inside worker tasks; nested process pools cost more than they save
        )
        for i, value in zip(scored, model.get_coherence_per_topic(), strict=True):
            result[i] = float(value)
        return result

    def npmi(self, topics: Sequence[Sequence[str]], topn: int = 10) -> list[float]:
        return self.coherence(topics, "c_npmi", topn)

    @cached_property
    def _index(self) -> windows.TokenIndex:
        # Built once per reference (a frozen dataclass still takes a cached_property).
        return windows.TokenIndex.build(self.tokens, self.vocabulary.token2id)


def topic_diversity(topics: Sequence[Sequence[str]], topn: int = 10) -> float:
    """Unique words among all topics' top-``topn`` lists / (``topn`` x number of topics)."""
    lists = [list(words[:topn]) for words in topics]
    total = sum(len(words) for words in lists)
    return len({w for words in lists for w in words}) / total if total else float("nan")


def mean(values: Sequence[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def weighted_mean(values: Sequence[float], weights: Sequence[float]) -> float:
    """Mean of the finite values, each counted by its weight (NaN when nothing counts)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    keep = np.isfinite(values) & (weights > 0)
    return float(np.average(values[keep], weights=weights[keep])) if keep.any() else float("nan")
