"""An update's tree: new documents go to the leaf of their topic whose words they share,
never under another topic, and every node is counted again over the run's documents."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from topicflow.pipelines.analysis.placed_trees import place_in_tree
from topicflow.pipelines.io.run_shapes import TopicTree, TreeNode
from topicflow.pipelines.models.topicset import UNASSIGNED

# Two reported topics (nodes 0, 1) over four leaves (nodes 2..5): 2, 3 under topic 0 and
# 4, 5 under topic 1. Leaf j's documents use words 3j .. 3j+2 of a 12-word vocabulary.
TREE = TopicTree(
    levels=[2, 4],
    reported=2,
    preferred=2,
    nodes=[
        TreeNode(id=0, level=2, parent=None, children=[2, 3], size=0, words=["a"], topic=0),
        TreeNode(id=1, level=2, parent=None, children=[4, 5], size=0, words=["b"], topic=1),
        *(
            TreeNode(id=2 + j, level=4, parent=j // 2, children=[], size=0, words=[str(j)])
            for j in range(4)
        ),
    ],
)


def _counts(leaf_words: list[int]) -> sp.csr_matrix:
    """One document per entry, using the three words of that leaf once each."""
    rows = np.repeat(np.arange(len(leaf_words)), 3)
    cols = np.concatenate([np.arange(3 * j, 3 * j + 3) for j in leaf_words])
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(leaf_words), 12))


def test_new_documents_join_the_leaf_they_share_words_with_under_their_own_topic():
    seen = [0, 0, 1, 1, 2, 2, 3, 3]  # two seen documents per leaf
    # New: leaf 1's words in topic 0; leaf 3's words in topic 1; leaf 2's words but the
    # model placed it in topic 0 (it stays under topic 0); one left unassigned.
    new_words, new_topics = [1, 3, 2, 0], [0, 1, 0, UNASSIGNED]
    counts = _counts(seen + new_words)
    topics = np.array([j // 2 for j in seen] + new_topics)
    leaves = np.array([2 + j for j in seen] + [UNASSIGNED] * 4)
    new = np.array([False] * len(seen) + [True] * 4)

    tree, placed = place_in_tree(TREE, topics, leaves, new, counts)

    assert placed[: len(seen)].tolist() == leaves[: len(seen)].tolist()  # seen ones stay
    assert placed[len(seen) :][[0, 1, 3]].tolist() == [3, 5, UNASSIGNED]
    assert placed[len(seen) + 2] in (2, 3)  # under its own topic, whatever its words
    sizes = {node.id: node.size for node in tree.nodes}
    assert sizes[2] + sizes[3] == sizes[0] == int((topics == 0).sum()) == 6
    assert sizes[4] + sizes[5] == sizes[1] == int((topics == 1).sum()) == 5
    assert sizes[3] == 3 and sizes[5] == 3
    # Levels, words and links are the fit's.
    assert [(n.id, n.parent, n.children, n.words) for n in tree.nodes] == [
        (n.id, n.parent, n.children, n.words) for n in TREE.nodes
    ]


def test_a_reported_level_that_is_the_finest_places_each_document_at_its_topic():
    flat = TopicTree(
        levels=[2],
        reported=2,
        preferred=2,
        nodes=[
            TreeNode(id=0, level=2, parent=None, children=[], size=9, words=["a"], topic=1),
            TreeNode(id=1, level=2, parent=None, children=[], size=9, words=["b"], topic=0),
        ],
    )
    topics = np.array([0, 1, 1, 0])
    leaves = np.array([1, 0, UNASSIGNED, UNASSIGNED])
    tree, placed = place_in_tree(
        flat, topics, leaves, np.array([False, False, True, True]), _counts([0, 1, 1, 0])
    )
    assert placed.tolist() == [1, 0, 0, 1]
    assert [node.size for node in tree.nodes] == [2, 2]
