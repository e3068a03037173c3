"""A corpus's tokens packed: every document's vocabulary ids in one array.

The shared reference (LDA's input, every coherence number, the embedding topics' words)
is each document's tokens in the vocabulary. As Python lists they cost 8 bytes a token
for the pointer plus 56 a document for the list, and pickling them to another process
(LDA fits in one of its own) walks every token; packed they are 2 bytes a token (4 for
a vocabulary above :data:`SMALL_VOCABULARY` words; the default ``keep_n`` is 50,000) and
8 a document, pickled as two flat arrays. 300,000 synthetic paragraphs of 144 tokens:
391 MB as lists, 89 MB packed (``benchmarks/results/packed_tokens.md``). The counts
matrix and the coherence index are read straight off the ids instead of looking every
token up.

:class:`PackedTokens` is a read-only sequence of token lists, so code that reads a
document's tokens (``tokens[d]``, ``for doc in tokens``) works on it unchanged.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, overload

import numpy as np
import scipy.sparse as sp

TAKE_BLOCK = 65_536  # documents gathered at a time by take()
SMALL_VOCABULARY = 1 << 16  # ids of a vocabulary up to this size fit in 2 bytes

if TYPE_CHECKING:
    from gensim.corpora import Dictionary

    from topicflow.pipelines.evaluate.windows import TokenIndex


class PackedTokens(Sequence[list[str]]):
    """Document ``d``'s tokens are ``words[i]`` for ``i`` in ``ids[starts[d]:starts[d + 1]]``.

    ``words`` is the vocabulary in id order (one shared string per word); ``ids`` are
    uint16 when it has at most :data:`SMALL_VOCABULARY` words, else int32.
    """

    __slots__ = ("ids", "starts", "words")

    def __init__(self, ids: np.ndarray, starts: np.ndarray, words: Sequence[str]) -> None:
        self.words = words if isinstance(words, list) else list(words)  # shared, not copied
        self.ids = np.asarray(ids, dtype=id_dtype(len(self.words)))
        self.starts = np.asarray(starts, dtype=np.int64)
        if len(self.starts) < 1 or self.starts[0] != 0 or self.starts[-1] != len(self.ids):
            raise ValueError("starts must run from 0 to the number of ids")

    @classmethod
    def pack(cls, documents: Iterable[Iterable[str]], vocabulary: Dictionary) -> PackedTokens:
        """Each document's tokens that are in ``vocabulary``, in order (others dropped)."""
        index = vocabulary.token2id
        words = _words(index)
        dtype = id_dtype(len(words))
        ids, ends = array(dtype.char, []), array("q", [0])
        for doc in documents:
            ids.extend([i for i in map(index.get, doc) if i is not None])
            ends.append(len(ids))
        return cls(np.frombuffer(ids, dtype=dtype), np.frombuffer(ends, np.int64), words)

    @classmethod
    def of(cls, tokens: Sequence[Sequence[str]], vocabulary: Dictionary) -> PackedTokens:
        """``tokens`` as they are when already packed, else packed."""
        return tokens if isinstance(tokens, PackedTokens) else cls.pack(tokens, vocabulary)

    def __len__(self) -> int:
        return len(self.starts) - 1

    @overload
    def __getitem__(self, item: int) -> list[str]: ...
    @overload
    def __getitem__(self, item: slice) -> PackedTokens: ...
    def __getitem__(self, item):
        if isinstance(item, slice):
            return self.take(np.arange(len(self))[item])
        d = range(len(self))[item]  # negative indices, and IndexError past the end
        words = self.words
        return [words[i] for i in self.ids[self.starts[d] : self.starts[d + 1]].tolist()]

    def __iter__(self) -> Iterator[list[str]]:
        words, bounds = self.words, self.starts.tolist()
        for begin, end in zip(bounds[:-1], bounds[1:], strict=True):
            yield [words[i] for i in self.ids[begin:end].tolist()]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(other) == len(self) and all(
            mine == list(theirs) for mine, theirs in zip(self, other, strict=True)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside

    def __repr__(self) -> str:
        return f"PackedTokens({len(self)} documents, {len(self.ids)} tokens)"

    def __getstate__(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        return self.ids, self.starts, self.words

    def __setstate__(self, state: tuple[np.ndarray, np.ndarray, list[str]]) -> None:
        self.ids, self.starts, self.words = state

    @property
    def n_tokens(self) -> int:
        return len(self.ids)

    def lengths(self) -> np.ndarray:
        """Each document's number of tokens."""
        return np.diff(self.starts)

    def take(self, rows: Sequence[int] | np.ndarray) -> PackedTokens:
        """The documents ``rows`` (document numbers, not a mask), in that order."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            raise TypeError("take() wants document numbers, not a boolean mask")
        rows = rows.astype(np.int64, copy=False).reshape(-1)
        lengths = self.lengths()[rows]
        starts = np.concatenate([[0], np.cumsum(lengths)])
        ids = np.empty(int(starts[-1]), dtype=self.ids.dtype)
        # A block of documents at a time: the positions gathered are 8 bytes a token.
        for first in range(0, len(rows), TAKE_BLOCK):
            last = min(first + TAKE_BLOCK, len(rows))
            begin, end = starts[first], starts[last]
            # Position p of document r comes from self.starts[rows[r]] + (p - starts[r]).
            moved = self.starts[rows[first:last]] - starts[first:last]
            shift = np.repeat(moved, lengths[first:last])
            ids[begin:end] = self.ids[np.arange(begin, end) + shift]
        return PackedTokens(ids, starts, self.words)

    def concat(self, other: PackedTokens) -> PackedTokens:
        """These documents followed by ``other``'s (in the same vocabulary)."""
        if other.words is not self.words and other.words != self.words:
            raise ValueError("cannot join tokens of two vocabularies")
        starts = np.concatenate([self.starts, other.starts[1:] + self.starts[-1]])
        return PackedTokens(np.concatenate([self.ids, other.ids]), starts, self.words)

    def numbered_as(self, token2id: dict[str, int]) -> bool:
        """Whether ``token2id`` gives every word the id it has here (the same vocabulary)."""
        return len(token2id) == len(self.words) and all(
            token2id.get(word) == i for i, word in enumerate(self.words)
        )

    def counts(self) -> sp.csr_matrix:
        """Documents x vocabulary token counts, each row's columns sorted."""
        data = np.ones(len(self.ids), dtype=np.float64)
        shape = (len(self), len(self.words))
        indices = self.ids.astype(np.int32)  # a copy: sum_duplicates sorts it in place
        matrix = sp.csr_matrix((data, indices, self.starts.copy()), shape=shape)
        matrix.sum_duplicates()
        return matrix

    def token_index(self) -> TokenIndex:
        """The ids as the coherence windows read them."""
        from topicflow.pipelines.evaluate.windows import TokenIndex

        return TokenIndex(self.ids, self.starts)


def id_dtype(n_words: int) -> np.dtype:
    """The narrowest of uint16 and int32 that numbers ``n_words`` words."""
    return np.dtype(np.uint16 if n_words <= SMALL_VOCABULARY else np.int32)


def _words(token2id: dict[str, int]) -> list[str]:
    """The vocabulary in id order (gaps, which a compacted vocabulary has none of, empty)."""
    words = [""] * (max(token2id.values(), default=-1) + 1)
    for word, i in token2id.items():
        words[i] = word
    return words
