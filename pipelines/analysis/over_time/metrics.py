"""The ``over_time`` entry of ``metrics.json``: periods, every model's topic shares with
their bands, trends and words per period, the movers, and the models' agreement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from topicflow.pipelines.analysis.over_time.agreement import trend_agreement
from topicflow.pipelines.analysis.over_time.config import OverTimeConfig
from topicflow.pipelines.analysis.over_time.periods import NotAvailable, Periods, choose_periods
from topicflow.pipelines.analysis.over_time.prevalence import (
    shares,
    topic_period_counts,
    wilson_interval,
)
from topicflow.pipelines.analysis.over_time.trends import method_sentence, movers, topic_trends
from topicflow.pipelines.analysis.over_time.words import words_per_period
from topicflow.pipelines.models.topicset import TopicSet

NO_TIME_FIELD = "the corpus has no time field (run with --time-field)"


def over_time(
    topic_sets: Mapping[str, TopicSet],
    times: np.ndarray | None,
    counts: sp.csr_matrix,
    vocabulary: Sequence[str],
    cfg: OverTimeConfig,
    comparisons: Sequence[Mapping] | None = None,
    field: str | None = None,
) -> dict[str, Any]:
    """Topics over time for every model in ``topic_sets``.

    ``times``: one ``datetime64`` per document (NaT: none), None when the corpus has no
    time field; ``counts``: documents x ``vocabulary`` token counts (the shared
    reference); ``comparisons``: ``metrics["comparisons"]``, for the models' agreement
    on matched topics. Returns ``{"available": false, "reason": ...}`` when the times
    cannot carry the analysis (none, too few, all in one period).
    """
    if times is None:
        return unavailable(NO_TIME_FIELD)
    times = _checked_times(times, topic_sets, counts)
    n_timed = int(np.count_nonzero(~np.isnat(times)))
    where = f" in {field!r}" if field else ""
    if n_timed == 0:
        return unavailable(f"none of the {len(times)} documents has a usable time{where}")
    needed = 2 * cfg.min_period_documents
    if n_timed < needed:
        return unavailable(
            f"only {n_timed} of {len(times)} documents have a usable time{where}; topics "
            f"over time need at least {needed} (twice over_time.min_period_documents)"
        )
    try:
        periods = choose_periods(times, cfg.period, cfg.max_periods, cfg.min_period_documents)
    except NotAvailable as exc:
        return unavailable(str(exc))
    models = {
        name: model_over_time(topics, periods, counts, vocabulary, cfg)
        for name, topics in topic_sets.items()
    }
    classes = {
        name: [t["trend"]["class"] for t in entry["topics"]] for name, entry in models.items()
    }
    return {
        "available": True,
        "field": field,
        "documents": n_timed,
        "missing": len(times) - n_timed,
        "period": {
            "unit": periods.unit,
            "chosen_by": periods.chosen_by,
            "edges": periods.edges(),
            "labels": periods.labels(),
            "documents": periods.documents.tolist(),
        },
        "test": method_sentence(periods.documents, cfg.min_period_documents, cfg.fdr),
        "models": models,
        "agreement": trend_agreement(comparisons or [], classes),
    }


def unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


def model_over_time(
    topics: TopicSet,
    periods: Periods,
    counts: sp.csr_matrix,
    vocabulary: Sequence[str],
    cfg: OverTimeConfig,
) -> dict[str, Any]:
    """One model's ``over_time.models`` entry."""
    k, n = topics.n_topics, periods.n
    per_period = topic_period_counts(topics.assignments, periods.of_document, k, n)
    documents = np.broadcast_to(periods.documents, per_period.shape)
    low, high = wilson_interval(per_period, documents, cfg.confidence)
    trends = topic_trends(
        per_period,
        periods.documents,
        min_period_documents=cfg.min_period_documents,
        fdr=cfg.fdr,
        absent_ratio=cfg.absent_ratio,
    )
    words = words_per_period(
        counts,
        vocabulary,
        topics.assignments,
        periods.of_document,
        k,
        n,
        top=cfg.words_per_period,
        min_documents=cfg.word_min_documents,
    )
    share = shares(per_period, documents)
    names = topics.names or [None] * k
    entries = [
        {
            "id": topic,
            "name": names[topic],
            "counts": per_period[topic].tolist(),
            "shares": _rounded(share[topic]),
            "low": _rounded(low[topic]),
            "high": _rounded(high[topic]),
            "trend": _trend_record(trends[topic]),
            "words": words[topic],
        }
        for topic in range(k)
    ]
    return {"topics": entries, "movers": movers(trends, cfg.movers)}


def _checked_times(times: np.ndarray, topic_sets: Mapping[str, TopicSet], counts) -> np.ndarray:
    times = np.asarray(times)
    if not np.issubdtype(times.dtype, np.datetime64):
        raise ValueError(f"times must be datetime64, got {times.dtype}")
    lengths = {"counts": counts.shape[0]}
    lengths |= {name: len(topics.assignments) for name, topics in topic_sets.items()}
    wrong = {what: n for what, n in lengths.items() if n != len(times)}
    if wrong:
        raise ValueError(f"{len(times)} times but documents per input {wrong}")
    return times.astype("datetime64[s]")


def _rounded(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else round(float(v), 6) for v in values]


def _significant(value: float | None, digits: int = 4) -> float | None:
    """Four significant digits: p-values and slopes can be far below 1e-6."""
    return None if value is None else float(f"{value:.{digits}g}")


def _trend_record(trend: dict) -> dict:
    def six(value):
        return None if value is None else round(value, 6)

    return {
        "class": trend["class"],
        "significant": bool(trend["significant"]),
        "statistic": six(trend["statistic"]),
        "p": _significant(trend["p"]),
        "q": _significant(trend["q"]),
        "slope": _significant(trend["slope"]),
        "change": six(trend["change"]),
        "early_share": six(trend["early_share"]),
        "late_share": six(trend["late_share"]),
    }
