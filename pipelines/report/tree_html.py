"""The HTML of the tree parts: a section with each model's tree, the map's level control
(and the few lines of JavaScript that re-colour the map), and a comparison's splits and
merges. Empty strings for a run without trees, so older runs render as before."""

from __future__ import annotations

from topicflow.pipelines.io.run_files import RunData
from topicflow.pipelines.io.run_shapes import Comparison, TopicTree
from topicflow.pipelines.models.registry import title
from topicflow.pipelines.report.escape import html_text as _esc
from topicflow.pipelines.report.headline import format_value
from topicflow.pipelines.report.tree import (
    group_lines,
    level_note,
    level_numbers,
    level_sentence,
    node_label,
    set_apart,
    trees_with_leaves,
    walk,
)

STYLE = """
.levels select { font: inherit; margin: 0 12px 0 4px }
ul.tree { font-size: 13px; padding-left: 18px; margin: 2px 0 }
ul.tree b { font-weight: 600 }
.groups li { font-size: 13px }
"""


def tree_id(model: str) -> str:
    return f"tree-{model}"


def edges_id(index: int) -> str:
    return f"edges-{index}"


def tree_section(run: RunData) -> str:
    """Each model's tree: an icicle (the plot ``tree_id(model)``), its per-level numbers
    when the run has them, and every node as an outline (readable, searchable, no JS)."""
    parts = []
    for model in run.model_names:
        tree = run.trees.get(model)
        if tree is None or not tree.nodes:
            continue
        note = level_note(model, tree, set_apart(run, model))
        parts.append(
            f"<h3>{_esc(title(model))}</h3>"
            f'<p class="muted">{_esc(note)} A column per level, coarsest '
            "on the left; each box is as tall as its documents and coloured as the map "
            "colours them at that level; the reported topics have a heavy border. Click a "
            "box to zoom into its branch, the leftmost one to zoom out.</p>"
            f'<div id="{_esc(tree_id(model))}" class="plot"></div>'
            f"{_level_table(run, model, tree)}"
            f"<details><summary>Every node as a list</summary>{_outline(tree)}</details>"
        )
    if not parts:
        return ""
    return (
        '<section id="topic-trees"><h2>Topic trees</h2><p class="muted">Each model\'s '
        "topics at several levels: every level holds all the documents, and a topic's "
        "children split its documents at the next finer level.</p>"
        f"{''.join(parts)}</section>"
    )


def _level_table(run: RunData, model: str, tree: TopicTree) -> str:
    rows = level_numbers(run, model)
    if not rows:
        return ""
    body = ""
    for row in rows:
        n = row.get("n_topics")
        marks = [
            *(["reported"] if n == tree.reported else []),
            *(["chosen"] * bool(row.get("chosen"))),
        ]
        body += (
            f"<tr><td>{_esc(n)}</td><td>{_esc(format_value('{:.3f}', row.get('npmi')))}</td>"
            f"<td>{_esc(format_value('{:.3f}', row.get('diversity')))}</td>"
            f"<td>{_esc(format_value('{:.1%}', row.get('largest_share')))}</td>"
            f"<td>{_esc(', '.join(marks))}</td></tr>"
        )
    return (
        "<table><tr><th>topics</th><th>NPMI</th><th>diversity</th><th>largest topic</th>"
        f"<th></th></tr>{body}</table>"
    )


def _outline(tree: TopicTree) -> str:
    """The tree as nested lists, largest first, the reported topics in bold with their id."""
    out, depth_now = [], -1
    for depth, node in walk(tree, echoes=False):
        if depth > depth_now:
            out.append('<ul class="tree">' * (depth - depth_now))
        else:
            out.append("</li>" + "</ul></li>" * (depth_now - depth))
        label = _esc(node_label(node))
        if node.level == tree.reported and node.topic is not None:
            label = f"<b>topic {node.topic}: {label}</b>"
        words = _esc(", ".join(node.words[:6]))
        out.append(f'<li>{label} <span class="muted">{node.size:,} docs; {words}</span>')
        depth_now = depth
    if depth_now >= 0:
        out.append("</li>" + "</ul></li>" * depth_now + "</ul>")
    return "".join(out)


def level_control(run: RunData, models: list[str]) -> str:
    """A level picker per model with a tree (in ``models``' order, the map's): picking a
    level colours every point by its topic at that level."""
    trees = trees_with_leaves(run)
    selects = []
    for model in (m for m in models if m in trees):
        tree = trees[model]
        options = "".join(
            f'<option value="{i}"{" selected" if n == tree.reported else ""}>'
            f"{n} topics{' (reported)' if n == tree.reported else ''}</option>"
            for i, n in enumerate(tree.levels)
        )
        reported = tree.levels.index(tree.reported) if tree.reported in tree.levels else 0
        selects.append(
            f'<label>{_esc(title(model))} tree level<select class="level" '
            f'data-model="{_esc(model)}" data-reported="{reported}">{options}</select></label>'
        )
    if not selects:
        return ""
    return (
        f'<p class="levels">{"".join(selects)}<span class="muted">Pick a level to colour '
        "each document by its topic at that level (the tree below is the legend).</span></p>"
    )


def level_script(payload_json: str) -> str:
    """The level control's JavaScript; ``payload_json``: :func:`map_levels`, already
    escaped for ``<script>``. Builds only strings the Python side escaped."""
    return LEVEL_JS.replace("LEVELS", payload_json, 1)


LEVEL_JS = """
(function () {
  const levels = LEVELS;
  const map = document.getElementById('document-map');
  const selects = Array.from(document.querySelectorAll('select.level'));
  let snippets = null;
  function colour(model, index) {
    // Every hover text is an escaped prefix, "<br>", then the escaped snippet: the
    // prefix holds no "<", so its first "<br>" is where the snippet starts.
    if (snippets === null) {
      snippets = map.data[0].hovertext.map(t => t.slice(t.indexOf('<br>')));
    }
    const tree = levels[model], styles = tree.levels[index].styles;
    const colors = [], texts = [];
    tree.leaves.forEach((leaf, i) => {
      const style = styles[leaf] || tree.unassigned;
      colors.push(style[0]);
      texts.push(style[1] + snippets[i]);
    });
    // No map button is active while a level colours the map.
    Plotly.update(map, {'marker.color': [colors], hovertext: [texts]},
                  {'updatemenus[0].active': -1});
  }
  selects.forEach(select => select.addEventListener('change', () => {
    selects.forEach(other => { if (other !== select) other.value = other.dataset.reported; });
    colour(select.dataset.model, Number(select.value));
  }));
  // A map button colours by something else: the pickers go back to their default.
  map.on('plotly_buttonclicked', () => selects.forEach(s => { s.value = s.dataset.reported; }));
})();
"""


def comparison_edges(run: RunData, comparison: Comparison, index: int, drawn: bool) -> str:
    """A comparison's level, its Sankey diagram (``drawn``: the run has edges) and its
    splits and merges as sentences."""
    parts = []
    if sentence := level_sentence(comparison):
        parts.append(f"<p>{_esc(sentence)}</p>")
    if drawn:
        parts.append(
            '<p class="muted">Topics that share documents: each band is as wide as the '
            "documents both topics hold; orange bands are splits, green merges, red tangles, "
            "grey one-to-one pairs.</p>"
            f'<div id="{_esc(edges_id(index))}" class="plot"></div>'
        )
    if lines := group_lines(run, comparison):
        items = "".join(f"<li>{_esc(line)}</li>" for line in lines)
        parts.append(f'<ul class="groups">{items}</ul>')
    return "".join(parts)
