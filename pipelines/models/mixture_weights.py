"""A fitted mixture (LDA, NMF) as weights: each document's topic, and which topics are
no theme (background, generic).

Both families describe a document as weights over topics (``weights``: documents x
topics, LDA's proportions, NMF's W rescaled so that each topic's word row sums to one)
and a topic as a distribution over words (``distributions``: topics x vocabulary).
Merging topics of a mixture is adding them: the merged topic's weight in a document is
the sum of its parts', its word distribution their mixture weighted by mass.

*A document's topic* (and leaf) is the one that most likely produced it, among the
topics that hold a real share of it (:meth:`Mixture.specificity`), not simply its
largest weight: that choice favours the topics every document uses a little of.

*Background topics.* On corpora of conversation (20 Newsgroups) a mixture model spends
a topic on the words every document uses ("one, like, think, get, know"); as a
document's largest weight it claimed 39 % of the posts. Such a topic is present in most
documents but the main theme of few of them (:func:`background_topics`); it is kept out
of the topics (no document is assigned to it, no comparison sees it) and reported as
the model's ``background`` words. *Generic topics* (:mod:`.generic`: the words of
conversation, in few documents, whose documents are about many things) are kept out
the same way and reported with them, as ``kind: generic`` (:func:`topic_kinds`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from topicflow.pipelines.blocks import row_blocks
from topicflow.pipelines.models.generic import generic_topics
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.models.tree import Profile, distribution_view

# Topic-word distributions (topics x vocabulary) -> each topic's top word ids, best first.
WordOrder = Callable[[np.ndarray], np.ndarray]

# A topic is *present* in a document when it holds at least this share of its weights.
PRESENT = 0.1
# Background: present in at least this share of the documents...
BACKGROUND_PRESENCE = 0.5
# ...and the largest topic in at most this share of the documents it is present in.
BACKGROUND_LEADS = 0.5
# A fitted topic's kind (:func:`topic_kinds`): only content topics are reported as topics.
CONTENT, BACKGROUND, GENERIC = "content", "background", "generic"


@dataclass
class Mixture:
    """A fitted mixture: documents' topic weights and the topics' word distributions."""

    weights: np.ndarray  # documents x topics, non-negative
    distributions: np.ndarray  # topics x vocabulary, rows sum to 1 (or 0 for a dead topic)
    has_words: np.ndarray  # documents with at least one vocabulary word
    # Each document's number of vocabulary tokens; None: every document long enough that
    # a PRESENT share of it is half a token (see :meth:`present`).
    lengths: np.ndarray | None = None

    def __post_init__(self) -> None:
        # Held as float32 (LDA's are float32 from gensim; NMF's float64 W loses digits past
        # the seventh, which no assignment or share here resolves); the arithmetic on them
        # is float64 (shares, mass, merged). A model keeps two of these (leaves, reported
        # level): 270 MB instead of 540 for 40 and 26 topics of a million documents, in
        # the fitting process and in the run's.
        self.weights = np.asarray(self.weights, dtype=np.float32)

    @property
    def n_topics(self) -> int:
        return self.distributions.shape[0]

    def usable(self) -> np.ndarray:
        """Documents with words and some weight (the others stay unassigned)."""
        return self.has_words & (self.weights.sum(axis=1) > 0)

    def largest(self) -> np.ndarray:
        """Each document's largest-weight topic (``UNASSIGNED`` without words or weight)."""
        best = self.weights.argmax(axis=1) if self.n_topics else np.zeros(len(self.weights))
        return np.where(self.usable(), best, UNASSIGNED).astype(np.int64)

    def prevalence(self) -> np.ndarray:
        """Each topic's mean share of the usable documents' weights: P(topic)."""
        total = np.zeros(self.n_topics)
        for _, part in self.blocks():
            total += part.shares()[part.usable()].sum(axis=0)
        return total / max(int(self.usable().sum()), 1)

    def present(self, shares: np.ndarray) -> np.ndarray:
        """Documents x topics, for :func:`background_topics`: the topic holds at least
        ``PRESENT`` of the document and at least half a token's worth of it. In a
        document of two tokens a model's prior spreads the weights, so a share alone
        finds most topics present everywhere and leading few documents: LDA alone on
        subject lines (two tokens a line) found three of its five topics background and
        reported two, one of them holding 65 % of the lines. Half a token, not one: LDA's
        proportions include its prior, so a topic that produced one of two tokens holds
        about 0.38 of the document, and the one word of a one-token line about 0.6. From
        five tokens on a ``PRESENT`` share is half a token, so longer documents are
        counted as before. (A document's own topic, :meth:`specificity`, still goes by
        the share: with a floor the two-token lines went to their largest topic, and
        LDA's largest topic on them grew from 9 % to 15 % of the lines at 14 topics.)"""
        if self.lengths is None:
            return shares >= PRESENT
        floor = np.divide(0.5, self.lengths, out=np.ones(len(shares)), where=self.lengths > 0)
        return shares >= np.maximum(PRESENT, floor)[:, None]

    def present_counts(self) -> np.ndarray:
        """How many usable documents each topic is present in (:meth:`present`)."""
        counts = np.zeros(self.n_topics, dtype=np.int64)
        for _, part in self.blocks():
            counts += part.present(part.shares())[part.usable()].sum(axis=0)
        return counts

    def specificity(self, prevalence: np.ndarray) -> np.ndarray:
        """Documents x topics, larger for the topic a document is more specifically about.

        Among the topics *present* in a document (at least ``PRESENT`` of its weight):
        its share over the topic's prevalence, P(t|d) / P(t), which is proportional to
        P(d|t), the likelihood that the topic produced the document. Taking the largest
        share instead (the a-posteriori choice) hands every document whose theme is
        small to the topics every document uses a little of: on 20 Newsgroups a 26-topic
        LDA's largest topic then held 20 % of the posts, against 7.8 % this way (and
        NMI 0.387 against 0.409). Topics not present score below every present one, by
        their share, so a document without a present topic gets its largest share."""
        shares = self.shares()
        ratio = np.divide(
            shares, prevalence[None, :], out=np.zeros_like(shares), where=prevalence[None, :] > 0
        )
        return np.where(shares >= PRESENT, ratio, shares - 1.0)

    def assign(self, prevalence: np.ndarray | None = None) -> np.ndarray:
        """Each document's topic by :meth:`specificity` (``prevalence``: the fitted
        corpus's, for new documents; by default these documents' own)."""
        prevalence = self.prevalence() if prevalence is None else prevalence
        topics = np.full(len(self.weights), UNASSIGNED, dtype=np.int64)
        if not self.n_topics:
            return topics
        for block, part in self.blocks():
            best = part.specificity(prevalence).argmax(axis=1)
            topics[block] = np.where(part.usable(), best, UNASSIGNED)
        return topics

    def shares(self) -> np.ndarray:
        """Each document's weights over their sum (float64; a block's at a time)."""
        weights = self.weights.astype(np.float64)
        totals = weights.sum(axis=1, keepdims=True)
        return np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)

    def blocks(self) -> Iterator[tuple[np.ndarray, Mixture]]:
        """The documents' indices and their mixture, a block at a time (``row_blocks``):
        every documents x topics product (shares, specificity) of a large corpus is as
        large as the weights, 400 MB for 50 topics of a million documents."""
        for block in row_blocks(np.arange(len(self.weights))):
            lengths = None if self.lengths is None else self.lengths[block]
            yield (
                block,
                Mixture(self.weights[block], self.distributions, self.has_words[block], lengths),
            )

    def select(self, topics: np.ndarray) -> Mixture:
        """The mixture of ``topics`` only (a mask or indices, in that order); itself when
        that is every topic in order (no copy of a documents x topics matrix)."""
        if np.array_equal(np.arange(self.n_topics)[topics], np.arange(self.n_topics)):
            return self
        return Mixture(
            self.weights[:, topics], self.distributions[topics], self.has_words, self.lengths
        )

    def mass(self) -> np.ndarray:
        """Each topic's total weight over the documents."""
        return self.weights.sum(axis=0, dtype=np.float64)

    def profiles(self) -> list[Profile]:
        """Merge by the similarity of the word distributions (Bhattacharyya); the rows
        are mass-weighted so that adding them gives the merged topic's distribution."""
        return [Profile(self.distributions * self.mass()[:, None], distribution_view)]

    def merged(self, groups: np.ndarray, n_topics: int) -> tuple[np.ndarray, np.ndarray]:
        """The weights (documents x groups) and distributions (groups x vocabulary) of
        the topics merged into ``groups``."""
        join = np.zeros((self.n_topics, n_topics))
        join[np.arange(self.n_topics), groups] = 1.0
        weights = np.empty((len(self.weights), n_topics))
        for block in row_blocks(np.arange(len(self.weights))):  # float64, no float64 copy
            weights[block] = self.weights[block] @ join
        mixed = join.T @ (self.distributions * self.mass()[:, None])
        totals = mixed.sum(axis=1, keepdims=True)
        distributions = np.divide(mixed, totals, out=np.zeros_like(mixed), where=totals > 0)
        return weights, distributions

    def topics(
        self,
        groups: np.ndarray,
        n_topics: int,
        assignments: np.ndarray,
        vocabulary: Any,
        word_order: WordOrder,
    ) -> TopicSet:
        """The topics merged into ``groups``: words by ``word_order`` with their
        probabilities, the documents' ``assignments`` and their weight share there."""
        weights, distributions = self.merged(groups, n_topics)
        order = word_order(distributions)
        return TopicSet(
            words=[[vocabulary[int(i)] for i in row] for row in order],
            weights=[[float(distributions[t, i]) for i in row] for t, row in enumerate(order)],
            assignments=assignments,
            probabilities=weight_share(weights, assignments),
            word_distributions=distributions,
        )


