"""Text-level cleaning applied before both branches (tokens and embeddings see the same text).

The USENET cleaner follows scikit-learn's ``fetch_20newsgroups(remove=("headers",
"footers", "quotes"))`` heuristics for headers and quotes: drop the header block,
quoted replies and their attribution lines. For signatures it is more careful than
scikit-learn, which cuts everything after the last blank line (often the post's
last paragraph): only a separator line of dashes, underscores or equals signs
near the end starts a signature.
"""

from __future__ import annotations

import re

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
