"""The over-time figures, as plain plotly ``{"data", "layout"}`` dictionaries: every
model's topic shares per period as a stacked area (buttons switch the model), and each
model's movers as small multiples, a share line inside its confidence band.

The x axis is a date axis and each period's value is drawn as a step from its start to
its end, so irregular widths (a merged decade, a short last year) and empty periods show
where they truly lie; plotly places ISO dates of any year from 0 to 9999, the 1790s
included. Corpus text (names, words) reaches a figure only through :func:`_esc`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from topicflow.pipelines.io.run_files import RunData
from topicflow.pipelines.io.time_shapes import OverTime, Period, TimeModel, TimeTopic
from topicflow.pipelines.models.registry import title
from topicflow.pipelines.report.escape import plotly_text as _esc
from topicflow.pipelines.report.figures import LAYOUT, PALETTE
from topicflow.pipelines.report.headline import format_value
from topicflow.pipelines.report.time_text import (
    analysed_models,
    analysis,
    movers,
    topic_label,
    trend_text,
)

SHARES_ID = "time-shares"
EMPTY_COLOR = "#d0d4da"
COLUMNS = 3  # small multiples per row
PANEL_HEIGHT = 230  # pixels per row of small multiples
PANEL_GAP = 70  # pixels between rows: room for the next panel's two-line title
DIGITS = 5  # shares are rounded for the page: 0.001% is finer than any reader looks
# Areas the stack draws at most: past a dozen a stack is unreadable and colours repeat.
# The movers and then the largest topics get their own area, the rest one grey area.
MAX_AREAS = 12
OTHER_COLOR = "#c4c9d0"


def movers_id(model: str) -> str:
    return f"time-movers-{model}"


def time_figures(run: RunData) -> dict[str, dict[str, Any]]:
    """The over-time figures by their plot id: none when the run has no analysis."""
    over_time = analysis(run)
    if over_time is None:
        return {}
    figures = {SHARES_ID: shares_figure(run, over_time)}
    for model in analysed_models(run, over_time):
        if (figure := movers_figure(run, model, over_time)) is not None:
            figures[movers_id(model)] = figure
    return figures


def plotly_date(edge: str, before: bool = False) -> str:
    """An ISO UTC edge as a plotly date ("1790-01-01 00:00:00"); ``before``: a second
    earlier, the last instant of the period the edge closes."""
    instant = datetime.fromisoformat(edge).replace(tzinfo=None)
    if before:
        instant -= timedelta(seconds=1)
    return instant.isoformat(sep=" ")


def steps(period: Period, values: list) -> tuple[list, list]:
    """A step line: each period's value held from its start to its last second; a gap
    (None) where the value is None, so an empty period is not drawn across."""
    xs: list = []
    ys: list = []
    for part in runs([v is not None for v in values]):
        if xs:
            xs.append(None)
            ys.append(None)
        part_x, part_y = _step_points(period, part, values)
        xs += part_x
        ys += part_y
    return xs, ys


def band(period: Period, low: list, high: list) -> tuple[list, list]:
    """The confidence band as closed step outlines, one per run of periods that have a
    band, separated by None (plotly fills each part of a ``toself`` trace apart)."""
    xs: list = []
    ys: list = []
    present = [lo is not None and hi is not None for lo, hi in zip(low, high, strict=True)]
    for part in runs(present):
        if xs:
            xs.append(None)
            ys.append(None)
        top_x, top_y = _step_points(period, part, high)
        bottom_x, bottom_y = _step_points(period, part, low)
        xs += top_x + bottom_x[::-1]
        ys += top_y + bottom_y[::-1]
    return xs, ys


def runs(present: list[bool]) -> list[list[int]]:
    """The indices of each run of consecutive True values."""
    out: list[list[int]] = []
    for i, here in enumerate(present):
        if here and (i == 0 or not present[i - 1]):
            out.append([])
        if here:
            out[-1].append(i)
    return out


def _step_points(period: Period, part: list[int], values: list) -> tuple[list, list]:
    xs, ys = [], []
    for i in part:
        xs += [plotly_date(period.edges[i]), plotly_date(period.edges[i + 1], before=True)]
        ys += [round(values[i], DIGITS)] * 2
    return xs, ys


def shares_figure(run: RunData, over_time: OverTime) -> dict[str, Any]:
    """Every model's topic shares per period, stacked; one model shows at a time."""
    period = over_time.period
    assert period is not None
    models = analysed_models(run, over_time)
    data = []
    for k, model in enumerate(models):
        block = over_time.models[model]
        drawn = drawn_topics(block)
        areas = [(_esc(topic_label(run, model, t)), t, _color(block, t)) for t in drawn]
        rest = [t for t in block.topics if t.id not in {d.id for d in drawn}]
        if rest:
            areas.append((f"{len(rest)} other topics", _summed(rest), OTHER_COLOR))
        for name, topic, color in areas:
            shares = [0.0 if s is None else s for s in topic.shares]  # empty: nothing stacked
            xs, ys = steps(period, shares)
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "stackgroup": model,
                    "name": name,
                    "meta": model,
                    "visible": k == 0,
                    "x": xs,
                    "y": ys,
                    "line": {"width": 0.5, "color": color},
                    "customdata": _hover_data(period, topic),
                    "hovertemplate": "%{fullData.name}<br>%{customdata[0]}: %{y:.1%} "
                    "(%{customdata[1]})<extra></extra>",
                }
            )
    buttons = [
        {
            "label": _esc(title(model)),
            "method": "update",
            "args": [
                {"visible": [trace["meta"] == model for trace in data]},
                {"title.text": _title(model)},
            ],
        }
        for model in models
    ]
    layout = {
        **LAYOUT,
        "title": {"text": _title(models[0]) if models else ""},
        "height": 540,
        "hovermode": "closest",
        "xaxis": _date_axis(period),
        "yaxis": {"tickformat": ".0%", "title": {"text": "share of the period's documents"}},
        "legend": {"font": {"size": 11}},
        "shapes": _empty_shades(period),
        "annotations": _empty_notes(period),
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "right",
                "x": 0,
                "xanchor": "left",
                "y": 1.12,
                "active": 0,
                "buttons": buttons,
            }
        ],
    }
    layout["margin"] = {**LAYOUT["margin"], "t": 90}
    return {"data": data, "layout": layout}


