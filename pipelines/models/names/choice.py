"""Step 3 of naming: each topic's name from its shortlist, by maximal marginal relevance.

Relevance is a phrase's cosine to the topic in the encoder's space plus ``KL_WEIGHT``
times its normalised KL score; redundancy is its largest cosine to the phrases already
in this name and in the names other topics of the model took (the largest topics are
named first). Without an encoder, relevance is the KL score and redundancy is word
overlap. See :mod:`models.names` for the whole method and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from topicflow.pipelines.models.names.phrases import PhraseIndex, plain_spelling, word_count
from topicflow.pipelines.models.names.shortlist import topic_shortlists
from topicflow.pipelines.vectors.centroids import topic_vectors_from_documents

# Embeds short texts in the documents' vector space (``PreparedCorpus.encoder``).
Encoder = Callable[[list[str]], np.ndarray]

MIN_WORDS, MAX_WORDS = 2, 4  # words per name, connectors included
# Relevance adds this share of the phrase's (max-normalised) KL score to its cosine: usage
# that is concentrated in the topic counts besides meaning (benchmarks/results/topic_names.md).
KL_WEIGHT = 0.3


def name_topics(
    index: PhraseIndex,
    assignments: np.ndarray,
    n_topics: int,
    *,
    topic_words: Sequence[Sequence[str]] = (),
    vectors: np.ndarray | None = None,
    encoder: Encoder | None = None,
    candidates: int = 30,
    diversity: float = 0.5,
) -> list[str]:
    """A distinct name of 2 to 4 words for each topic ``0..n_topics-1`` of one model.

    ``assignments`` holds each document's topic (negative: none). ``topic_words`` (best
    first) stand for a topic in the encoder's space when there are no ``vectors``, and
    name a topic no phrase fits. Without an ``encoder`` the KL score alone ranks phrases
    and word overlap measures redundancy.
    """
    assignments = np.asarray(assignments)
    if len(assignments) != index.documents.shape[0]:
        raise ValueError(f"{len(assignments)} assignments for {index.documents.shape[0]} documents")
    words = [list(w) for w in topic_words][:n_topics]
    words += [[] for _ in range(n_topics - len(words))]
    shortlists, scores = topic_shortlists(index, assignments, n_topics, candidates)
    space = _Space.of(index, shortlists, assignments, words, vectors, encoder)
    sizes = np.bincount(
        assignments[(assignments >= 0) & (assignments < n_topics)], minlength=n_topics
    )
    names: dict[int, str] = {}
    taken: list[int] = []  # phrases (columns of the index) in the names given so far
    for topic in sorted(range(n_topics), key=lambda t: (-int(sizes[t]), t)):
        short = shortlists[topic]
        relevance = _relevance(space, topic, short, scores[topic])
        chosen = _compose(index, space, short, relevance, taken, diversity, names.values())
        if chosen is None:
            names[topic] = _fallback(words[topic], topic, names.values())
        else:
            names[topic] = chosen[0]
            taken += chosen[1]
    return [names[t] for t in range(n_topics)]


@dataclass
class _Space:
    """Phrases and topics in the encoder's space (unit vectors), or None without one."""

    index: PhraseIndex
    phrases: dict[int, np.ndarray] | None  # index column -> vector
    topics: np.ndarray | None  # topic -> vector

    @classmethod
    def of(cls, index, shortlists, assignments, words, vectors, encoder) -> _Space:
        if encoder is None:
            return cls(index, None, None)
        topics = _topic_vectors(assignments, len(shortlists), words, vectors, encoder)
        pool = sorted({j for short in shortlists for j in short})
        if topics is None or not pool:
            return cls(index, None, None)
        embedded = _unit(encoder([index.spellings[j] for j in pool]))
        return cls(index, dict(zip(pool, embedded, strict=True)), topics)

    def similarity(self, j: int, others: Sequence[int]) -> float:
        """The largest similarity of phrase ``j`` to ``others``: cosine, or the Jaccard
        overlap of their words without an encoder."""
        if not others:
            return 0.0
        if self.phrases is not None:
            return float(np.max(np.stack([self.phrases[k] for k in others]) @ self.phrases[j]))
        mine = self.index.tokens(j)
        return max(len(mine & (t := self.index.tokens(k))) / len(mine | t) for k in others)


