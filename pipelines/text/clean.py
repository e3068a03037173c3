"""Text-level cleaning applied before both branches (tokens and embeddings see the same text).

:class:`Cleaner` is the step a run fits on its corpus: per document, optionally, the
USENET cleaning below; then, over the corpus, lines that recur verbatim in many
documents (signatures without a separator, greetings, bylines, disclaimers). Left in,
those make topics: on six newsgroups a poster's signature quote became an LDA topic of
phrases such as ``amounts_of_excrement_least``, and motorcyclists' "DoD" taglines an
embedding topic of 420 posts, because a short post's vector is mostly its signature.

The USENET cleaner follows scikit-learn's ``fetch_20newsgroups(remove=("headers",
"footers", "quotes"))`` heuristics for headers and quotes: drop the header block,
quoted replies and their attribution lines. For signatures it is more careful than
scikit-learn, which cuts everything after the last blank line (often the post's
last paragraph): only a separator line of dashes, underscores or equals signs
near the end starts a signature.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

_QUOTE_LINE = re.compile(r"(writes in|writes:|wrote:|says:|said:|^In article|^Quoted from|^\||^>)")
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*: ")
_SIGNATURE_SEPARATOR = re.compile(r"^\s*(-- ?|[-_=*]{2,})\s*$")
_SIGNATURE_MAX_LINES = 15  # a separator further from the end is part of the post


# Encoded attachments (uuencode, base64, hex dumps) are lines of one long "word", or
# lines in uuencode's alphabet (ASCII 32..96: no lower case) that are either uuencode
# lines or long with hardly a space.
# Left in, their fragments become tokens such as ``ax`` and ``max_ax`` that lead whole
# topics.
_ENCODED_WORD = re.compile(r"^\s*\S{40,}\s*$")
_UUENCODE_ALPHABET = re.compile(r"^[\x20-\x60]{20,}$")
_SYMBOLS = set("#$%&()*+/:;<=>@[\\]^_`")


def strip_usenet(text: str) -> str:
    """The body of a USENET post without headers, quoted replies, encoded attachments
    or signature. A text with none of those is returned as it is, not as an equal copy:
    the run keeps both the documents and their cleaned texts (a million short texts
    were 190 MB twice)."""
    cleaned = _strip_signature(_strip_encoded(_strip_quotes(_strip_headers(text))))
    return text if cleaned == text else cleaned


def _strip_encoded(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not _is_encoded(line))


def _is_encoded(line: str) -> bool:
    line = line.rstrip()
    if _ENCODED_WORD.match(line):
        return True
    if not _UUENCODE_ALPHABET.match(line):
        return False
    # A full uuencode line is "M" and 60 characters (trailing zeros, spaces, may have
    # been trimmed), with symbols that upper-case prose hardly uses.
    if line[0] == "M" and len(line) <= 61 and sum(c in _SYMBOLS for c in line) >= 3:
        return True
    return len(line) >= 40 and line.count(" ") <= len(line) // 10


def _strip_headers(text: str) -> str:
    head, blank, body = text.partition("\n\n")
    # Only a block that looks like headers is dropped; plain text keeps its first paragraph.
    if blank and _HEADER_LINE.match(head.lstrip()):
        return body
    return text


def _strip_quotes(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not _QUOTE_LINE.search(line))


def _strip_signature(text: str) -> str:
    lines = text.rstrip().split("\n")
    first_candidate = max(1, len(lines) - _SIGNATURE_MAX_LINES)
    for number in range(len(lines) - 1, first_candidate - 1, -1):
        if _SIGNATURE_SEPARATOR.match(lines[number]):
            return "\n".join(lines[:number])
    return text


class Cleaner(BaseEstimator):
    """The text both branches read, sklearn style: ``usenet`` applies :func:`strip_usenet`
    to every document; ``repeated_lines`` (a count, or ``"keep"``) drops every line that
    ``fit`` found in at least that many documents, compared without case or runs of
    white space (``repeated_`` holds their hashes; ``changed_``: how many of the fitted
    documents lost lines). Lines are what ``"\\n"`` separates, as in :func:`strip_usenet`.

    A document whose every line is repeated is kept whole: dropping them would empty it,
    and a text repeated as a whole (a one-line document, a copy) is content, not
    boilerplate. A text that loses nothing is returned as it is, not as a copy.
    """

    def __init__(self, *, usenet: bool = False, repeated_lines: int | str = 5) -> None:
        self.usenet = usenet
        self.repeated_lines = repeated_lines

    def fit(self, texts: Iterable[str], y=None) -> Cleaner:
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Iterable[str], y=None) -> list[str]:
        keep = self.repeated_lines == "keep"
        if not keep and not (isinstance(self.repeated_lines, int) and self.repeated_lines >= 2):
            raise ValueError(
                f"repeated_lines must be 'keep' or an integer >= 2, got {self.repeated_lines!r}"
            )
        texts = self._per_document(texts)
        self.repeated_ = frozenset() if keep else _repeated(texts, self.repeated_lines)
        cleaned, self.changed_ = self._drop_repeated(texts)
        return cleaned

    def transform(self, texts: Iterable[str]) -> list[str]:
        return self.clean(texts)[0]

    def clean(self, texts: Iterable[str]) -> tuple[list[str], int]:
        """:meth:`transform`, and how many of ``texts`` lost repeated lines."""
        check_is_fitted(self, "repeated_")
        return self._drop_repeated(self._per_document(texts))

    def _per_document(self, texts: Iterable[str]) -> list[str]:
        return [strip_usenet(t) for t in texts] if self.usenet else list(texts)

    def _drop_repeated(self, texts: list[str]) -> tuple[list[str], int]:
        # Lines are hashed again here rather than kept from the count: keeping them would
        # hold 8 bytes and a list entry per line of the corpus for the whole fit.
        if not self.repeated_:
            return texts, 0
        cleaned = [_without_lines(text, self.repeated_) for text in texts]
        return cleaned, sum(a is not b for a, b in zip(texts, cleaned, strict=True))


def _line_hash(line: str) -> int | None:
    """A stable 64-bit hash of a line without case or runs of white space (a trailing
    carriage return included); None if blank."""
    key = " ".join(line.lower().split())
    if not key:
        return None
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def _line_hashes(text: str) -> set[int]:
    return {h for line in text.split("\n") if (h := _line_hash(line)) is not None}


def _repeated(texts: Sequence[str], min_documents: int) -> frozenset[int]:
    """Hashes of the lines found in at least ``min_documents`` of ``texts`` (a document
    counts a line once). Counted as 8-byte hashes, not strings: a million short texts
    are a million distinct lines."""
    hashes = array("Q")
    for text in texts:
        hashes.extend(_line_hashes(text))
    values, counts = np.unique(np.frombuffer(hashes, dtype=np.uint64), return_counts=True)
    return frozenset(int(v) for v in values[counts >= min_documents])


def _without_lines(text: str, repeated: frozenset[int]) -> str:
    if "\n" not in text:  # one line: all it holds, kept either way
        return text
    lines = text.split("\n")
    hashes = [_line_hash(line) for line in lines]
    dropped = [h is not None and h in repeated for h in hashes]
    if not any(dropped) or all(d or h is None for d, h in zip(dropped, hashes, strict=True)):
        return text  # nothing to drop, or nothing would be left
    return "\n".join(line for line, d in zip(lines, dropped, strict=True) if not d)
