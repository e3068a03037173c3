"""Edges and groups between two models' topics: planted splits, merges and one-to-ones."""

from __future__ import annotations

import numpy as np

from topicflow.pipelines.evaluate.edges import topic_edges


def test_planted_split_merge_and_match():
    # a0 -> b0 (one to one); a1 -> b1 + b2 (split); a2 + a3 -> b3 (merge).
    a = np.array([0] * 20 + [1] * 20 + [2] * 10 + [3] * 10)
    b = np.array([0] * 20 + [1] * 10 + [2] * 10 + [3] * 20)
    edges, groups = topic_edges(a, b, 4, 4)
    assert {(e["a"], e["b"]) for e in edges} == {(0, 0), (1, 1), (1, 2), (2, 3), (3, 3)}
    assert groups == [
        {"kind": "one_to_one", "a": [0], "b": [0]},
        {"kind": "split", "a": [1], "b": [1, 2]},
        {"kind": "merge", "a": [2, 3], "b": [3]},
    ]
    split = next(e for e in edges if (e["a"], e["b"]) == (1, 1))
    assert (split["documents"], split["share_of_a"], split["share_of_b"]) == (10, 0.5, 1.0)


def test_a_sliver_and_unassigned_documents_make_no_edge():
    # b1 holds 2 of a0's 40 documents (5 %): most of b1 is in a0, but b1 is no fair part of it.
    a = np.array([0] * 40 + [1] * 20 + [-1] * 5)
    b = np.array([0] * 38 + [1] * 2 + [2] * 20 + [0] * 5)
    edges, groups = topic_edges(a, b, 2, 3)
    assert {(e["a"], e["b"]) for e in edges} == {(0, 0), (1, 2)}
    assert [g["kind"] for g in groups] == ["one_to_one", "one_to_one"]
    assert next(e for e in edges if e["a"] == 0)["documents"] == 38  # unassigned left out


def test_a_tangle():
    a = np.array([0] * 10 + [0] * 10 + [1] * 10 + [1] * 10)
    b = np.array([0] * 10 + [1] * 10 + [1] * 10 + [2] * 10)
    _, groups = topic_edges(a, b, 2, 3)
    assert groups == [{"kind": "tangle", "a": [0, 1], "b": [0, 1, 2]}]
