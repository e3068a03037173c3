"""The report's "Topic lives" section: a sparkline per topic of this run that has lived
through earlier runs, showing its share of the documents in each of the corpus's last
runs (``metrics.json``'s ``lives``).

The sparklines are small inline SVG drawings, not plotly figures: a run can have a
hundred living topics, and a row each keeps the section as compact as a table. Only
numbers reach the drawing; corpus text (names, words, run ids) is escaped text.
"""

from __future__ import annotations

from topicflow.pipelines.io.history_shapes import Lives, TopicLife
from topicflow.pipelines.io.run_files import RunData
from topicflow.pipelines.models.registry import title as model_title
from topicflow.pipelines.report.escape import html_text as _esc
from topicflow.pipelines.report.headline import format_value

SPARK_WIDTH, SPARK_HEIGHT, PAD = 160, 26, 3
LINE_COLOR = "#4c78a8"


def living_topics(lives: Lives | None) -> int:
    """How many of the run's topics have lived through two runs or more."""
    return sum(len(topics) for topics in lives.models.values()) if lives is not None else 0


def lives_section(run: RunData) -> str:
    """The section, or nothing: without a run history, or on a corpus's first run, there
    is no earlier run to follow a topic into, and the drift section already says so."""
    lives = run.metrics.lives
    if not living_topics(lives):
        return ""
    runs = len(lives.runs)
    note = (
        f"This run's topics that continue topics of earlier runs (drift's one-to-one "
        f"matches), through the corpus's last {runs} runs: each topic's share of the "
        "documents per run, oldest on the left, this run on the right. A line starts where "
        "the topic emerged or split off, or at the first run shown."
    )
    parts = [f'<p class="muted">{note}</p>']  # no corpus text in it
    for model, topics in lives.models.items():
        if not topics:
            continue
        rows = "".join(_row(lives, life) for life in topics)
        parts.append(
            f"<h3>{_esc(model_title(model))}</h3><table><tr><th>topic</th><th>runs</th>"
            f"<th>documents, first and now</th><th>share of documents</th></tr>{rows}</table>"
        )
    return f'<section id="topic-lives"><h2>Topic lives</h2>{"".join(parts)}</section>'


def _row(lives: Lives, life: TopicLife) -> str:
    label = life.name or " ".join(life.words[:3])  # as Topic.label
    first, last = life.steps[0], life.steps[-1]
    return (
        f"<tr><td>{life.topic}: {_esc(label)}</td><td>{len(life.steps)}</td>"
        f"<td>{first.size:,} → {last.size:,}</td><td>{sparkline(lives, life)}</td></tr>"
    )


def sparkline(lives: Lives, life: TopicLife) -> str:
    """An inline SVG line of the topic's share per run, one slot per run of the window
    (so that every row's runs line up), scaled from 0 to its own largest share."""
    slot = {run.run_id: i for i, run in enumerate(lives.runs)}
    steps = [s for s in life.steps if s.run_id in slot and s.share is not None]
    top = max((s.share for s in steps), default=0.0) or 1.0
    step_x = (SPARK_WIDTH - 2 * PAD) / max(len(lives.runs) - 1, 1)

    def at(step) -> tuple[float, float]:
        height = step.share / top * (SPARK_HEIGHT - 2 * PAD)
        return PAD + slot[step.run_id] * step_x, SPARK_HEIGHT - PAD - height

    points = [at(s) for s in steps]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{LINE_COLOR}"><title>'
        f"{_esc(s.run_id)}: topic {s.topic}, {s.size:,} documents "
        f"({_esc(format_value('{:.1%}', s.share))})</title></circle>"
        for s, (x, y) in zip(steps, points, strict=True)
    )
    return (
        f'<svg width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" role="img">'
        f'<polyline points="{line}" fill="none" stroke="{LINE_COLOR}" stroke-width="1.5"/>'
        f"{dots}</svg>"
    )