def movers_figure(run: RunData, model: str, over_time: OverTime) -> dict[str, Any] | None:
    """A panel per mover of ``model``: its share per period as a line inside its band,
    the trend and the change in the panel's title. None when the model has no movers."""
    period = over_time.period
    assert period is not None
    block = over_time.models[model]
    shown = movers(block)
    if not shown:
        return None
    columns = min(COLUMNS, len(shown))
    rows = math.ceil(len(shown) / columns)
    height = rows * PANEL_HEIGHT + (rows - 1) * PANEL_GAP + 110
    gap_y = PANEL_GAP / (height - 110)
    gap_x = 0.06
    width = (1 - gap_x * (columns - 1)) / columns
    tall = (1 - gap_y * (rows - 1)) / rows
    data, annotations = [], []
    layout: dict[str, Any] = {
        **LAYOUT,
        "height": height,
        "showlegend": False,
        "hovermode": "closest",
        "margin": {"l": 60, "r": 20, "t": 70, "b": 40},
    }
    for n, topic in enumerate(shown):
        row, column = divmod(n, columns)
        x0 = column * (width + gap_x)
        top = 1 - row * (tall + gap_y)
        suffix = "" if n == 0 else str(n + 1)
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        color = _color(block, topic)
        band_x, band_y = band(period, topic.low, topic.high)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": band_x,
                "y": band_y,
                "fill": "toself",
                "fillcolor": color + "40",  # translucent: the line shows through
                "line": {"width": 0},
                "hoverinfo": "skip",
                "name": "band",
                **axes,
            }
        )
        line_x, line_y = steps(period, topic.shares)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": line_x,
                "y": line_y,
                "name": "share",
                "line": {"color": color, "width": 2},
                "customdata": _band_data(period, topic),
                "hovertemplate": "%{customdata[0]}: %{y:.1%}<br>%{customdata[1]}<extra></extra>",
                **axes,
            }
        )
        layout[f"xaxis{suffix}"] = {
            **_date_axis(period),
            "domain": [x0, x0 + width],
            "anchor": axes["yaxis"],
        }
        layout[f"yaxis{suffix}"] = {
            "domain": [top - tall, top],
            "anchor": axes["xaxis"],
            "tickformat": ".0%",
            "rangemode": "tozero",
        }
        annotations.append(
            {
                "text": f"<b>{_esc(topic_label(run, model, topic))}</b><br>"
                f"{_esc(trend_text(topic.trend))}",
                "x": x0 + width / 2,
                "y": top,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
    layout["annotations"] = annotations
    return {"data": data, "layout": layout}


# --- helpers -----------------------------------------------------------------------------


def _title(model: str) -> str:
    return _esc(f"{title(model)}: each topic's share of the documents per period")


def drawn_topics(block: TimeModel) -> list[TimeTopic]:
    """The topics with an area of their own, in id order: all of them when they fit in
    :data:`MAX_AREAS`, else every mover and then the largest, one area left for the rest."""
    if len(block.topics) <= MAX_AREAS:
        return list(block.topics)
    by_size = sorted(block.topics, key=lambda t: (-sum(t.counts), t.id))
    chosen = list(dict.fromkeys([*block.movers, *(t.id for t in by_size)]))
    kept = set(chosen[: MAX_AREAS - 1])
    return [t for t in block.topics if t.id in kept]


def _summed(topics: list[TimeTopic]) -> TimeTopic:
    """The topics as one: counts and shares added per period (an empty period stays
    empty); a stand-in for the stack's "other topics" area, with no trend of its own."""
    first = topics[0]
    shares = [
        None
        if all(t.shares[i] is None for t in topics)
        else sum(t.shares[i] or 0.0 for t in topics)
        for i in range(len(first.shares))
    ]
    counts = [sum(t.counts[i] for t in topics) for i in range(len(first.counts))]
    return first.model_copy(update={"id": -1, "name": None, "counts": counts, "shares": shares})


def _color(block: TimeModel, topic: TimeTopic) -> str:
    """The topic's colour in the stacked area, so a mover's panel matches its area."""
    drawn = drawn_topics(block)
    index = next(i for i, t in enumerate(drawn) if t.id == topic.id)
    return PALETTE[index % len(PALETTE)]


def _date_axis(period: Period) -> dict[str, Any]:
    return {
        "type": "date",
        "range": [plotly_date(period.edges[0]), plotly_date(period.edges[-1])],
    }


def _hover_data(period: Period, topic: TimeTopic) -> list[list[str]]:
    """Each step point's period and documents, in the order :func:`steps` draws them."""
    out = []
    for label, count, documents in zip(period.labels, topic.counts, period.documents, strict=False):
        text = f"{count:,} of {documents:,} documents" if documents else "no documents"
        out += [[_esc(label), text]] * 2
    return out


def _band_data(period: Period, topic: TimeTopic) -> list:
    """The period and band of each point of a mover's line, as :func:`steps` draws it."""
    out: list = []
    for part in runs([share is not None for share in topic.shares]):
        if out:
            out.append(None)
        for i in part:
            low = format_value("{:.1%}", topic.low[i])
            high = format_value("{:.1%}", topic.high[i])
            out += [[_esc(period.labels[i]), f"band {low} to {high}"]] * 2
    return out


def _empty_shades(period: Period) -> list[dict[str, Any]]:
    """A grey box over each period without documents: there is no share to show there."""
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": plotly_date(period.edges[i]),
            "x1": plotly_date(period.edges[i + 1]),
            "y0": 0,
            "y1": 1,
            "fillcolor": EMPTY_COLOR,
            "opacity": 0.5,
            "line": {"width": 0},
            "layer": "below",
        }
        for i, n in enumerate(period.documents)
        if n == 0
    ]


def _empty_notes(period: Period) -> list[dict[str, Any]]:
    return [
        {
            "text": "no documents",
            "x": shade["x0"],
            "xref": "x",
            "xanchor": "left",
            "y": 1,
            "yref": "paper",
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": 10, "color": "#555"},
        }
        for shade in _empty_shades(period)
    ]
