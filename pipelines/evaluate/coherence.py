"""Topic quality on the one shared reference (the preprocessed tokens and their vocabulary).

NPMI is gensim's ``c_npmi`` (sliding window of 10 tokens, top-10 words), the
measure of the BERTopic paper and OCTIS, so our numbers line up with theirs; it is
counted by :mod:`.windows` (the same numbers, without gensim's pass in Python over
every window, once per call). The other measures are gensim's own.
Topic diversity is the share of unique words among all topics' top words.

A large corpus is measured on a sample (:func:`bounded_reference`): coherence estimates
how often a topic's words occur together, which a few million tokens estimate closely,
while counting (and gensim's C_V and UMass passes) grows with the corpus.
The sample's error is stated: each model's NPMI comes with its delete-a-group jackknife
standard error (:meth:`Reference.npmi_replicates`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel

from topicflow.pipelines.evaluate import windows
from topicflow.pipelines.text.packed import PackedTokens

# The reference holds at most this many tokens; a larger corpus is measured on a seeded
# sample of whole documents. 20 Newsgroups has 1.4 M, so only corpora several times its
# size are sampled (a million short spans hold 7 M tokens: 70 % of them is kept).
REFERENCE_TOKENS = 5_000_000
REFERENCE_SEED = 0  # a fixed sample: runs with other model seeds are measured alike
# Groups of documents the sampling error is estimated over (delete-a-group jackknife).
JACKKNIFE_GROUPS = 10


@dataclass(frozen=True)
class Reference:
    """The tokens every coherence number is computed on, and their vocabulary."""

    tokens: Sequence[Sequence[str]]
    vocabulary: Dictionary
    corpus_documents: int | None = None  # set when ``tokens`` are a sample of that many

    @property
    def sampled(self) -> bool:
        return self.corpus_documents is not None

    def facts(self) -> dict:
        """For ``metrics.json``: what every coherence number was measured on."""
        documents = len(self.tokens)
        return {
            "documents": documents,
            "tokens": int(self._index.starts[-1]),
            "corpus_documents": documents
            if self.corpus_documents is None
            else self.corpus_documents,
            "sampled": self.sampled,
            "max_tokens": REFERENCE_TOKENS,
            "seed": REFERENCE_SEED,
        }

    def coherence(
        self, topics: Sequence[Sequence[str]], measure: str = "c_npmi", topn: int = 10
    ) -> list[float]:
        """Per-topic coherence of each topic's first ``topn`` words (NaN for an empty topic)."""
        usable = [list(words[:topn]) for words in topics]
        if measure == "c_npmi":
            return windows.npmi(self._index, self._ids(usable, topn))
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

    def npmi_and_unseen(
        self, topics: Sequence[Sequence[str]], topn: int = 10
    ) -> tuple[list[float], list[float]]:
        """:meth:`npmi`, and per topic the share of its word pairs no window holds
        together (:func:`.windows.npmi_and_unseen`), counted in one pass."""
        return windows.npmi_and_unseen(self._index, self._ids(topics, topn))

    def npmi_replicates(
        self, topics: Sequence[Sequence[str]], topn: int = 10
    ) -> tuple[list[float], list[list[float]]]:
        """:meth:`npmi`, and the same with each of ``JACKKNIFE_GROUPS`` random groups of
        the reference's documents left out (see :func:`jackknife_error`)."""
        ids = self._ids(topics, topn)
        return windows.npmi_replicates(self._index, ids, JACKKNIFE_GROUPS)

    def _ids(self, topics: Sequence[Sequence[str]], topn: int) -> list[np.ndarray]:
        token2id = self.vocabulary.token2id
        return [np.array([token2id[w] for w in words[:topn] if w in token2id]) for words in topics]

    @cached_property
    def _index(self) -> windows.TokenIndex:
        # Built once per reference (a frozen dataclass still takes a cached_property).
        if isinstance(self.tokens, PackedTokens):
            return self.tokens.token_index()  # already ids
        return windows.TokenIndex.build(self.tokens, self.vocabulary.token2id)


