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

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from gensim.corpora import Dictionary
from sklearn.base import BaseEstimator

from topicflow.pipelines.evaluate.coherence import Reference
from topicflow.pipelines.models.words import count_matrix

# Embeds arbitrary short texts (words, phrases) in the document vectors' space.
Encoder = Callable[[list[str]], np.ndarray]


@dataclass
class PreparedCorpus:
    """What every model fits on: one tokenisation, one vocabulary, and the document vectors.

    ``texts`` are the cleaned texts the embedding model read; ``tokens`` are each
    document's tokens in ``vocabulary`` (the shared reference for every coherence
    number); ``vectors`` are the document embeddings (None when no model needs them);
    ``encoder`` embeds other text in the same space, loading the model only when called.
    """

    texts: list[str]
    tokens: list[list[str]]
    vocabulary: Dictionary
    vectors: np.ndarray | None = None
    encoder: Encoder | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def reference(self) -> Reference:
        return Reference(self.tokens, self.vocabulary)

    @cached_property
    def counts(self) -> sp.csr_matrix:
        """Documents x vocabulary token counts."""
        return count_matrix(self.tokens, self.vocabulary)

    def subset(self, rows: np.ndarray | list[int]) -> PreparedCorpus:
        """The corpus restricted to ``rows`` (in that order), for placing new documents."""
        rows = list(rows)
        return PreparedCorpus(
            texts=[self.texts[i] for i in rows],
            tokens=[self.tokens[i] for i in rows],
            vocabulary=self.vocabulary,
            vectors=None if self.vectors is None else self.vectors[rows],
            encoder=self.encoder,
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("counts", None)  # derived and large: rebuilt where needed
        return state


class TopicModel(BaseEstimator):
    """Base class of every model family (see the module docstring for the protocol).

    Subclasses set ``needs_vectors`` and implement ``fit`` and ``transform``. Two
    optional capabilities have defaults here: ``document_map`` (the model's own 2-D
    layout of the documents it was fitted on, for the report's map) and ``novel``
    (which new documents the fitted topics do not describe, for incremental updates).
    """

    needs_vectors: ClassVar[bool] = False

    def __init__(self, config: Any = None, random_state: int = 0, top_words: int = 10) -> None:
        """``config``: the model's section of the config (None: its defaults);
        ``random_state``: the run's seed; ``top_words``: words kept per topic."""
        self.config = config
        self.random_state = random_state
        self.top_words = top_words

    def fit(self, corpus: PreparedCorpus, y=None) -> TopicModel:
        raise NotImplementedError

    def transform(self, corpus: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
        """Each document's topic (``UNASSIGNED`` when none fits) and its score."""
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
