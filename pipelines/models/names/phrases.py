"""Step 1 of naming: candidate phrases, runs of a document's tokens checked against its text.

A candidate is a run of one to three shared tokens that stand next to each other in
the document's text, allowing only a couple of connecting function words between them
("Bank of England" from the tokens ``bank england``) and never a sentence break, a
comma or a dropped content word. :class:`PhraseIndex` holds a corpus's candidates: each
counted once per document and shown in its most common spelling in the texts (case,
hyphens and connectors kept). See :mod:`models.names` for the whole method.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from topicflow.pipelines.blocks import row_blocks
from topicflow.pipelines.text.stopwords import ENGLISH

MAX_TOKENS = 3  # shared tokens per candidate phrase (a bigram token such as new_york is one)
MIN_DOCUMENTS = 2  # of the topic's own documents, for a phrase to be one of its candidates
# Function words that may join two tokens inside a phrase ("house of commons", "war on
# terror", "chancellor of the exchequer"); a phrase never starts or ends on one.
CONNECTORS = frozenset({"of", "the", "and", "for", "on", "in", "de", "a", "an"})
MAX_CONNECTORS = 2
# How far past the previous token the next one is looked for in the text (words).
_SEARCH_WINDOW = 60
# Between two words of one phrase: spaces with at most one line break (a wrapped line),
# a hyphen, or a dot or slash between letters (config.sys, TCP/IP). Anything else (a
# full stop and a space, a comma, a blank line) ends the phrase.
_JOIN = re.compile(r"[ \t]*(?:\r?\n)?[ \t]*|[ \t]*[-\u2010\u2011][ \t]*|[./]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")  # the preprocessing's token pattern
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "`": "'"})
TOKEN_JOIN = "_"  # inside a bigram token (new_york)
KEY_JOIN = " "  # between the tokens of a phrase key


def _words(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The normalised text and its words: (start, end, key), the key lower-cased with a
    trailing 's dropped, as the preprocessing makes tokens."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    words = [
        (m.start(), m.end(), m.group().lower().removesuffix("'s")) for m in _WORD.finditer(text)
    ]
    return text, words


def _align(
    text: str, words: list[tuple[int, int, str]], tokens: Sequence[str]
) -> list[tuple[int, int] | None]:
    """Each token's first and last word in the text; None when it is not found nearby,
    or when it is a bigram whose words do not stand together (see :func:`_joinable`).

    The preprocessing drops words but never reorders them, so each token is looked for
    after the previous one. A bigram token's words may have had stopwords between them
    (gensim joins tokens after stopword removal).
    """
    spans: list[tuple[int, int] | None] = []
    position, n = 0, len(words)
    for token in tokens:
        parts = token.lower().split(TOKEN_JOIN)
        found = None
        for start in range(position, min(n, position + _SEARCH_WINDOW)):
            if words[start][2] != parts[0]:
                continue
            at = [start]
            for part in parts[1:]:
                window = range(at[-1] + 1, min(n, at[-1] + 2 + MAX_CONNECTORS))
                at.append(next((j for j in window if words[j][2] == part), -1))
                if at[-1] < 0:
                    break
            if at[-1] >= 0:
                found = at
                break
        if found is None:
            spans.append(None)
            continue
        position = found[-1] + 1
        together = all(_joinable(text, words, a, b) for a, b in zip(found, found[1:], strict=False))
        spans.append((found[0], found[-1]) if together else None)
    return spans


def _joinable(text: str, words: list[tuple[int, int, str]], a: int, b: int) -> bool:
    """Whether words ``a`` < ``b`` belong to one phrase: at most ``MAX_CONNECTORS``
    connectors between them, and only spaces or hyphens between the words."""
    if b <= a or b - a - 1 > MAX_CONNECTORS:
        return False
    if any(words[i][2] not in CONNECTORS for i in range(a + 1, b)):
        return False
    return all(_JOIN.fullmatch(text[words[i][1] : words[i + 1][0]]) for i in range(a, b))


def document_phrases(
    text: str, tokens: Sequence[str], max_tokens: int = MAX_TOKENS
) -> Iterable[tuple[str, str]]:
    """``(key, spelling)`` of every run of 1 to ``max_tokens`` of a document's tokens that
    stand together in its text. The key joins the tokens with spaces; the spelling is the
    text from the first word to the last, whitespace collapsed ("Bank of England")."""
    text, words = _words(text)
    spans = _align(text, words, tokens)
    last = len(tokens) - 1
    linked = [
        a is not None and b is not None and _joinable(text, words, a[1], b[0])
        for a, b in zip(spans, spans[1:], strict=False)
    ]
    function_word = [t.lower() in ENGLISH for t in tokens]  # possible with `stopwords: none`
    for i in range(len(tokens)):
        if function_word[i]:
            continue
        for j in range(i, min(last, i + max_tokens - 1) + 1):
            if j > i and not linked[j - 1]:
                break
            if function_word[j]:
                continue
            key = tokens[i] if j == i else KEY_JOIN.join(tokens[i : j + 1])
            head, tail = spans[i], spans[j]
            if head is None or tail is None:
                yield key, plain_spelling(key)
                continue
            spelling = text[words[head[0]][0] : words[tail[1]][1]]
            yield key, spelling if j == i and TOKEN_JOIN not in key else " ".join(spelling.split())


def plain_spelling(key: str) -> str:
    """A key as words: bigram tokens split ("new_york times" -> "new york times")."""
    return key.replace(TOKEN_JOIN, " ")


def word_count(name: str) -> int:
    return len(name.split())


@dataclass
class PhraseIndex:
    """Every candidate phrase of a corpus: which documents use it and how it is spelt.

    Built once per corpus (:meth:`build`); :func:`models.names.name_topics` names the topics of any
    number of models with it.
    """

    keys: list[str]  # shared tokens joined by spaces, sorted
    documents: sp.csr_matrix  # documents x phrases: 1 where the document uses the phrase
    spellings: list[str]  # each phrase's most common spelling in the texts

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        tokens: Sequence[Sequence[str]],
        max_tokens: int = MAX_TOKENS,
        min_documents: int = MIN_DOCUMENTS,
    ) -> PhraseIndex:
        """Phrases at least ``min_documents`` documents use (each counted once a document)."""
        if len(texts) != len(tokens):
            raise ValueError(f"{len(texts)} texts for {len(tokens)} token lists")
        # Phrases by id, and per document the ids it uses, in compact arrays (4 bytes an
        # entry): a million short documents use some 25 million, which as Python lists of
        # keys and of row and column numbers took gigabytes.
        ids: dict[str, int] = {}
        found, ends, plain = array("i"), array("q", [0]), array("i")
        other: dict[int, Counter[str]] = {}  # documents spelling a phrase otherwise, by spelling
        for text, doc in zip(texts, tokens, strict=True):
            seen: dict[int, None] = {}
            plainly: set[int] = set()
            otherwise: set[tuple[int, str]] = set()
            for key, spelling in document_phrases(text, list(doc), max_tokens):
                j = ids.setdefault(key, len(ids))
                seen[j] = None
                if spelling == key or spelling == plain_spelling(key):
                    plainly.add(j)
                else:
                    otherwise.add((j, spelling))
            found.extend(seen)
            ends.append(len(found))
            plain.extend(plainly)
            for j, spelling in otherwise:
                other.setdefault(j, Counter())[spelling] += 1
        used = np.frombuffer(found, dtype=np.int32)  # no copy
        frequency = np.bincount(used, minlength=len(ids))  # documents using each phrase
        plainly_spelt = np.bincount(np.frombuffer(plain, dtype=np.int32), minlength=len(ids))
        keys = sorted(k for k, j in ids.items() if frequency[j] >= min_documents)
        column = np.full(len(ids), -1, dtype=np.int32)
        column[[ids[k] for k in keys]] = np.arange(len(keys), dtype=np.int32)
        matrix = _kept_columns(used, np.frombuffer(ends, dtype=np.int64), column, len(keys))
        spellings = [_spelling(k, int(plainly_spelt[ids[k]]), other.get(ids[k])) for k in keys]
        return cls(keys, matrix, spellings)

    def tokens(self, j: int) -> set[str]:
        """The words of phrase ``j``'s tokens (a bigram token gives both)."""
        return set(self.keys[j].replace(TOKEN_JOIN, KEY_JOIN).split(KEY_JOIN))


