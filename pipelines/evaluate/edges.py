"""Which topics of two models hold the same documents: one-to-one matches, splits, merges.

A one-to-one alignment (:mod:`.alignment`) can say "topic 3 is topic 7"; it cannot
say "LDA's economy topic is the embedding model's markets and jobs topics". Here an
*edge* joins topic ``i`` of model a and topic ``j`` of model b when most of one
topic's documents are in the other (at least :data:`MOST`) and they are a fair part
of that other topic too (at least :data:`FAIR`, so a tiny topic that sits inside a
large one does not count as a piece of it). Each topic has at most one such
"most of it" partner, so edges form small stars; their connected components are the
*groups*: ``one_to_one`` (one topic each side), ``split`` (one topic of a is several
of b), ``merge`` (several of a are one of b) or ``tangle`` (several each side).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from topicflow.pipelines.models.topicset import UNASSIGNED

MOST = 0.5
FAIR = 0.1


def topic_edges(
    a: np.ndarray, b: np.ndarray, n_a: int, n_b: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Edges and groups between the topics of assignments ``a`` and ``b`` (documents
    either model leaves unassigned are left out)."""
    a, b = np.asarray(a), np.asarray(b)
    both = (a != UNASSIGNED) & (b != UNASSIGNED)
    shared = np.zeros((n_a, n_b), dtype=np.int64)
    np.add.at(shared, (a[both], b[both]), 1)
    size_a = shared.sum(axis=1, keepdims=True)
    size_b = shared.sum(axis=0, keepdims=True)
    of_a = np.divide(shared, size_a, out=np.zeros(shared.shape), where=size_a > 0)
    of_b = np.divide(shared, size_b, out=np.zeros(shared.shape), where=size_b > 0)
    linked = ((of_a >= MOST) & (of_b >= FAIR)) | ((of_b >= MOST) & (of_a >= FAIR))
    edges = [
        {
            "a": int(i),
            "b": int(j),
            "documents": int(shared[i, j]),
            "share_of_a": round(float(of_a[i, j]), 6),
            "share_of_b": round(float(of_b[i, j]), 6),
        }
        for i, j in zip(*np.nonzero(linked), strict=True)
    ]
    return edges, _groups(edges)


def _groups(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Connected components of the edges, each with its kind (see the module docstring)."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for edge in edges:
        ra, rb = find(("a", edge["a"])), find(("b", edge["b"]))
        parent[ra] = rb
    components: dict[tuple[str, int], dict[str, set[int]]] = {}
    for node in list(parent):
        side, topic = node
        components.setdefault(find(node), {"a": set(), "b": set()})[side].add(topic)
    groups = []
    for members in components.values():
        a, b = sorted(members["a"]), sorted(members["b"])
        kind = {(True, True): "one_to_one", (True, False): "split", (False, True): "merge"}.get(
            (len(a) == 1, len(b) == 1), "tangle"
        )
        groups.append({"kind": kind, "a": a, "b": b})
    return sorted(groups, key=lambda g: (g["a"], g["b"]))
