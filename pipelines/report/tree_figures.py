"""The tree's figures: an icicle per model, the edges between two models' topics as a
Sankey diagram, and the colours the document map takes at each level.

All three are plotly traces, drawn by the plotly.js the report already embeds: nothing
more to inline, nothing fetched. Corpus text (names, words, snippets) reaches them only
through :func:`_esc`, as in :mod:`.figures`: plotly renders a few tags in labels.
"""

from __future__ import annotations

from typing import Any

from topicflow.pipelines.io.run_files import RunData, leaf_column
from topicflow.pipelines.io.run_shapes import Comparison, TopicTree
from topicflow.pipelines.models.registry import title
from topicflow.pipelines.report.escape import plotly_text as _esc
from topicflow.pipelines.report.figures import LAYOUT, PALETTE, UNASSIGNED_COLOR
from topicflow.pipelines.report.tree import (
    ancestor_at,
    compared_labels,
    level_order,
    node_label,
    trees_with_leaves,
)

# A group's colour in the Sankey diagram: splits and merges stand out, pairs recede.
GROUP_COLORS = {
    "split": "#f58518",
    "merge": "#54a24b",
    "tangle": "#e45756",
    "one_to_one": "#9aa5b1",
}
OTHER_GROUP_COLOR = "#bab0ac"
ROOT = "root"  # the icicle's root id; node ids are numbers


def level_colors(tree: TopicTree, level: int) -> dict[int, str]:
    """A colour per node of a level: the colour its documents take on the map at that
    level, and its box in the icicle, so the tree is the map's legend."""
    nodes = level_order(tree, level)
    return {node.id: PALETTE[i % len(PALETTE)] for i, node in enumerate(nodes)}


def tree_figure(model: str, tree: TopicTree) -> dict[str, Any]:
    """The tree as a horizontal icicle: a column per level, coarsest on the left, each box
    as tall as its documents. An icicle rather than a sunburst: its labels run straight
    and the columns line up with the levels; a click zooms into a branch."""
    nodes = tree.nodes
    by_id = {node.id: node for node in nodes}
    colors = {}
    for level in tree.levels:
        colors |= level_colors(tree, level)
    value = _values(tree)
    roots = [node for node in nodes if node.parent not in by_id]
    total = sum(node.size for node in roots)
    # One root for all documents: plotly would add a blank one for the coarsest topics
    # anyway, and this one says what the tree covers and is where a zoom goes back to.
    ids, parents, fill, line = [ROOT], [""], ["#ffffff"], [1]
    labels = [_esc(f"{title(model)}: all {total:,} documents")]
    values = [sum(value[node.id] for node in roots)]
    custom = [[_esc(f"levels of {', '.join(map(str, tree.levels))} topics"), total, ""]]
    for node in nodes:
        ids.append(str(node.id))
        parents.append(str(node.parent) if node.parent in by_id else ROOT)
        labels.append(_esc(node_label(node)))
        values.append(value[node.id])
        where = f"{node.level} topics" + (f", topic {node.topic}" if node.topic is not None else "")
        custom.append([_esc(where), node.size, _esc(", ".join(node.words[:8]))])
        fill.append(colors.get(node.id, UNASSIGNED_COLOR))
        line.append(3 if node.level == tree.reported else 1)  # the reported topics stand out
    trace = {
        "type": "icicle",
        "ids": ids,
        "parents": parents,
        "labels": labels,
        "values": values,
        "branchvalues": "total",
        "customdata": custom,
        "marker": {"colors": fill, "line": {"color": "#1d2433", "width": line}},
        "tiling": {"orientation": "h"},
        "texttemplate": "%{label}<br>%{customdata[1]:,} docs",
        "hovertemplate": "<b>%{label}</b><br>%{customdata[0]}<br>%{customdata[1]:,} documents"
        " (%{percentRoot:.0%})<br>%{customdata[2]}<extra></extra>",
    }
    finest = len(tree.level(max(tree.levels))) if tree.levels else len(nodes)
    height = min(1000, max(360, 22 * finest + 60))
    layout = {**LAYOUT, "height": height, "margin": {"l": 4, "r": 4, "t": 4, "b": 4}}
    return {"data": [trace], "layout": layout}


