"""An incremental update's topic trees: the fit's tree (``tree.json``) with this run's
documents in it.

An update keeps each model's fitted topics, so it keeps their tree too: its levels,
nodes, words and names stay as fitted. What changes is which documents are in it:
seen documents keep their node at the finest level, and a new document, whose topic
at the reported level the model's ``transform`` gave, gets the leaf *under that
topic* whose documents' words it shares most (cosine of TF-IDF vectors, the leaf's
being the sum of its seen documents'). Every node's size is then counted again over
this run's documents, so each level still partitions them and a document's topic at
any level is its leaf's ancestor, as in a fit.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize

from topicflow.pipelines.io.run_shapes import TopicTree, TreeNode
from topicflow.pipelines.models.topicset import UNASSIGNED


def place_in_tree(
    tree: TopicTree,
    topics: np.ndarray,
    leaves: np.ndarray,
    new: np.ndarray,
    counts: sp.csr_matrix,
) -> tuple[TopicTree, np.ndarray]:
    """``tree`` resized to this run's documents, and each document's node at its finest
    level (``UNASSIGNED`` for a document without a topic).

    ``topics``: each document's reported topic; ``leaves``: each seen document's leaf
    node (read where ``new`` is False); ``counts``: documents x vocabulary counts.
    """
    topics, leaves, new = np.asarray(topics), np.asarray(leaves).copy(), np.asarray(new, bool)
    finest = [node.id for node in tree.level(max(tree.levels))]
    column = {node: i for i, node in enumerate(finest)}
    under = _leaves_under_topics(tree, column)
    placing = np.flatnonzero(new & (topics != UNASSIGNED))
    leaves[new] = UNASSIGNED
    if len(placing):
        weighted = TfidfTransformer().fit_transform(counts)
        seen = np.flatnonzero(~new & (leaves != UNASSIGNED))
        members = sp.csr_matrix(
            (np.ones(len(seen)), ([column[int(n)] for n in leaves[seen]], seen)),
            shape=(len(finest), counts.shape[0]),
        )
        profiles = normalize(members @ weighted)
        similarity = np.asarray((weighted[placing] @ profiles.T).todense())
        allowed = under[topics[placing]]
        # Ties (no shared word) go to the first allowed leaf: a level numbers its topics
        # largest first, so to the largest leaf under the topic.
        similarity = np.where(allowed, similarity, -np.inf)
        leaves[placing] = np.asarray(finest)[similarity.argmax(axis=1)]
    return _resized(tree, leaves), leaves


def _leaves_under_topics(tree: TopicTree, column: dict[int, int]) -> np.ndarray:
    """Reported topics x finest-level nodes: which leaves lie under which topic."""
    by_id = {node.id: node for node in tree.nodes}
    reported = {node.topic: node for node in tree.nodes if node.topic is not None}
    under = np.zeros((len(reported), len(column)), dtype=bool)
    for topic, node in reported.items():
        frontier = [node]
        while frontier:
            below = [by_id[child] for n in frontier for child in n.children]
            for n in frontier:
                if n.id in column:
                    under[topic, column[n.id]] = True
            frontier = below
    return under


def _resized(tree: TopicTree, leaves: np.ndarray) -> TopicTree:
    """The tree with each node's size the number of documents whose leaf lies under it."""
    by_id = {node.id: node for node in tree.nodes}
    sizes = dict.fromkeys(by_id, 0)
    placed, counts = np.unique(leaves[leaves != UNASSIGNED], return_counts=True)
    for leaf, count in zip(placed.tolist(), counts.tolist(), strict=True):
        node: TreeNode | None = by_id[leaf]
        while node is not None:
            sizes[node.id] += count
            node = None if node.parent is None else by_id[node.parent]
    nodes = [node.model_copy(update={"size": sizes[node.id]}) for node in tree.nodes]
    return tree.model_copy(update={"nodes": nodes})
