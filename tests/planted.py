"""Planted data with a known answer: block-diagonal corpora."""

from __future__ import annotations

import numpy as np


def block_corpus(
    n_topics: int = 4,
    docs_per_topic: int = 40,
    words_per_topic: int = 12,
    doc_length: int = 40,
    seed: int = 0,
) -> tuple[list[list[str]], list[int], list[list[str]]]:
    """Documents drawn from disjoint vocabularies: (token lists, true topic per doc, blocks)."""
    rng = np.random.default_rng(seed)
    blocks = [[f"t{t}w{w}" for w in range(words_per_topic)] for t in range(n_topics)]
    docs, truth = [], []
    for d in range(n_topics * docs_per_topic):
        topic = d % n_topics
        docs.append([str(w) for w in rng.choice(blocks[topic], size=doc_length)])
        truth.append(topic)
    return docs, truth, blocks


# Five short documents small enough to compute co-occurrence coherence by hand.
FRUIT_DOCS = [
    ["apple", "banana", "cherry"],
    ["apple", "banana"],
    ["apple", "cherry", "durian"],
    ["durian", "elder"],
    ["banana", "elder", "fig"],
]
