"""NPMI from sliding windows: gensim's counts, its quirk included, and its numbers to the
last bit on a corpus with long, short, empty and repetitive documents."""

from __future__ import annotations

import random

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel

from topicflow.pipelines.evaluate import windows
from topicflow.pipelines.evaluate.coherence import Reference
from topicflow.pipelines.evaluate.windows import TokenIndex, window_presence


def test_windows_follow_gensims_incremental_marks():
    # Windows of 3 over "a a b c": [a a b], [a b c]. Sliding on, gensim unmarks the a
    # that left, so the second window counts b and c only; "d e" is one short window.
    vocabulary = {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}
    index = TokenIndex.build([["a", "a", "b", "c"], ["d", "x", "e"], []], vocabulary)
    presence = window_presence(index, np.arange(5), size=3).toarray()
    assert presence.tolist() == [
        [1, 1, 0, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 0, 0, 1, 1],
        [0, 0, 0, 0, 0],  # an empty document is a window too
    ]


@pytest.mark.parametrize("block_tokens", [windows.BLOCK_TOKENS, 50])
def test_npmi_equals_gensims_c_npmi_exactly(block_tokens, monkeypatch):
    # Counted a block of documents at a time: with 50 tokens, about 150 blocks, some of
    # a single document longer than that.
    monkeypatch.setattr(windows, "BLOCK_TOKENS", block_tokens)
    rng = random.Random(7)
    words = [f"w{i}" for i in range(40)]
    # Few distinct words, so they repeat within windows; lengths around the window size.
    docs = [
        rng.choices(words[: rng.randint(5, 40)], k=rng.choice([0, 1, 4, 9, 10, 11, 37, 80]))
        for _ in range(300)
    ]
    vocabulary = Dictionary(docs)
    known = list(vocabulary.token2id)
    topics = [rng.sample(known, 10) for _ in range(25)]
    topics += [rng.sample(known, 3), [known[0], known[0], known[1]], known[:2]]
    expected = CoherenceModel(
        topics=topics, texts=docs, dictionary=vocabulary, coherence="c_npmi", topn=10, processes=1
    ).get_coherence_per_topic()
    got = Reference(docs, vocabulary).npmi(topics)
    assert got == [float(value) for value in expected]


def test_unknown_words_are_left_out_of_a_topic_as_gensim_does():
    docs = [["a", "b", "c"], ["a", "b"], ["c", "d"]]
    reference = Reference(docs, Dictionary(docs))
    assert reference.npmi([["a", "zz", "b"]]) == reference.npmi([["a", "b"]])
    assert np.isnan(reference.npmi([["a", "zz"]])[0])


def test_blocks_hold_every_document_once_in_order():
    docs = [["a"] * n for n in (0, 3, 7, 0, 0, 2, 11, 1, 0)]
    index = TokenIndex.build(docs, {"a": 0})
    blocks = list(index.blocks(4))
    assert len(blocks) > 3
    assert [len(b.starts) - 1 for b in blocks] != [len(docs)]
    lengths = [int(n) for b in blocks for n in np.diff(b.starts)]
    assert lengths == [len(doc) for doc in docs]
    assert all(b.starts[0] == 0 and b.starts[-1] == len(b.ids) for b in blocks)