def _relevance(space: _Space, topic: int, short: list[int], scores: np.ndarray) -> np.ndarray:
    """How well each shortlisted phrase fits the topic: cosine to the topic plus
    ``KL_WEIGHT`` times its normalised KL score (the KL score alone without an encoder)."""
    kl = scores / scores.max() if len(scores) and scores.max() > 0 else np.zeros(len(short))
    if space.phrases is None:
        return kl
    cosine = np.array([space.phrases[j] @ space.topics[topic] for j in short])
    return cosine + KL_WEIGHT * kl


def _compose(index, space, short, relevance, taken, diversity, names):
    """The best name from one topic's shortlist by maximal marginal relevance, against the
    phrases other topics' names hold, as ``(name, phrases)``; None when no phrase gives a
    name that is not taken yet."""
    given = {n.lower() for n in names}
    against = np.array([space.similarity(j, taken) for j in short])
    order = np.argsort(-((1 - diversity) * relevance - diversity * against), kind="stable")
    for i in order:
        head = index.spellings[short[i]]
        if word_count(head) > MAX_WORDS or head.lower() in given:
            continue
        if word_count(head) >= MIN_WORDS:
            return head, [short[i]]
        # A single word: join the best phrase that shares no word with it.
        best, best_score = None, -np.inf
        for k, j in enumerate(short):
            tail = index.spellings[j]
            if k == i or index.tokens(j) & index.tokens(short[i]):
                continue
            if word_count(head) + word_count(tail) > MAX_WORDS or f"{head} {tail}".lower() in given:
                continue
            redundancy = max(against[k], space.similarity(j, [short[i]]))
            score = (1 - diversity) * relevance[k] - diversity * redundancy
            if score > best_score:
                best, best_score = k, score
        if best is not None:
            return f"{head} {index.spellings[short[best]]}", [short[i], short[best]]
    return None


def _topic_vectors(
    assignments: np.ndarray,
    n_topics: int,
    words: list[list[str]],
    vectors: np.ndarray | None,
    encoder: Encoder,
) -> np.ndarray | None:
    """Each topic's direction in the encoder's space: the centroid of its documents'
    vectors, else (no vectors, or no documents) the embedding of its top words."""
    centers: np.ndarray | None = None
    missing = list(range(n_topics))
    if vectors is not None and len(vectors):
        # Blocks of documents at a time: no float64 copy of every vector per named level.
        labels = np.where((assignments >= 0) & (assignments < n_topics), assignments, -1)
        centers = topic_vectors_from_documents(vectors, labels, n_topics)
        missing = [t for t in range(n_topics) if not centers[t].any()]
    described = [t for t in missing if words[t]]
    if described:
        texts = [" ".join(plain_spelling(w) for w in words[t][:10]) for t in described]
        embedded = _unit(encoder(texts))
        if centers is None:
            centers = np.zeros((n_topics, embedded.shape[1]))
        centers[described] = embedded
    return None if centers is None else _unit(centers)


def _fallback(words: Sequence[str], topic: int, names: Iterable[str]) -> str:
    """A name from the topic's top words when no phrase gives one: the first words that
    make 2 to 4 words and a name not given yet, else ``topic <id>``."""
    given = {n.lower() for n in names}
    name: list[str] = []
    for word in words:
        part = plain_spelling(word).split()
        if len(name) + len(part) > MAX_WORDS:
            continue
        name += part
        if len(name) >= MIN_WORDS and " ".join(name).lower() not in given:
            return " ".join(name)
    return f"topic {topic}"


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.atleast_2d(np.asarray(matrix, dtype=np.float64))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
