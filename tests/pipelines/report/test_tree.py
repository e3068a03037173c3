"""The tree helpers on hand-made trees: the order an outline reads in, a leaf's topic
at any level, box sizes that plotly will draw, and names only where the run has them."""

from __future__ import annotations

from topicflow.pipelines.io.run_shapes import Comparison, TopicTree, TreeNode
from topicflow.pipelines.report.tree import ancestor_at, compared_labels, group_lines, walk
from topicflow.pipelines.report.tree_figures import _values


def _node(id, level, parent, children, size, name=None, topic=None) -> TreeNode:
    return TreeNode(
        id=id, level=level, parent=parent, children=children, size=size,
        words=[f"w{id}", "x", "y"], name=name, topic=topic,
    )  # fmt: skip


TREE = TopicTree(
    levels=[1, 2, 4],
    reported=2,
    preferred=4,
    nodes=[
        _node(0, 1, None, [1, 2], 10, name="all"),
        _node(1, 2, 0, [3, 4], 3, topic=0),
        _node(2, 2, 0, [5, 6], 7, topic=1, name="big"),
        _node(3, 4, 1, [], 1),
        _node(4, 4, 1, [], 2),
        _node(5, 4, 2, [], 4),
        _node(6, 4, 2, [], 3),
    ],
)


def test_walk_reads_parents_first_and_siblings_largest_first():
    assert [(d, n.id) for d, n in walk(TREE)] == [
        (0, 0), (1, 2), (2, 5), (2, 6), (1, 1), (2, 4), (2, 3),
    ]  # fmt: skip


def test_an_outline_shows_a_topic_no_finer_level_splits_once():
    chain = TopicTree(
        levels=[1, 2, 4, 8, 16],
        reported=2,
        preferred=2,
        nodes=[
            _node(0, 1, None, [1], 5),  # repeated by its reported child: both shown
            _node(1, 2, 0, [2], 5, topic=0),
            _node(2, 4, 1, [3], 5),  # echoes 1, and 3 echoes 2: left out
            _node(3, 8, 2, [4, 5], 5),
            _node(4, 16, 3, [], 3),
            _node(5, 16, 3, [], 2),
        ],
    )
    assert [(d, n.id) for d, n in walk(chain, echoes=False)] == [
        (0, 0), (1, 1), (2, 4), (2, 5),
    ]  # fmt: skip
    assert [n.id for _, n in walk(chain)] == [0, 1, 2, 3, 4, 5]
    assert [n.id for _, n in walk(TREE, echoes=False)] == [n.id for _, n in walk(TREE)]


def test_a_leaf_s_topic_at_any_level_is_its_ancestor_there():
    assert ancestor_at(TREE, 4) == {3: 3, 4: 4, 5: 5, 6: 6}
    assert ancestor_at(TREE, 2) == {1: 1, 2: 2, 3: 1, 4: 1, 5: 2, 6: 2}
    assert set(ancestor_at(TREE, 1).values()) == {0}


def test_a_cycle_in_a_broken_file_does_not_hang():
    looped = TopicTree(
        levels=[2, 4], reported=2, preferred=2,
        nodes=[_node(0, 4, 1, [], 1), _node(1, 4, 0, [], 1)],
    )  # fmt: skip
    assert ancestor_at(looped, 2) == {}


def test_a_parent_smaller_than_its_children_grows_to_fit_them():
    broken = TREE.model_copy(deep=True)
    broken.nodes[1].size = 1  # its children hold 3
    values = _values(broken)
    assert values[1] == 3 and values[0] == 10 and values[3] == 1


def _comparison(level, groups) -> Comparison:
    # Only the fields group_lines and compared_labels read; the rest as model_construct.
    return Comparison.model_construct(a="lda", b="nmf", level=level, groups=groups)


class _Run:
    """The two parts of RunData the labels need."""

    def __init__(self):
        from topicflow.pipelines.io.run_shapes import Topic

        self.topics = {
            "lda": [Topic(id=i, words=[f"a{i}"], weights=[1.0], size=1) for i in range(2)],
            "nmf": [Topic(id=i, words=[f"b{i}"], weights=[1.0], size=1) for i in range(3)],
        }
        self.trees = {}


def test_names_show_only_at_the_reported_level_and_tangles_are_listed():
    from topicflow.pipelines.io.run_shapes import Group

    run = _Run()
    groups = [
        Group(kind="one_to_one", a=[0], b=[0]),
        Group(kind="tangle", a=[0, 1], b=[1, 2]),
    ]
    lines = group_lines(run, _comparison({"lda": 2, "nmf": 3}, groups))
    assert lines == ["tangle: LDA 0 'a0', 1 'a1' -> NMF 1 'b1', 2 'b2'", "one to one: 1 topic pair"]
    # Compared at another level than the reported one: the ids there have no names.
    assert compared_labels(run, _comparison({"lda": 4, "nmf": 3}, groups), "lda") is None
    lines = group_lines(run, _comparison({"lda": 4, "nmf": 3}, groups))
    assert lines[0] == "tangle: LDA 0, 1 -> NMF 1 'b1', 2 'b2'"