def _values(tree: TopicTree) -> dict[int, int]:
    """Each node's box size: its documents, raised to its children's total where a file
    disagrees (plotly drops a branch whose children outgrow it, without a word)."""
    by_id = {node.id: node for node in tree.nodes}
    value: dict[int, int] = {}

    def of(node_id: int, depth: int = 0) -> int:
        if node_id not in value:
            node = by_id[node_id]
            kids = [c for c in node.children if c in by_id and depth < len(by_id)]
            value[node_id] = max(node.size, sum(of(c, depth + 1) for c in kids))
        return value[node_id]

    for node in tree.nodes:
        of(node.id)
    return value


def edge_figure(run: RunData, comparison: Comparison) -> dict[str, Any] | None:
    """The topics two models share documents in, as a Sankey diagram: a's topics on the
    left, b's on the right, each band as wide as the documents both hold, coloured by
    its group (split, merge, tangle, one to one). None when the run has no edges."""
    if not comparison.edges:
        return None
    a, b = title(comparison.a), title(comparison.b)
    labels_a = compared_labels(run, comparison, comparison.a)
    labels_b = compared_labels(run, comparison, comparison.b)
    kind_a, kind_b = {}, {}
    for group in comparison.groups or []:
        kind_a |= dict.fromkeys(group.a, group.kind)
        kind_b |= dict.fromkeys(group.b, group.kind)
    left = sorted({e.a for e in comparison.edges})
    right = sorted({e.b for e in comparison.edges})
    index = {("a", t): i for i, t in enumerate(left)}
    index |= {("b", t): len(left) + i for i, t in enumerate(right)}

    def name(model: str, labels: dict[int, str] | None, topic: int) -> str:
        label = labels.get(topic) if labels is not None else None
        return _esc(f"{model} {topic}: {label}" if label else f"{model} {topic}")

    def color(kind: str | None, alpha: str = "") -> str:
        return GROUP_COLORS.get(kind or "", OTHER_GROUP_COLOR) + alpha

    node = {
        "label": [name(a, labels_a, t) for t in left] + [name(b, labels_b, t) for t in right],
        "color": [color(kind_a.get(t)) for t in left] + [color(kind_b.get(t)) for t in right],
        "pad": 14,
        "thickness": 14,
        "hovertemplate": "%{label}<br>%{value:,} documents on these bands<extra></extra>",
    }
    edges = comparison.edges
    link = {
        "source": [index["a", e.a] for e in edges],
        "target": [index["b", e.b] for e in edges],
        "value": [e.documents for e in edges],
        "color": [color(kind_a.get(e.a), "99") for e in edges],  # translucent: bands overlap
        "customdata": [
            [e.share_of_a, e.share_of_b, (kind_a.get(e.a) or "edge").replace("_", " ")]
            for e in edges
        ],
        "hovertemplate": "%{source.label} and %{target.label}<br>%{value:,} shared documents:"
        f" %{{customdata[0]:.0%}} of the {_esc(a)} topic, %{{customdata[1]:.0%}} of the"
        f" {_esc(b)} topic<br>%{{customdata[2]}}<extra></extra>",
    }
    height = max(300, 30 * max(len(left), len(right)) + 80)
    layout = {**LAYOUT, "height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}}
    trace = {"type": "sankey", "arrangement": "snap", "node": node, "link": link}
    return {"data": [trace], "layout": layout}


def map_levels(run: RunData, rows: list[int]) -> dict[str, Any]:
    """What the map's level control needs, per model with a tree: the leaf of each point
    (``rows``, the map's documents) and, per level, each leaf's colour and hover prefix
    at that level. The browser joins them, so a level costs a few bytes per leaf rather
    than a colour and a snippet per point."""
    payload = {}
    for model, tree in trees_with_leaves(run).items():
        column = run.column(leaf_column(model))
        leaves = [column[i] if column[i] is not None else -1 for i in rows]
        present = set(leaves)
        levels = []
        for level in tree.levels:
            up = ancestor_at(tree, level)
            colors = level_colors(tree, level)
            by_id = {node.id: node for node in tree.level(level)}
            styles = {}
            for leaf in present:
                if leaf in up:
                    node = by_id[up[leaf]]
                    reported = node.topic is not None and level == tree.reported
                    where = f"topic {node.topic}" if reported else f"at {level} topics"
                    text = f"{title(model)} {where}: {node_label(node)}"
                    styles[leaf] = [colors[node.id], _esc(text)]
            levels.append({"n": level, "styles": styles})
        payload[model] = {
            "leaves": leaves,
            "levels": levels,
            "unassigned": [UNASSIGNED_COLOR, _esc(f"{title(model)}: unassigned")],
        }
    return payload