def bounded_reference(tokens: Sequence[Sequence[str]], vocabulary: Dictionary) -> Reference:
    """The corpus as the reference, or, above ``REFERENCE_TOKENS`` tokens, a seeded sample
    of whole documents holding at most that many, in random order (so that the
    jackknife's groups, every tenth document, are random groups)."""
    if isinstance(tokens, PackedTokens):
        lengths = tokens.lengths()
    else:
        lengths = np.fromiter((len(doc) for doc in tokens), dtype=np.int64, count=len(tokens))
    if lengths.sum() <= REFERENCE_TOKENS:
        return Reference(tokens, vocabulary)
    order = np.random.default_rng(REFERENCE_SEED).permutation(len(tokens))
    kept = int(np.searchsorted(np.cumsum(lengths[order]), REFERENCE_TOKENS, side="right"))
    kept = max(kept, 1)  # a first document longer than the cap is still a reference
    if isinstance(tokens, PackedTokens):
        sample = tokens.take(order[:kept])
    else:
        sample = [tokens[i] for i in order[:kept]]
    return Reference(sample, vocabulary, corpus_documents=len(tokens))


def jackknife_error(replicates: Sequence[float]) -> float:
    """The delete-a-group jackknife standard error of an estimate from its replicates
    (the estimate with each group left out): sqrt((g - 1) / g * sum((r - mean r)^2)).
    The groups hold the same number of documents (give or take one), not of windows."""
    values = np.asarray([v for v in replicates if np.isfinite(v)], dtype=float)
    if len(values) < 2:
        return float("nan")
    g = len(values)
    return float(np.sqrt((g - 1) / g * np.sum((values - values.mean()) ** 2)))


def word_cosine(
    topics: Sequence[Sequence[str]], encoder: Callable[[list[str]], np.ndarray], topn: int = 10
) -> list[float]:
    """Per topic, the mean cosine between the embedding model's vectors of its first
    ``topn`` words (a phrase token read as its words), over every pair (NaN below two
    words): word-embedding coherence, which needs no co-occurrence in the corpus, so it
    still measures topics of documents a few words long (Fang et al., SIGIR 2016, for
    tweets). Every distinct word is embedded once."""
    lists = [list(words[:topn]) for words in topics]
    vectors = WordVectors([w for words in lists for w in words], encoder)
    return [vectors.cosine(words) for words in lists]


class WordVectors:
    """Unit vectors of words in the embedding model's space, each distinct word embedded
    once (a phrase token ``new_york`` is read as its words)."""

    def __init__(self, words: Iterable[str], encoder: Callable[[list[str]], np.ndarray]):
        vocabulary = sorted(set(words))
        self._row = {w: i for i, w in enumerate(vocabulary)}
        self._unit = np.zeros((0, 0))
        if vocabulary:
            vectors = np.array(encoder([w.replace("_", " ") for w in vocabulary]), np.float64)
            self._unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def cosine(self, words: Sequence[str]) -> float:
        """Mean cosine over every pair of ``words`` (NaN below two words)."""
        first, second = np.triu_indices(len(words), 1)
        if not len(first):
            return float("nan")
        at = self._rows(words)
        return float(np.einsum("ij,ij->i", self._unit[at[first]], self._unit[at[second]]).mean())

    def between(self, words: Sequence[str], others: Sequence[str]) -> float:
        """Mean cosine over every pair of one word of ``words`` and one of ``others``."""
        if not len(words) or not len(others):
            return float("nan")
        return float((self._unit[self._rows(words)] @ self._unit[self._rows(others)].T).mean())

    def _rows(self, words: Sequence[str]) -> np.ndarray:
        return np.array([self._row[w] for w in words], dtype=np.int64)


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
