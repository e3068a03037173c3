"""The report's "Topics over time" section: the stacked shares (a model at a time), and
per model its movers as small multiples, how their words shift, and every topic's trend
with its test result; then how far the models' trends agree. A run without times shows
one sentence saying why instead."""

from __future__ import annotations

from topicflow.pipelines.io.run_files import RunData
from topicflow.pipelines.io.time_shapes import OverTime, Period, TimeTopic
from topicflow.pipelines.models.registry import title
from topicflow.pipelines.report.escape import html_text as _esc
from topicflow.pipelines.report.headline import format_value
from topicflow.pipelines.report.time_figures import SHARES_ID, movers_id
from topicflow.pipelines.report.time_text import (
    SECTION_TITLE,
    absent_sentence,
    analysed_models,
    analysis,
    movers,
    ordered,
    period_sentence,
    shares_text,
    topic_label,
    topic_name,
    word_shift,
)

SECTION_ID = "topics-over-time"
STYLE = """
tr.mover td { font-weight: 600 }
table.time-words td { font-size: 12px; max-width: 260px }
"""


def time_section(run: RunData) -> str:
    """The section; for a run without an over-time analysis, the sentence saying why."""
    over_time = analysis(run)
    if over_time is None:
        return _section(f'<p class="muted">{_esc(absent_sentence(run))}</p>')
    parts = [
        f"<p>{_esc(period_sentence(over_time))} Periods are placed on a true time axis, so "
        "wider ones take more room; grey ones hold no documents.</p>",
        f'<p class="muted">{_esc(over_time.test)}</p>' if over_time.test else "",
        f'<div id="{SHARES_ID}" class="plot"></div>',
    ]
    for model in analysed_models(run, over_time):
        shown = movers(over_time.models[model])
        parts.append(f"<h3>{_esc(title(model))}</h3>")
        if shown:
            which = "The topic" if len(shown) == 1 else f"The {len(shown)} topics"
            parts.append(
                f'<p class="muted">{which} whose share moved most (a significant trend): the '
                "line is the share per period, the band its confidence interval.</p>"
                f'<div id="{_esc(movers_id(model))}" class="plot"></div>'
                f"{_words_table(run, model, shown, over_time.period)}"
            )
        else:
            parts.append("<p>No topic's share has a significant trend.</p>")
        parts.append(_trends_table(run, model, over_time))
    parts.append(_agreement(run, over_time))
    return _section("".join(parts))


def _section(content: str) -> str:
    return f'<section id="{SECTION_ID}"><h2>{_esc(SECTION_TITLE)}</h2>{content}</section>'


def _trends_table(run: RunData, model: str, over_time: OverTime) -> str:
    """Every topic's trend and test result, the movers first (in bold)."""
    block = over_time.models[model]
    rows = ""
    for topic in ordered(block):
        trend = topic.trend
        mover = ' class="mover"' if topic.id in block.movers else ""
        cells = [
            topic.id,
            topic_name(run, model, topic),
            trend.kind,
            format_value("{:.3f}", trend.statistic),
            format_value("{:.2g}", trend.p),
            format_value("{:.2g}", trend.q),
            shares_text(trend),
            "yes" if trend.significant else "no",
        ]
        rows += f"<tr{mover}>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>"
    head = "".join(
        f"<th>{h}</th>"
        for h in ("topic", "name", "trend", "statistic", "p", "q", "share early -&gt; late",
                  "significant")
    )  # fmt: skip
    return (
        f"<details><summary>Trends of all {len(block.topics)} {_esc(title(model))} topics "
        f"(movers first)</summary><table><tr>{head}</tr>{rows}</table></details>"
    )


def _words_table(run: RunData, model: str, shown: list[TimeTopic], period: Period | None) -> str:
    """The movers' top words per period (the periods where any has words): how their
    vocabulary shifts while their share moves."""
    if period is None:
        return ""
    shifts = [dict(word_shift(topic, period)) for topic in shown]
    labels = [label for label in period.labels if any(label in shift for shift in shifts)]
    if not labels:
        return ""
    head = "".join(f"<th>{_esc(topic_label(run, model, topic))}</th>" for topic in shown)
    rows = "".join(
        f"<tr><td>{_esc(label)}</td>"
        + "".join(f"<td>{_esc(', '.join(shift.get(label, [])))}</td>" for shift in shifts)
        + "</tr>"
        for label in labels
    )
    return (
        f"<details><summary>The movers' top words per period</summary>"
        f'<table class="time-words"><tr><th>period</th>{head}</tr>{rows}</table></details>'
    )


def _agreement(run: RunData, over_time: OverTime) -> str:
    """Per pair of models, whether their one-to-one matched topics trend alike."""
    if not over_time.agreement:
        return ""
    parts = ["<h3>Do the models agree?</h3>"]
    for pair in over_time.agreement:
        a, b = title(pair.a), title(pair.b)
        rows = "".join(
            f"<tr><td>{_esc(topic_label(run, pair.a, p.a_topic))}</td><td>{_esc(p.a_class)}</td>"
            f"<td>{_esc(topic_label(run, pair.b, p.b_topic))}</td><td>{_esc(p.b_class)}</td>"
            f"<td>{'yes' if p.agree else 'no'}</td></tr>"
            for p in pair.pairs
        )
        parts.append(
            f"<p>{_esc(a)} and {_esc(b)}: the trends of {pair.agreeing} of {pair.matched} "
            "matched topics agree.</p>"
            f"<table><tr><th>{_esc(a)} topic</th><th>trend</th><th>{_esc(b)} topic</th>"
            f"<th>trend</th><th>agree</th></tr>{rows}</table>"
        )
    return "".join(parts)
