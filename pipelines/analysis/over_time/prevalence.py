"""Each topic's share of the documents in each period, with a confidence band.

A topic's share of a period is its documents there over **all** the period's documents
with a time, unassigned ones included, so one model's shares of a period add up to one
minus its unassigned share rather than being inflated when it leaves documents out.

The band is the Wilson score interval (Wilson 1927): unlike the textbook normal
interval it stays inside [0, 1], is not zero-width at a share of 0 or 1, and is wide
for a period of few documents, so a jump there reads as the noise it is. An empty
period has no share and no band (null).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from topicflow.pipelines.models.topicset import UNASSIGNED


def topic_period_counts(
    assignments: np.ndarray, of_document: np.ndarray, n_topics: int, n_periods: int
) -> np.ndarray:
    """Documents of each topic in each period, ``n_topics`` x ``n_periods``; documents
    without a time (period -1) or a topic are left out."""
    assignments = np.asarray(assignments)
    keep = (assignments != UNASSIGNED) & (of_document >= 0)
    cells = assignments[keep].astype(np.int64) * n_periods + of_document[keep]
    counts = np.bincount(cells, minlength=n_topics * n_periods)
    return counts.reshape(n_topics, n_periods)


def shares(counts: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """``counts / documents`` per period; NaN where the period is empty."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(documents > 0, counts / np.maximum(documents, 1), np.nan)


def wilson_interval(
    successes: np.ndarray, trials: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``successes / trials`` (elementwise); NaN where
    ``trials`` is 0."""
    successes = np.asarray(successes, dtype=np.float64)
    trials = np.asarray(trials, dtype=np.float64)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = successes / trials
        denominator = 1 + z**2 / trials
        centre = (p + z**2 / (2 * trials)) / denominator
        half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / denominator
    empty = trials <= 0
    low = np.where(empty, np.nan, np.clip(centre - half, 0.0, 1.0))
    high = np.where(empty, np.nan, np.clip(centre + half, 0.0, 1.0))
    return low, high
