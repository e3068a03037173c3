"""Short texts for the benchmarks: 20 Newsgroups subject lines, labelled by newsgroup."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

SUBJECT_MAX_WORDS = 12


def subject_lines(path: Path) -> tuple[list[str], list[str]]:
    """20 Newsgroups subject lines as short documents, with their newsgroup as label.

    Each post's first ``Subject:`` header (in the header block, before the first blank
    line); every leading reply marker (``Re:``, ``RE:``, ``Re^2:``, ``Re[2]:``) stripped,
    whitespace collapsed; lines left empty or with 12 words or more dropped; a line
    equal to an earlier one (case-insensitively) dropped, so a thread counts once, under
    the newsgroup of its first post in the file's order.
    """
    reply = re.compile(r"^\s*(re(\^\d+|\[\d+\])?\s*:\s*)+", re.IGNORECASE)
    texts, labels, seen = [], [], set()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            post = json.loads(line)
            header = post["text"].split("\n\n", 1)[0]
            match = re.search(r"(?mi)^subject:(.*)$", header)
            if not match:
                continue
            subject = " ".join(reply.sub("", match.group(1).strip()).split())
            key = subject.lower()
            if not subject or len(subject.split()) >= SUBJECT_MAX_WORDS or key in seen:
                continue
            seen.add(key)
            texts.append(subject)
            labels.append(post["label"])
    return texts, labels
