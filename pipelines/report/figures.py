"""The report's interactive figures, as plain plotly ``{"data", "layout"}`` dictionaries.

Corpus text reaches a figure only through :func:`_hover`, which escapes it: plotly
renders a few HTML tags inside hover text, and a document must never inject any.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from topicflow.pipelines.io.run_data import RunData
from topicflow.pipelines.report.escape import html_text

PALETTE = [
    "#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6",
    "#9d755d", "#bab0ac", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#393b79",
]  # fmt: skip
UNASSIGNED_COLOR = "#d0d4da"
LAYOUT = {"margin": {"l": 60, "r": 20, "t": 40, "b": 60}, "template": "plotly_white"}


def _hover(prefix: str, snippet: str) -> str:
    return f"{html_text(prefix)}<br>{html_text(snippet)}"


def _colors(values: list) -> list[str]:
    categories = sorted({v for v in values if v not in (-1, None)}, key=str)
    index = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(categories)}
    return [index.get(v, UNASSIGNED_COLOR) for v in values]


def document_map_figure(run: RunData, max_points: int) -> dict[str, Any]:
    n = run.assignments.num_rows
    rows = np.arange(n)
    if n > max_points:  # a fixed sample keeps the file small and the picture stable
        rows = np.sort(np.random.default_rng(0).choice(n, size=max_points, replace=False))
    pick = rows.tolist()

    def take(name: str) -> list:
        values = run.column(name)
        return [values[i] for i in pick]

    snippets = take("snippet")
    modes = [("embedding topic", "embedding_topic"), ("LDA topic", "lda_topic")]
    if run.has_labels:
        modes.append(("gold label", "label"))
    styles = []
    for title, column in modes:
        values = take(column)
        styles.append(
            (
                title,
                _colors(values),
                [_hover(f"{title}: {v}", s) for v, s in zip(values, snippets, strict=True)],
            )
        )
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
            "label": f"colour by {title}",
            "method": "restyle",
            "args": [{"marker.color": [colors], "hovertext": [texts]}],
        }
        for title, colors, texts in styles
    ]
    layout = {
        **LAYOUT,
        "height": 560,
        "xaxis": {"showticklabels": False, "title": ""},
        "yaxis": {"showticklabels": False, "title": ""},
        "updatemenus": [
            {"type": "buttons", "direction": "right", "x": 0, "y": 1.1, "buttons": buttons}
        ],
    }
    return {"data": [trace], "layout": layout}


def _topic_labels(run: RunData, model: str, prefix: str) -> list[str]:
    return [
        html_text(f"{prefix}{t['id']}: {' '.join(t['words'][:3])}")
        for t in run.topics.get(model, [])
    ]


def alignment_figure(run: RunData) -> dict[str, Any]:
    alignment = run.metrics.get("alignment", {})
    primary = alignment.get("primary", "jensen_shannon")
    matrix = alignment.get(primary, {}).get("matrix", [])
    trace = {
        "type": "heatmap",
        "z": matrix,
        "x": _topic_labels(run, "embedding", "E"),
        "y": _topic_labels(run, "lda", "L"),
        "colorscale": "Blues",
        "reversescale": True,  # plotly's Blues runs dark to light: similar pairs should be dark
        "zmin": 0,
        "zmax": 1,
        "hovertemplate": "%{y}<br>%{x}<br>similarity %{z:.3f}<extra></extra>",
    }
    title = f"{primary.replace('_', '-')} similarity: LDA topics (rows) x embedding topics"
    n_rows = max(1, len(matrix))
    layout = {**LAYOUT, "title": {"text": title}, "height": max(380, 24 * n_rows + 160)}
    layout["margin"] = {"l": 220, "r": 20, "t": 50, "b": 160}
    return {"data": [trace], "layout": layout}


def _per_topic_bars(run: RunData, values_of) -> list[dict[str, Any]]:
    traces = []
    for model, name, prefix in (("lda", "LDA", "L"), ("embedding", "Embedding", "E")):
        traces.append(
            {
                "type": "bar",
                "name": name,
                "x": _topic_labels(run, model, prefix),
                "y": values_of(model),
            }
        )
    return traces


def coherence_figure(run: RunData) -> dict[str, Any]:
    def npmi(model: str) -> list:
        return run.metrics.get(model, {}).get("npmi_per_topic", [])

    diversity = {m: run.metrics.get(m, {}).get("diversity") for m in ("lda", "embedding")}
    title = "NPMI per topic (topic diversity: LDA {}, embedding {})".format(
        *(f"{v:.3f}" if isinstance(v, float) else "n/a" for v in diversity.values())
    )
    layout = {**LAYOUT, "title": {"text": title}, "height": 420, "xaxis": {"tickangle": -45}}
    return {"data": _per_topic_bars(run, npmi), "layout": layout}


def sizes_figure(run: RunData) -> dict[str, Any]:
    def sizes(model: str) -> list:
        return [t["size"] for t in run.topics.get(model, [])]

    layout = {**LAYOUT, "title": {"text": "Documents per topic"}, "height": 420}
    layout["xaxis"] = {"tickangle": -45}
    return {"data": _per_topic_bars(run, sizes), "layout": layout}
