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

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

EPSILON = 1e-12  # gensim's, in the log ratio
# Windows are counted this many tokens of documents at a time. 300 topics on 20
# Newsgroups (1.4 M tokens): the whole corpus at once peaked 240 MB above the index and
# took 1.45 s; in blocks of this size 30 MB and 0.72 s, the same numbers. Memory then
# stays bounded however large the corpus.
BLOCK_TOKENS = 1 << 17


@dataclass(frozen=True)
class TokenIndex:
    """Every document's tokens as vocabulary ids (-1 outside it), concatenated."""

    ids: np.ndarray  # int32 (or uint16, with nothing outside), all documents' tokens in order
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

    def blocks(self, tokens: int) -> Iterator[TokenIndex]:
        """Runs of whole documents of about ``tokens`` tokens each (a longer document is a
        block of its own), in order."""
        cuts = np.searchsorted(self.starts, np.arange(0, self.starts[-1], max(1, tokens)))
        cuts = np.unique(np.concatenate([[0], cuts, [len(self.starts) - 1]]))
        for first, last in zip(cuts[:-1], cuts[1:], strict=True):
            begin, end = self.starts[first], self.starts[last]
            yield TokenIndex(self.ids[begin:end], self.starts[first : last + 1] - begin)

    def windows(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Each document's number of windows (at least one) and where its first window is
        in the corpus's numbering of windows."""
        count = np.maximum(1, np.diff(self.starts) - size + 1)
        return count, np.concatenate([[0], np.cumsum(count)[:-1]])


def window_presence(index: TokenIndex, words: np.ndarray, size: int) -> sp.csc_matrix:
    """Windows x ``words`` (vocabulary ids), True where gensim counts the word present."""
    n_windows, first = index.windows(size)
    largest = int(index.ids.max()) if len(index.ids) else -1
    n_ids = max(largest, int(words.max(initial=-1))) + 1
    column = np.full(n_ids, -1, dtype=np.int64)
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
    return sp.csc_matrix((np.ones(len(rows), dtype=np.int32), (rows, columns)), shape=shape)


def npmi(index: TokenIndex, topics: Sequence[np.ndarray], size: int = 10) -> list[float]:
    """gensim's ``c_npmi`` of each topic (vocabulary ids, best first): the mean NPMI over
    every ordered pair of its words (NaN below two words)."""
    if not topics:
        return []
    words = _words(topics)
    ((together, n_windows),) = _counts(index, words, size, groups=1)
    return _scores(together, n_windows, words, topics)


def npmi_and_unseen(
    index: TokenIndex, topics: Sequence[np.ndarray], size: int = 10
) -> tuple[list[float], list[float]]:
    """:func:`npmi` of each topic, and the share of its word pairs that no window holds
    together (NaN below two words): on documents of a few words most pairs of a topic's
    words are never seen together, and their NPMI of -1 measures that sparsity rather
    than the topic. One counting pass for both."""
    if not topics:
        return [], []
    words = _words(topics)
    ((together, n_windows),) = _counts(index, words, size, groups=1)
    return _scores(together, n_windows, words, topics), _unseen(together, words, topics)


def npmi_replicates(
    index: TokenIndex, topics: Sequence[np.ndarray], groups: int, size: int = 10
) -> tuple[list[float], list[list[float]]]:
    """:func:`npmi` of each topic, and its delete-a-group jackknife replicates: the same
    scores with each of ``groups`` groups of documents left out (document ``d`` is in
    group ``d % groups``). Window counts add over documents, so each replicate is the
    total less one group's counts: one pass over the index."""
    if not topics:
        return [], []
    words = _words(topics)
    counts = _counts(index, words, size, groups)
    empty = sp.csr_matrix((len(words), len(words)), dtype=np.int64)
    together = sum((c for c, _ in counts), start=empty)
    n_windows = sum(n for _, n in counts)
    replicates = [_scores(together - part, n_windows - n, words, topics) for part, n in counts if n]
    return _scores(together, n_windows, words, topics), replicates


def _words(topics: Sequence[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate([np.asarray(t, dtype=np.int64) for t in topics]))


def _counts(
    index: TokenIndex, words: np.ndarray, size: int, groups: int
) -> list[tuple[sp.csr_matrix, float]]:
    """Per group of documents (document ``d`` in group ``d % groups``): the windows
    holding each pair of ``words`` (words x words, the diagonal each word's windows) and
    the number of windows. Splitting a block's windows by group adds no work: the
    groups' products together cost what the block's does."""
    empty = sp.csr_matrix((len(words), len(words)), dtype=np.int64)
    together, n_windows = [empty] * groups, [0.0] * groups
    first = 0  # the block's first document in the index
    for block in index.blocks(BLOCK_TOKENS):
        presence = window_presence(block, words, size)
        per_document, _ = block.windows(size)
        if groups > 1:  # rows are selected from CSR; one group takes the block as it is
            presence = presence.tocsr()
            documents = np.arange(first, first + len(per_document))
            group_of = np.repeat(documents % groups, per_document)
        first += len(per_document)
        for group in range(groups):
            part = presence if groups == 1 else presence[group_of == group]
            together[group] = together[group] + (part.T @ part).astype(np.int64)
            n_windows[group] += part.shape[0]
    return [(t.tocsr(), n) for t, n in zip(together, n_windows, strict=True)]


def _scores(
    together: sp.csr_matrix, n_windows: float, words: np.ndarray, topics: Sequence[np.ndarray]
) -> list[float]:
    alone = together.diagonal() / n_windows
    result = []
    for topic in topics:
        at = np.searchsorted(words, topic)
        # A word that no window holds is left out of its topic, as gensim leaves out a
        # word outside the vocabulary: in a sample of the corpus (or a replicate without
        # one group) a rare word can be missing, and its NPMI would be infinite.
        at = at[alone[at] > 0]
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


def _unseen(
    together: sp.csr_matrix, words: np.ndarray, topics: Sequence[np.ndarray]
) -> list[float]:
    """Per topic, the share of its pairs of (present) words that share no window."""
    present = together.diagonal() > 0
    result = []
    for topic in topics:
        at = np.searchsorted(words, topic)
        at = at[present[at]]  # as in _scores: a word no window holds is left out
        first, second = np.triu_indices(len(at), 1)
        if not len(first):
            result.append(float("nan"))
            continue
        result.append(float(np.mean(np.asarray(together[at[first], at[second]]).ravel() == 0)))
    return result
