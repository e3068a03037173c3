"""Topics over time as text for both report formats: which topics to show first, their
labels, trends and word shifts, and the sentence a run without times shows instead
(:mod:`.time_figures` draws the shares, :mod:`.time_html` lays the section out).

Plain strings, unescaped: each writer escapes them for its own format.
"""

from __future__ import annotations

from topicflow.pipelines.io.run_files import RunData
from topicflow.pipelines.io.time_shapes import OverTime, Period, TimeModel, TimeTopic, Trend
from topicflow.pipelines.report.headline import format_value

SECTION_TITLE = "Topics over time"
# An older run has no ``over_time`` at all: say so rather than blame the corpus.
NOT_ANALYSED = "this run was made before topicflow analysed topics over time"
WORDS_SHOWN = 6  # top words per period in the movers' word tables


def analysis(run: RunData) -> OverTime | None:
    """The run's over-time analysis, None when there is nothing to draw."""
    over_time = run.metrics.over_time
    if over_time is None or not over_time.available or over_time.period is None:
        return None
    return over_time


def analysed_models(run: RunData, over_time: OverTime) -> list[str]:
    """The analysed models in the run's order (then any the run does not list)."""
    listed = [m for m in run.model_names if m in over_time.models]
    return listed + [m for m in over_time.models if m not in listed]


def absent_sentence(run: RunData) -> str:
    """Why a run has no over-time section, in one sentence."""
    over_time = run.metrics.over_time
    reason = over_time.reason if over_time is not None else NOT_ANALYSED
    reason = (reason or "the run recorded no reason").strip().rstrip(".")
    return f"No time dimension: {reason}."


def period_sentence(over_time: OverTime) -> str:
    """How the documents were grouped in time, and what was left out."""
    period = over_time.period
    assert period is not None
    how = "chosen automatically" if period.chosen_by == "auto" else "as configured"
    field = f" (field {over_time.field})" if over_time.field else ""
    empty = sum(1 for n in period.documents if n == 0)
    sentence = (
        f"{over_time.documents or 0:,} documents with a time{field}, in {len(period.labels)} "
        f"periods of a {period.unit} ({how}) from {period.labels[0]} to {period.labels[-1]}"
    )
    if empty:
        sentence += f"; {empty} period{'s' if empty > 1 else ''} without documents"
    if over_time.missing:
        sentence += f"; {over_time.missing:,} documents without a time are left out"
    return sentence + "."


def topic_name(run: RunData, model: str, topic: TimeTopic | int) -> str:
    """A topic's name, else its top words (``topics.json``), else ""."""
    topic_id = topic if isinstance(topic, int) else topic.id
    if not isinstance(topic, int) and topic.name:
        return topic.name
    known = next((t for t in run.topics.get(model, []) if t.id == topic_id), None)
    return known.label if known is not None else ""


def topic_label(run: RunData, model: str, topic: TimeTopic | int) -> str:
    """The topic for people: "Topic N: name", else "Topic N: top words", else "Topic N"."""
    topic_id = topic if isinstance(topic, int) else topic.id
    name = topic_name(run, model, topic)
    return f"Topic {topic_id}: {name}" if name else f"Topic {topic_id}"


def ordered(block: TimeModel) -> list[TimeTopic]:
    """A model's topics for its trends table: the movers in their order, then the other
    significant trends by q, then the rest by id."""
    rank = {topic_id: i for i, topic_id in enumerate(block.movers)}

    def key(topic: TimeTopic) -> tuple:
        q = topic.trend.q if topic.trend.q is not None else 2.0
        return (rank.get(topic.id, len(rank)), not topic.trend.significant, q, topic.id)

    return sorted(block.topics, key=key)


def movers(block: TimeModel) -> list[TimeTopic]:
    return [t for topic_id in block.movers if (t := block.topic(topic_id)) is not None]


def shares_text(trend: Trend) -> str:
    """The early and late share: "2.0% -> 14.0% (+12.0 points)"."""
    early = format_value("{:.1%}", trend.early_share)
    late = format_value("{:.1%}", trend.late_share)
    change = format_value("{:+.1f} points", None if trend.change is None else 100 * trend.change)
    return f"{early} -> {late} ({change})"


def trend_text(trend: Trend) -> str:
    """A trend in a line: "rising, 2.0% -> 14.0% (+12.0 points), q = 0.004"."""
    return f"{trend.kind}, {shares_text(trend)}, q = {format_value('{:.2g}', trend.q)}"


def word_shift(topic: TimeTopic, period: Period) -> list[tuple[str, list[str]]]:
    """A topic's top words per period, only the periods that have them."""
    return [
        (label, words[:WORDS_SHOWN])
        for label, words in zip(period.labels, topic.words, strict=False)
        if words
    ]
