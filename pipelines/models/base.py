"""The topic-model protocol: what every model family implements and what it is fitted on.

A model is a scikit-learn-style estimator. ``__init__`` stores its parameters (its
own config section, the seed and the number of topic words); ``fit`` reads a
:class:`PreparedCorpus` and sets ``topics_``, a :class:`TopicSet` (words, weights,
each document's topic and how strongly it belongs there); ``transform`` places other
documents (prepared the same way) in the fitted topics, which incremental updates use.
Everything downstream (comparison, report, history, drift, stability) reads only
this protocol, so a new family is one package and one line in the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, NoReturn

import numpy as np
import scipy.sparse as sp
from gensim.corpora import Dictionary
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.evaluate.coherence import Reference, bounded_reference
from topicflow.pipelines.io.disk_array import release
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.granularity.rule import choose_level
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.models.tree import Profile, build_tree
from topicflow.pipelines.models.words import count_matrix
from topicflow.pipelines.text.packed import PackedTokens

# Embeds arbitrary short texts (words, phrases) in the document vectors' space.
Encoder = Callable[[list[str]], np.ndarray]


class WithoutTexts(Sequence[str]):
    """The ``texts`` of a corpus sent without them (:meth:`PreparedCorpus.words_only`):
    any read is a model reading what it said it does not need, and fails loudly rather
    than finding no texts."""

    def _missing(self, *_: object) -> NoReturn:
        raise RuntimeError("this corpus was sent without its texts (words_only)")

    __len__ = __getitem__ = __iter__ = _missing


@dataclass
class PreparedCorpus:
    """What every model fits on: one tokenisation, one vocabulary, and the document vectors.

    ``texts`` are the cleaned texts the embedding model read; ``tokens`` are each
    document's tokens in ``vocabulary`` (the shared reference for every coherence
    number); ``vectors`` are the document embeddings (None when no model needs them);
    ``encoder`` embeds other text in the same space, loading the model only when called.
    """

    texts: Sequence[str]
    tokens: PackedTokens  # token lists are packed on the way in
    vocabulary: Dictionary
    vectors: np.ndarray | None = None
    encoder: Encoder | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.tokens = PackedTokens.of(self.tokens, self.vocabulary)

    def __len__(self) -> int:
        return len(self.tokens)

    @cached_property
    def reference(self) -> Reference:
        # One per corpus: it keeps the index its NPMI counts windows in.
        return bounded_reference(self.tokens, self.vocabulary)

    @cached_property
    def counts(self) -> sp.csr_matrix:
        """Documents x vocabulary token counts."""
        return count_matrix(self.tokens, self.vocabulary)

    def subset(self, rows: np.ndarray | list[int]) -> PreparedCorpus:
        """The corpus restricted to ``rows`` (in that order), for placing new documents."""
        rows = list(rows)
        return PreparedCorpus(
            texts=[self.texts[i] for i in rows],
            tokens=self.tokens.take(rows),
            vocabulary=self.vocabulary,
            vectors=None if self.vectors is None else _rows_of(self.vectors, rows),
            encoder=self.encoder,
        )

    def words_only(self) -> PreparedCorpus:
        """The corpus without its texts and vectors, for a model that reads only tokens in
        a process of its own: a million short texts are 190 MB more to pickle, send and
        hold there. Reading its ``texts`` raises (:class:`WithoutTexts`). The encoder
        stays (it travels without its model, which loads only if called: the granularity
        rule embeds topic words on corpora of very short documents)."""
        return PreparedCorpus(
            WithoutTexts(), tokens=self.tokens, vocabulary=self.vocabulary, encoder=self.encoder
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("counts", None)  # derived and large: rebuilt where needed
        return state


def _rows_of(vectors: np.ndarray, rows: list[int]) -> np.ndarray:
    """A copy of ``rows`` of ``vectors``, letting go of the pages read (when on disk:
    scattered rows touch most of the file)."""
    copy = vectors[rows]
    release(vectors)
    return copy


class TopicModel(BaseEstimator):
    """Base class of every model family (see the module docstring for the protocol).

    Every family fits *leaf* topics and merges them into a tree (:mod:`.tree`); the
    topics it reports are a cut of that tree. ``fit`` here is the same for all: steps
    1 to 3 are :meth:`grow`, step 4 is :meth:`set_level`.

    1. ``_fit_leaves(corpus)`` (the family's own work) sets ``leaf_assignments_``
       (each document's leaf topic or ``UNASSIGNED``);
    2. ``_leaf_profiles(corpus)`` describes the leaves for merging; ``tree_`` is built;
    3. the level: the family's ``n_topics`` when it is a number, else the granularity
       rule's choice (:mod:`.granularity`), kept as ``preferred_`` (with every cut's
       numbers in ``levels_``);
    4. ``set_level`` realises that cut as ``topics_`` through ``_topics_at(groups, k,
       corpus)``, the family's way to describe merged topics (a mixture family fits
       the level afresh first and rebuilds the tree around that fit).

    ``transform`` places other documents at the current level; two optional
    capabilities have defaults here: ``document_map`` (the model's own 2-D layout of
    the documents it was fitted on, for the report's map) and ``novel`` (which new
    documents the fitted topics do not describe, for incremental updates).
    """

    needs_vectors: ClassVar[bool] = False
    # Whether set_level fits the family afresh at any count (the mixture families), so
    # that a run's matched level can follow the families that can only cut their tree.
    refits_levels: ClassVar[bool] = False

    def __init__(
        self,
        config: Any = None,
        random_state: int = 0,
        top_words: int = 10,
        granularity: GranularityConfig | None = None,
    ) -> None:
        """``config``: the model's section of the config (None: its defaults);
        ``random_state``: the run's seed; ``top_words``: words kept per topic;
        ``granularity``: the shared rule for ``n_topics: auto`` (None: its defaults)."""
        self.config = config
        self.random_state = random_state
        self.top_words = top_words
        self.granularity = granularity

    def fit(self, corpus: PreparedCorpus, y=None) -> TopicModel:
        """:meth:`grow` the tree, then report the level the model prefers."""
        return self.grow(corpus).set_level(self.preferred_, corpus)

    def grow(self, corpus: PreparedCorpus) -> TopicModel:
        """Fit the leaves, build their tree and pick the preferred count (``preferred_``,
        every cut's numbers in ``levels_``), without reporting a level yet: a run that
        reports every model at one matched level calls :meth:`set_level` once, with it."""
        self.check_corpus(corpus)
        self._fit_leaves(corpus)
        leaves = self.leaf_assignments_
        # The grown tree's leaves: the counts a run can match (the tree around a reported
        # level can have fewer, :meth:`set_level`).
        self.n_grown_leaves_ = n_leaves = self._n_leaves()
        sizes = np.bincount(leaves[leaves != UNASSIGNED], minlength=n_leaves)
        self.tree_ = build_tree(self._leaf_profiles(corpus), sizes)
        requested = getattr(self._config(), "n_topics", "auto")
        if isinstance(requested, int):
            self.preferred_, self.levels_ = min(requested, n_leaves), None
        elif requested == "auto" and n_leaves > 1:
            rule = self.granularity or GranularityConfig()
            self.preferred_, self.levels_ = choose_level(self.tree_, leaves, corpus, rule)
        else:  # every leaf its own topic ("natural"), or a single leaf
            self.preferred_, self.levels_ = n_leaves, None
        return self

    def set_level(self, n_topics: int, corpus: PreparedCorpus) -> TopicModel:
        """Report the tree cut at ``n_topics`` (capped at the leaves) from now on:
        ``topics_``, ``level_``, ``groups_`` (each leaf's topic at this level) and
        ``requested_level_`` (``n_topics`` as asked). A family
        may fit the level afresh here (the mixture families do, :mod:`.mixture`)."""
        check_is_fitted(self, "tree_")
        self.requested_level_ = int(n_topics)
        self.level_ = min(max(int(n_topics), 1), self.tree_.n_leaves)
        self.groups_ = self.tree_.partition(self.level_)
        self.topics_ = self.topics_at(self.level_, corpus)
        return self

    def topics_at(self, n_topics: int, corpus: PreparedCorpus) -> TopicSet:
        """The topics of the tree cut at ``n_topics`` (capped at the leaves), without
        changing the reported level. Topics are numbered largest first; a document's
        topic is the one its leaf falls in, so levels nest."""
        check_is_fitted(self, "tree_")
        k = min(max(int(n_topics), 1), self.tree_.n_leaves)
        groups = self.tree_.partition(k)
        topics = self._topics_at(groups, k, corpus)
        topics.extra.setdefault("n_leaves", self.tree_.n_leaves)
        return topics

    def _config(self) -> Any:
        return self.config

    def _n_leaves(self) -> int:
        raise NotImplementedError

    def _fit_leaves(self, corpus: PreparedCorpus) -> None:
        raise NotImplementedError

    def _leaf_profiles(self, corpus: PreparedCorpus) -> list[Profile]:
        raise NotImplementedError

    def _topics_at(self, groups: np.ndarray, n_topics: int, corpus: PreparedCorpus) -> TopicSet:
        raise NotImplementedError

    def transform(self, corpus: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
        """Each document's topic at the current level (``UNASSIGNED`` when none fits)
        and its score."""
        raise NotImplementedError

    def document_map(self, seed: int) -> np.ndarray | None:
        """The fitted documents laid out in 2-D (e.g. from the model's own UMAP space),
        or None when the model has no layout of its own."""
        return None

    def novel(self, corpus: PreparedCorpus) -> np.ndarray | None:
        """Which documents no fitted topic describes, or None when the model cannot tell."""
        return None

    def check_corpus(self, corpus: PreparedCorpus) -> None:
        if self.needs_vectors and corpus.vectors is None:
            raise ValueError(f"{type(self).__name__} needs document vectors; the corpus has none")
        if corpus.vectors is not None and len(corpus.vectors) != len(corpus.tokens):
            raise ValueError(f"{len(corpus.vectors)} vectors for {len(corpus.tokens)} documents")