def weight_share(weights: np.ndarray, topics: np.ndarray) -> np.ndarray:
    """Each document's weight share on its topic in ``topics`` (NaN where unassigned)."""
    totals = weights.sum(axis=1, dtype=np.float64)
    picked = weights[np.arange(len(weights)), np.maximum(topics, 0)].astype(np.float64)
    ok = (topics != UNASSIGNED) & (totals > 0)
    return np.where(ok, picked / np.where(totals > 0, totals, 1), np.nan)


def background_topics(mixture: Mixture) -> np.ndarray:
    """Which topics are background: present (:meth:`Mixture.present`) in at least
    ``BACKGROUND_PRESENCE`` of the documents with words, yet the largest topic in at
    most ``BACKGROUND_LEADS`` of those. A broad theme of a corpus with few themes is
    present in many documents *and* leads most of them, so it stays a topic. At most
    all topics but two are background."""
    usable = mixture.usable()
    if mixture.n_topics < 3 or not usable.any():
        return np.zeros(mixture.n_topics, dtype=bool)
    present = mixture.present_counts()
    leads = np.bincount(mixture.largest()[usable], minlength=mixture.n_topics)
    presence = present / usable.sum()
    led = leads / np.maximum(present, 1)
    background = (presence >= BACKGROUND_PRESENCE) & (led <= BACKGROUND_LEADS)
    if background.sum() > mixture.n_topics - 2:  # keep the two least background-like
        keep = np.argsort(-led)[:2]
        background[keep] = False
    return background


