"""NPMI from boolean sliding windows, counted exactly as gensim's ``c_npmi`` counts them,
with numpy instead of gensim's Python loop over every window of the corpus.

gensim slides a window of ``size`` tokens over each document (a document shorter than
that is one window) and counts, per window, which words it holds. It keeps the set of
words of the current window incrementally: sliding one token on, it unmarks the token
that left and marks the one that came in, so a word whose earlier copy leaves the window
counts as absent although another copy is still inside. The counts here follow that
rule, so the numbers are gensim's to the last bit (``tests/.../test_windows.py``
checks it against gensim); on 20 Newsgroups one pass took 17 s in gensim.

Per word and document, the marks are events: a copy at position ``p`` is marked at step
``max(0, p - size + 1)`` (the first window, or the step it comes in) and unmarked at
step ``p + 1`` (when it leaves, if a later window exists); within a step the unmarking
comes first. A word is present in a window when the last event at or before its step
marks it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

EPSILON = 1e-12  # gensim's, in the log ratio


@dataclass(frozen=True)
class TokenIndex:
    """Every document's tokens as vocabulary ids (-1 outside it), concatenated."""

    ids: np.ndarray  # int32, all documents' tokens in order
    starts: np.ndarray  # int64, document d is ids[starts[d]:starts[d + 1]]

    @classmethod
    def build(cls, tokens: Sequence[Sequence[str]], token2id: Mapping[str, int]) -> TokenIndex:
        lengths = np.fromiter((len(doc) for doc in tokens), dtype=np.int64, count=len(tokens))
        ids = np.fromiter(
            (token2id.get(token, -1) for doc in tokens for token in doc),
            dtype=np.int32,
            count=int(lengths.sum()),
        )
        return cls(ids, np.concatenate([[0], np.cumsum(lengths)]))

    def windows(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Each document's number of windows (at least one) and where its first window is
        in the corpus's numbering of windows."""
        count = np.maximum(1, np.diff(self.starts) - size + 1)
        return count, np.concatenate([[0], np.cumsum(count)[:-1]])


def window_presence(index: TokenIndex, words: np.ndarray, size: int) -> sp.csc_matrix:
    """Windows x ``words`` (vocabulary ids), True where gensim counts the word present."""
    n_windows, first = index.windows(size)
    column = np.full(max(int(index.ids.max(initial=-1)) + 1, 1), -1, dtype=np.int64)
    column[words] = np.arange(len(words))
    where = np.flatnonzero((index.ids >= 0) & (column[np.maximum(index.ids, 0)] >= 0))
    word = column[index.ids[where]]
    doc = np.searchsorted(index.starts, where, side="right") - 1
    position = where - index.starts[doc]
    # Marks (1) and unmarks (0) by step; an unmark only while a later window exists.
    leaves = position + 1 < n_windows[doc]
    step = np.concatenate([np.maximum(0, position - size + 1), position[leaves] + 1])
    kind = np.concatenate([np.ones(len(where), np.int8), np.zeros(int(leaves.sum()), np.int8)])
    word, doc = np.concatenate([word, word[leaves]]), np.concatenate([doc, doc[leaves]])
    order = np.lexsort((kind, step, doc, word))
    word, doc, step, kind = word[order], doc[order], step[order], kind[order]
    # The state after a step is its last event's; it holds until the pair's next step.
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (word[1:] != word[:-1]) | (doc[1:] != doc[:-1]) | (step[1:] != step[:-1])
    word, doc, step, kind = word[last], doc[last], step[last], kind[last]
    until = n_windows[doc].copy()
    same = (word[1:] == word[:-1]) & (doc[1:] == doc[:-1])
    until[:-1][same] = step[1:][same]
    marked = kind == 1
    begin, length = first[doc[marked]] + step[marked], (until - step)[marked]
    rows = np.repeat(begin - np.concatenate([[0], np.cumsum(length)[:-1]]), length)
    rows += np.arange(int(length.sum()))
    columns = np.repeat(word[marked], length)
    shape = (int(n_windows.sum()), len(words))
    return sp.csc_matrix((np.ones(len(rows), dtype=np.int64), (rows, columns)), shape=shape)


def npmi(index: TokenIndex, topics: Sequence[np.ndarray], size: int = 10) -> list[float]:
    """gensim's ``c_npmi`` of each topic (vocabulary ids, best first): the mean NPMI over
    every ordered pair of its words (NaN below two words)."""
    if not topics:
        return []
    words = np.unique(np.concatenate([np.asarray(t, dtype=np.int64) for t in topics]))
    presence = window_presence(index, words, size)
    together = (presence.T @ presence).tocsr()  # the diagonal holds each word's windows
    n_windows = float(presence.shape[0])
    alone = together.diagonal() / n_windows
    result = []
    for topic in topics:
        at = np.searchsorted(words, topic)
        first, second = np.meshgrid(at, at, indexing="ij")
        pairs = ~np.eye(len(at), dtype=bool)  # gensim's s_one_one order: row by row
        first, second = first[pairs], second[pairs]
        if not len(first):
            result.append(float("nan"))
            continue
        co = np.asarray(together[first, second]).ravel() / n_windows
        ratio = np.log((co + EPSILON) / (alone[first] * alone[second]))
        result.append(float(np.mean(ratio / -np.log(co + EPSILON))))
    return result
