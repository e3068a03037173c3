"""The report's interactive figures, as plain plotly ``{"data", "layout"}`` dictionaries.

Corpus text reaches a figure only through :func:`_esc`: plotly renders a few HTML tags
inside hover text and axis labels, and a document must never inject any.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from topicflow.pipelines.io.run_files import RunData, topic_column
from topicflow.pipelines.io.run_shapes import Comparison
from topicflow.pipelines.models.registry import MODELS, title
from topicflow.pipelines.report.escape import plotly_text as _esc

PALETTE = [
    "#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6",
    "#9d755d", "#bab0ac", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#393b79",
]  # fmt: skip
UNASSIGNED_COLOR = "#d0d4da"
LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 60}, "template": "plotly_white"}


def _hover(prefix: str, snippet: str) -> str:
    return f"{_esc(prefix)}<br>{_esc(snippet)}"


def _colors(values: list, categories: list | None = None) -> list[str]:
    """A palette colour per category (``categories``: all of them in order, so a topic
    keeps its colour whether or not the map's sample holds all topics), grey for -1."""
    if categories is None:
        categories = sorted({v for v in values if v not in (-1, None)}, key=str)
    index = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(categories)}
    return [index.get(v, UNASSIGNED_COLOR) for v in values]


def map_rows(run: RunData, max_points: int) -> list[int]:
    """The documents the map shows: all, or a fixed sample that keeps the file small and
    the picture stable (the level control colours the same rows)."""
    n = run.assignments.num_rows
    rows = np.arange(n)
    if n > max_points:
        rows = np.sort(np.random.default_rng(0).choice(n, size=max_points, replace=False))
    return rows.tolist()


def map_models(run: RunData) -> list[str]:
    """The models in the map's button order: the run's order, but one clustered from the
    document vectors first (the map is drawn from those vectors, so it colours it best)."""
    needs = {name: name in MODELS and MODELS[name].needs_vectors for name in run.model_names}
    return sorted(run.model_names, key=lambda name: not needs[name])


def document_map_figure(run: RunData, max_points: int) -> dict[str, Any]:
    pick = map_rows(run, max_points)

    def take(name: str) -> list:
        values = run.column(name)
        return [values[i] for i in pick]

    snippets = take("snippet")
    modes = [
        (f"{title(name)} topic", topic_column(name), _topic_hover(run, name), _topic_ids(run, name))
        for name in map_models(run)
    ]
    if run.has_labels:
        modes.append(("gold label", "label", {}, None))
    styles = []
    for mode, column, named, categories in modes:
        values = take(column)
        hovers = [
            _hover(f"{mode} {v}: {named[v]}" if v in named else f"{mode}: {v}", s)
            for v, s in zip(values, snippets, strict=True)
        ]
        styles.append((mode, _colors(values, categories), hovers))
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": take("map_x"),
        "y": take("map_y"),
        "marker": {"color": styles[0][1], "size": 5, "opacity": 0.8},
        "hovertext": styles[0][2],
        "hoverinfo": "text",
    }
    buttons = [
        {
            "label": f"colour by {mode}",
            "method": "restyle",
            "args": [{"marker.color": [colors], "hovertext": [texts]}],
        }
        for mode, colors, texts in styles
    ]
    layout = {
        **LAYOUT,
        "height": 560,
        # A projection's axes mean nothing: no ticks, no zero lines.
        "xaxis": {"showticklabels": False, "title": "", "zeroline": False},
        "yaxis": {"showticklabels": False, "title": "", "zeroline": False},
        # Anchored at their left: Plotly anchors buttons at their right by default and
        # widens the left margin to fit them, pushing the map into the right half.
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "right",
                "x": 0,
                "xanchor": "left",
                "y": 1.02,
                "yanchor": "bottom",
                "buttons": buttons,
            }
        ],
    }
    layout["margin"] = {**LAYOUT["margin"], "t": 60, "b": 20}
    return {"data": [trace], "layout": layout}


def _topic_hover(run: RunData, model: str) -> dict[int, str]:
    """A model's topic names by id, for the map's hover text (none when unnamed)."""
    return {t.id: t.name for t in run.topics.get(model, []) if t.name}


def _topic_ids(run: RunData, model: str) -> list[int]:
    """A model's topic ids in colour order: a topic's colour is the same on the map
    whether it is coloured by the topics or by the tree's reported level."""
    return sorted(t.id for t in run.topics.get(model, []) if t.id >= 0)


def topic_labels(run: RunData, model: str) -> list[str]:
    """Axis labels of a model's topics: its title, the id and the topic's name (else its
    three top words), escaped."""
    return [_esc(f"{title(model)} {t.id}: {t.label}") for t in run.topics.get(model, [])]


def alignment_figure(run: RunData, comparison: Comparison) -> dict[str, Any]:
    """The primary measure's similarity of every topic pair of two models, as a heatmap."""
    primary = comparison.alignment.primary
    measure = comparison.alignment.measure()
    matrix = measure.matrix if measure is not None else []
    a, b = title(comparison.a), title(comparison.b)
    trace = {
        "type": "heatmap",
        "z": matrix,
        "x": topic_labels(run, comparison.b),
        "y": topic_labels(run, comparison.a),
        "colorscale": "Blues",
        "reversescale": True,  # plotly's Blues runs dark to light: similar pairs should be dark
        "zmin": 0,
        "zmax": 1,
        "hovertemplate": "%{y}<br>%{x}<br>similarity %{z:.3f}<extra></extra>",
    }
    text = f"{primary.replace('_', '-')} similarity: {a} topics (rows) x {b} topics"
    n_rows = max(1, len(matrix))
    layout = {**LAYOUT, "title": {"text": _esc(text)}, "height": max(380, 24 * n_rows + 160)}
    layout["margin"] = {"l": 220, "r": 20, "t": 50, "b": 160}
    return {"data": [trace], "layout": layout}


def _per_topic_bars(run: RunData, values_of) -> list[dict[str, Any]]:
    return [
        {"type": "bar", "name": title(model), "x": topic_labels(run, model), "y": values_of(model)}
        for model in run.model_names
    ]


def coherence_figure(run: RunData) -> dict[str, Any]:
    def npmi(model: str) -> list:
        quality = run.quality(model)
        return quality.npmi_per_topic if quality is not None else []

    def diversity(model: str) -> str:
        quality = run.quality(model)
        value = quality.diversity if quality is not None else None
        return f"{value:.3f}" if isinstance(value, float) else "n/a"

    shown = ", ".join(f"{title(model)} {diversity(model)}" for model in run.model_names)
    text = f"NPMI per topic (topic diversity: {shown})"
    layout = {**LAYOUT, "title": {"text": text}, "height": 420, "xaxis": {"tickangle": -45}}
    return {"data": _per_topic_bars(run, npmi), "layout": layout}


def sizes_figure(run: RunData) -> dict[str, Any]:
    def sizes(model: str) -> list:
        return [t.size for t in run.topics.get(model, [])]

    layout = {**LAYOUT, "title": {"text": "Documents per topic"}, "height": 420}
    layout["xaxis"] = {"tickangle": -45}
    return {"data": _per_topic_bars(run, sizes), "layout": layout}
