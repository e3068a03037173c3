"""Large synthetic corpora cut from real text: 20 Newsgroups and BBC News (21,071
documents; USENET headers, quotes and signatures stripped) hold about 200,000 distinct
sentences, too few for a million documents, so documents are *spans*: runs of
consecutive clauses (split after ``. ! ? ; : ,``) of one source document.

- ``short``: every distinct span of 5 to 40 words (about 1.9 million, 22 words on
  average), as support tickets, reviews or survey answers are;
- ``paragraphs``: from each clause, two seeded spans of 100 to 200 words (about
  600,000 in all, 144 words on average), as abstracts or news paragraphs are.

A corpus of N documents is the first N of one seeded permutation of the shape's pool,
so the sizes nest (the 100k corpus is part of the 300k one). Spans of one source
document overlap, as templated tickets do; all are distinct, because ingestion drops
duplicate documents. Both shapes keep the topics of their source documents.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from topicflow.pipelines.text.clean import strip_usenet

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SOURCES = (
    DATASETS / "20newsgroups" / "20news-bydate.jsonl.gz",
    DATASETS / "bbc_news" / "bbc_news.jsonl.gz",
)
SHAPES = {"short": (5, 40), "paragraphs": (100, 200)}  # words per document
PARAGRAPHS_PER_CLAUSE = 2
_CLAUSE = re.compile(r"(?<=[.!?;:,])\s+")


def available() -> bool:
    return all(source.is_file() for source in SOURCES)


def real_documents() -> list[str]:
    """The raw texts of 20 Newsgroups and BBC News, in file order."""
    texts = []
    for source in SOURCES:
        with gzip.open(source, "rt", encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh]
    return texts


def corpus(shape: str, size: int, seed: int = 0) -> list[str]:
    """The first ``size`` documents of the shape's seeded pool (see the module docstring);
    SystemExit when the pool holds fewer."""
    pool = sorted(set(_spans(real_documents(), shape, np.random.default_rng(seed))))
    if size > len(pool):
        raise SystemExit(f"the {shape} pool holds {len(pool):,} documents, not {size:,}")
    order = np.random.default_rng(seed).permutation(len(pool))[:size]
    return [pool[i] for i in order]


def _spans(texts: list[str], shape: str, rng: np.random.Generator) -> Iterator[str]:
    low, high = SHAPES[shape]
    for text in texts:
        clauses = [c for c in _CLAUSE.split(" ".join(strip_usenet(text).split())) if c]
        ends = np.cumsum([len(c.split()) for c in clauses])
        for start in range(len(clauses)):
            before = ends[start - 1] if start else 0
            # the ends whose span from ``start`` holds low..high words
            fits = range(
                max(start, int(np.searchsorted(ends, before + low))),
                int(np.searchsorted(ends, before + high, side="right")),
            )
            if shape == "paragraphs" and len(fits) > PARAGRAPHS_PER_CLAUSE:
                fits = sorted(rng.choice(list(fits), PARAGRAPHS_PER_CLAUSE, replace=False))
            for end in fits:
                yield " ".join(clauses[start : end + 1])
