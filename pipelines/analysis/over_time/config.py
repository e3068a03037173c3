"""The ``over_time`` section of the config (kept free of numerical imports: reading a
config must not load numpy or scipy)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from topicflow.pipelines.config_section import Section

Period = Literal["auto", "day", "week", "month", "quarter", "year", "decade"]


class OverTimeConfig(Section):
    """The ``over_time`` section: how documents with a time are binned into periods, how
    each topic's share per period is banded and tested for a trend, and what is listed."""

    # auto: the finest calendar unit giving at most max_periods periods whose non-empty
    # periods hold a median of at least min_period_documents documents (see periods.py).
    period: Period = "auto"
    max_periods: int = Field(40, ge=2, le=10_000)
    # A period needs this many documents to count in the auto choice and in the trend
    # test: a share of a handful of documents is noise, not a spike.
    min_period_documents: int = Field(20, ge=1, le=1_000_000)
    # Confidence of each share's Wilson score band.
    confidence: float = Field(0.95, gt=0, lt=1)
    # Benjamini-Hochberg false discovery rate across one model's topics.
    fdr: float = Field(0.05, gt=0, lt=1)
    # A significant riser is "emerging" when its early share is at most this fraction of
    # its late share (a faller "fading" when its late share is at most this of its early).
    absent_ratio: float = Field(0.1, ge=0, le=1)
    # Biggest significant movers listed per model.
    movers: int = Field(5, ge=0, le=1000)
    # Top words of each topic in each period, and the documents a (topic, period) cell
    # needs for them (fewer: no words, rather than the words of one or two documents).
    words_per_period: int = Field(8, ge=1, le=100)
    word_min_documents: int = Field(3, ge=1, le=1_000_000)