def topic_kinds(mixture: Mixture, vectors: np.ndarray | None) -> np.ndarray:
    """Each topic's kind: ``BACKGROUND`` (:func:`background_topics`), ``GENERIC``
    (:func:`.generic.generic_topics`, among the other topics, each document placed among
    them; only with the documents' vectors) or ``CONTENT``.

    Generic topics are judged by the documents of at least ``1 / PRESENT`` tokens, where
    a present topic is a whole token. In shorter ones the model's shares are mostly its
    prior, and which topic claims them is close to chance: on 20 Newsgroups subject
    lines (median two tokens) LDA's and NMF's topics each had 16-58 % of their lines
    nearest their own centroid, and the test found four of 14 generic; their lines
    went to the others and the largest topic grew from 9 % to 17 % of the lines. No
    subject line has ten tokens, 89 % of the posts do."""
    background = background_topics(mixture)
    kinds = np.where(background, BACKGROUND, CONTENT).astype(object)
    kept = np.flatnonzero(~background)
    if vectors is None:  # nothing to judge generic topics by: skip placing the documents
        return kinds
    topics = mixture.select(kept).assign()
    if mixture.lengths is not None:
        topics = np.where(mixture.lengths >= 1 / PRESENT, topics, UNASSIGNED)
    kinds[kept[generic_topics(vectors, topics, len(kept))]] = GENERIC
    return kinds