def _kept_columns(
    used: np.ndarray, ends: np.ndarray, column: np.ndarray, n_columns: int
) -> sp.csr_matrix:
    """Documents x kept phrases, 1 where the document uses the phrase. Document ``d``'s
    phrases are the ids ``used[ends[d]:ends[d + 1]]``, each once; ``column`` is each id's
    column, -1 for a phrase not kept. Built as CSR directly, a block of documents at a
    time: through COO, with int64 rows and columns for every phrase every document uses,
    the transient arrays grew to gigabytes on 300,000 paragraphs."""
    n = len(ends) - 1
    counts = np.zeros(n, dtype=np.int64)
    parts = [np.zeros(0, dtype=column.dtype)]
    for block in row_blocks(np.arange(n)):
        first, last = block[0], block[-1] + 1
        columns = column[used[ends[first] : ends[last]]]
        kept = columns >= 0
        local = np.repeat(np.arange(len(block)), np.diff(ends[first : last + 1]))
        counts[block] = np.bincount(local[kept], minlength=len(block))
        parts.append(columns[kept])
    indices = np.concatenate(parts)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    # One byte a (document, phrase): the matrix is only ever multiplied by float
    # memberships, which scipy upcasts; float64 ones were 8 bytes of every pair.
    ones = np.ones(len(indices), dtype=np.uint8)
    matrix = sp.csr_matrix((ones, indices, indptr), shape=(n, n_columns))
    matrix.sort_indices()  # as COO's conversion left them
    return matrix


def _spelling(key: str, plain: int, other: Counter[str] | None) -> str:
    """The spelling most documents use. Shouting (all capitals, a word over four
    letters) comes last, ties go to lower case, then to the alphabet's first."""
    counts = Counter(other or {})
    if plain:
        counts[plain_spelling(key)] += plain
    return min(counts, key=lambda s: (_shouting(s), -counts[s], s != s.lower(), s))


def _shouting(spelling: str) -> bool:
    return spelling.isupper() and any(len(w) > 4 for w in spelling.split())
