"""Topic trees and the splits and merges between two models, as plain data and text for
both report formats (:mod:`.tree_figures` draws them, :mod:`.tree_html` lays them out).

Everything here is optional in a run: a run from before topic trees has no
``tree.json``, no leaf columns and no comparison edges, and every function answers
"nothing to show" for it rather than failing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from topicflow.pipelines.io.run_files import RunData, leaf_column
from topicflow.pipelines.io.run_shapes import Comparison, TopicTree, TreeNode
from topicflow.pipelines.models.registry import title

GROUP_KINDS = ("split", "merge", "tangle", "one_to_one")  # the order groups are listed in


def node_label(node: TreeNode) -> str:
    """A node for people: its name, else its first three words (as :attr:`Topic.label`)."""
    return node.name or " ".join(node.words[:3])


def trees_with_leaves(run: RunData) -> dict[str, TopicTree]:
    """The models whose tree the map can be coloured by: a tree and a leaf column."""
    columns = set(run.assignments.column_names)
    return {
        model: tree
        for model, tree in run.trees.items()
        if model in run.topics and leaf_column(model) in columns and tree.nodes
    }


def walk(tree: TopicTree, echoes: bool = True) -> Iterator[tuple[int, TreeNode]]:
    """Every node with its depth (0: the coarsest level), parents before their children
    and siblings largest first: the order a reader scans an outline in.

    ``echoes=False`` leaves out a node that only repeats its parent (its only child,
    with the same documents: a topic no finer level splits) unless it is a reported
    topic; its children take its place. An outline then shows "Qantas (36 docs)" once,
    not three times down to the leaves."""
    by_id = {node.id: node for node in tree.nodes}

    def largest_first(ids) -> list[TreeNode]:
        found = [by_id[i] for i in ids if i in by_id]
        return sorted(found, key=lambda n: (-n.size, n.id))

    def shown_children(node: TreeNode) -> list[TreeNode]:
        children, seen = largest_first(node.children), {node.id}
        while not echoes and len(children) == 1 and _echoes(children[0], node, tree):
            if children[0].id in seen:  # a cycle in a broken file
                return []
            seen.add(children[0].id)
            children = largest_first(children[0].children)
        return children

    def down(node: TreeNode, depth: int) -> Iterator[tuple[int, TreeNode]]:
        yield depth, node
        for child in shown_children(node):
            yield from down(child, depth + 1)

    roots = [n.id for n in tree.nodes if n.parent is None or n.parent not in by_id]
    for root in largest_first(roots):
        yield from down(root, 0)


def _echoes(child: TreeNode, parent: TreeNode, tree: TopicTree) -> bool:
    """Whether ``child`` (an only child) holds its parent's documents and is no topic."""
    reported = child.level == tree.reported and child.topic is not None
    return child.size == parent.size and not reported


def ancestor_at(tree: TopicTree, level: int) -> dict[int, int]:
    """Each node's ancestor at ``level`` (itself at that level), for nodes at that level
    or finer: how a document's leaf becomes its topic at any level."""
    by_id = {node.id: node for node in tree.nodes}
    found: dict[int, int] = {}
    for node in tree.nodes:
        current: TreeNode | None = node
        seen = 0
        while current is not None and current.level > level and seen <= len(by_id):
            current = by_id.get(current.parent) if current.parent is not None else None
            seen += 1  # a cycle in a hand-edited file must not hang the report
        if current is not None and current.level == level:
            found[node.id] = current.id
    return found


def level_order(tree: TopicTree, level: int) -> list[TreeNode]:
    """A level's nodes in colour order: by topic id at the reported level (so its colours
    are the reported topics' colours everywhere), by node id elsewhere."""
    nodes = tree.level(level)
    if level == tree.reported:
        return sorted(nodes, key=lambda n: (n.topic is None, n.topic or 0, n.id))
    return sorted(nodes, key=lambda n: n.id)


