"""The shape of ``metrics.json``'s ``over_time``: topic shares per period of time, their
confidence bands, trends with test results, and how far the models' trends agree.

Kept apart from :mod:`.run_shapes` (which refers to :class:`OverTime`) so the time parts
read on their own. Like every part topicflow writes, unknown keys are refused.
"""

from __future__ import annotations

from pydantic import Field

from topicflow.pipelines.io.shape_base import Number, Shape


class Period(Shape):
    """The periods documents are grouped in: ``edges`` are n + 1 calendar-aligned ISO UTC
    instants (widths may differ), ``labels`` and ``documents`` one per period."""

    unit: str  # day | week | month | quarter | year | decade
    chosen_by: str  # auto | config
    edges: list[str]
    labels: list[str]
    documents: list[int]

    @property
    def starts(self) -> list[str]:
        return self.edges[:-1]


class Trend(Shape):
    """A topic's trend over the periods: its class, the test's statistic, p and
    FDR-adjusted q, and the change from the early to the late share."""

    kind: str = Field(alias="class")  # rising | falling | emerging | fading | steady
    significant: bool
    statistic: Number
    p: Number
    q: Number
    slope: Number
    change: Number
    early_share: Number
    late_share: Number


class TimeTopic(Shape):
    """One topic per period: documents, share of the period's documents, the share's
    band (null for empty periods) and the top words (``[]`` when too few documents)."""

    id: int
    name: str | None = None
    counts: list[int]
    shares: list[Number]
    low: list[Number]
    high: list[Number]
    trend: Trend
    words: list[list[str]]


class TimeModel(Shape):
    topics: list[TimeTopic]
    movers: list[int]  # topic ids, biggest significant movers first

    def topic(self, topic_id: int) -> TimeTopic | None:
        return next((t for t in self.topics if t.id == topic_id), None)


class TrendPair(Shape):
    a_topic: int
    b_topic: int
    a_class: str
    b_class: str
    agree: bool


class TrendAgreement(Shape):
    """Two models' trend classes over their one-to-one matched topics."""

    a: str
    b: str
    pairs: list[TrendPair]
    agreeing: int
    matched: int


class OverTime(Shape):
    """``metrics.json``'s ``over_time``: the analysis when ``available``, else only the
    ``reason`` (no time field, too few timed documents or periods)."""

    available: bool
    reason: str | None = None
    field: str | None = None
    documents: int | None = None  # documents with a time
    missing: int | None = None  # documents without one, left out of every share
    period: Period | None = None
    test: str | None = None
    models: dict[str, TimeModel] = {}
    agreement: list[TrendAgreement] = []