def level_note(model: str, tree: TopicTree, apart: int = 0) -> str:
    """One sentence on the levels: which one is reported, which the model preferred, and
    how many topics of the fit were set apart as background or generic words (which is
    why a mixture model can report fewer topics than the level the run matched)."""
    levels = ", ".join(str(n) for n in tree.levels)
    note = f"{title(model)}: levels of {levels} topics, reporting {tree.reported}"
    if tree.preferred != tree.reported:
        note += f" (its own rule preferred {tree.preferred}; the run matched levels)"
    if apart:
        topics = "topic" if apart == 1 else "topics"
        note += (
            f"; {apart} more {topics} of the fit at that level held background or "
            "generic words, listed under its topics"
        )
    return note + "."


def set_apart(run: RunData, model: str) -> int:
    """How many topics of the model's fit were background or generic words."""
    quality = run.quality(model)
    return 0 if quality is None else len(quality.background)


def level_numbers(run: RunData, model: str) -> list[dict]:
    """The per-level numbers a model may add to its quality (``levels``), checked loosely:
    an extra, so a malformed one is skipped rather than breaking the report."""
    quality = run.quality(model)
    levels = quality.value("levels") if quality is not None else None
    if not isinstance(levels, list):
        return []
    return [row for row in levels if isinstance(row, dict) and "n_topics" in row]


# --- two models: the edges between their topics and the groups the edges form -----------


def compared_labels(run: RunData, comparison: Comparison, model: str) -> dict[int, str] | None:
    """Topic labels by id at the level ``comparison`` compares ``model`` at: the reported
    topics' labels when that is the reported level, else None (ids at another level
    have no names in the run files)."""
    topics = run.topics.get(model, [])
    level = (comparison.level or {}).get(model)
    tree = run.trees.get(model)
    reported = tree.reported if tree is not None else sum(t.id >= 0 for t in topics)
    if level is not None and level != reported:
        return None
    return {t.id: t.label for t in topics}


def topic_text(labels: dict[int, str] | None, topic: int, escape: Callable = str) -> str:
    """``3 'league football'``, or the bare id when the level has no names."""
    if labels is not None and topic in labels:
        return f"{topic} '{escape(labels[topic])}'"
    return str(topic)


def group_lines(run: RunData, comparison: Comparison, escape: Callable = str) -> list[str]:
    """A line per split, merge and tangle ("split: LDA 2 'sport' -> NMF 2 'match goal
    team', 3 'player score'"), then how many topics pair one to one. ``escape``: applied
    to the names, the only corpus text here (so Markdown keeps a plain "->")."""
    groups = comparison.groups or []
    a, b = title(comparison.a), title(comparison.b)
    labels_a = compared_labels(run, comparison, comparison.a)
    labels_b = compared_labels(run, comparison, comparison.b)
    lines = []
    for group in sorted(groups, key=lambda g: _kind_rank(g.kind)):
        if group.kind == "one_to_one":
            continue
        left = ", ".join(topic_text(labels_a, t, escape) for t in group.a)
        right = ", ".join(topic_text(labels_b, t, escape) for t in group.b)
        lines.append(f"{group.kind}: {a} {left} -> {b} {right}")
    pairs = sum(1 for g in groups if g.kind == "one_to_one")
    if pairs:
        lines.append(f"one to one: {pairs} topic pair{'s' if pairs != 1 else ''}")
    return lines


def level_sentence(comparison: Comparison) -> str:
    """ "Compared at LDA 10 and NMF 12 topics." (empty for a run without levels)."""
    level = comparison.level or {}
    if comparison.a not in level or comparison.b not in level:
        return ""
    return (
        f"Compared at {title(comparison.a)} {level[comparison.a]} and "
        f"{title(comparison.b)} {level[comparison.b]} topics."
    )


def _kind_rank(kind: str) -> int:
    return GROUP_KINDS.index(kind) if kind in GROUP_KINDS else len(GROUP_KINDS)
