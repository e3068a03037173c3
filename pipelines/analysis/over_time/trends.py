"""Which topics rise, fall, emerge or fade: a stated test, not a look at the curve.

**Test.** Mann-Kendall (Mann 1945, Kendall 1975) on each topic's period shares: Kendall's
tau-b of the share against the period's order, with its two-sided p-value (scipy: exact
for short series without ties, else the normal approximation with the variance
corrected for ties, such as the zero shares before a topic appears). It asks only
whether later periods tend to have higher (or lower) shares, so it makes no assumption
on the shape of the change and is untroubled by the overdispersion of real corpora
(documents of one period are not independent draws: a State of the Union address is
one speech of a hundred paragraphs), which makes a plain binomial regression on counts
call far too many trends. A quasi-binomial logistic regression (dispersion from the
Pearson residuals, F test) holds its level too; on simulated 12- and 24-period series
it had much the same power, more for big steps and with six periods, less for a topic
going from 0 to 5 % (82 % against 95 %), so the simpler, shape-free test stays.
Its weak spot: its power is bounded by the number of periods, not of documents (a
topic appearing halfway through 12 periods is found in about 93 % of draws, through
24 almost always).

Only periods with at least ``min_period_documents`` documents are tested, so a share
of a handful of documents can neither make nor hide a trend. With fewer than
:data:`MIN_TESTED_PERIODS` such periods no topic is tested (all ``steady``, p null):
with four periods the smallest possible two-sided p is already 1/12.

**False discovery rate.** Benjamini-Hochberg q-values across one model's tested topics;
a topic's trend is significant when q <= ``fdr``.

**Effect size.** ``slope``: the Theil-Sen slope (median of pairwise slopes, robust to a
stray period) of the share per period; ``change``: late share - early share, each pooled
(topic documents over period documents) over the first and the last third of the tested
periods.

**Classes.** Significant with tau > 0: ``emerging`` when the early share is at most
``absent_ratio`` times the late share (the topic was essentially absent early), else
``rising``. Significant with tau < 0: ``fading`` when the late share is at most
``absent_ratio`` times the early share, else ``falling``. Not significant: ``steady``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Fewest tested periods for the test to run: with 4, Mann-Kendall's smallest two-sided
# p-value is 2/4! = 0.083, so no trend could ever be called.
MIN_TESTED_PERIODS = 5

UP, DOWN = ("rising", "emerging"), ("falling", "fading")


def direction(trend_class: str) -> str:
    """``up``, ``down`` or ``flat``: what two classes must share to agree."""
    return "up" if trend_class in UP else "down" if trend_class in DOWN else "flat"


def tested_periods(documents: np.ndarray, min_period_documents: int) -> np.ndarray:
    """The indices of the periods with enough documents to enter the test."""
    return np.flatnonzero(np.asarray(documents) >= min_period_documents)


def mann_kendall(shares: np.ndarray) -> tuple[float, float]:
    """Kendall's tau-b of ``shares`` against their order, and its two-sided p-value.
    A constant series (a topic with the same share, e.g. none, in every period) has no
    trend: tau 0, p 1."""
    from scipy.stats import kendalltau

    shares = np.asarray(shares, dtype=np.float64)
    if np.ptp(shares) == 0:
        return 0.0, 1.0
    result = kendalltau(np.arange(len(shares)), shares)
    return float(result.statistic), float(result.pvalue)


def theil_sen_slope(shares: np.ndarray, positions: np.ndarray) -> float:
    """The median of the pairwise slopes of share against period position."""
    from scipy.stats import theilslopes

    return float(theilslopes(shares, positions).slope)


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values (q-values); None stays None and does not
    count among the tests."""
    tested = [i for i, p in enumerate(p_values) if p is not None]
    q: list[float | None] = [None] * len(p_values)
    m = len(tested)
    order = sorted(tested, key=lambda i: p_values[i])
    running = 1.0
    # From the largest p down: q_(k) = min over j >= k of p_(j) * m / j.
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = running
    return q


def pooled_shares(
    counts: np.ndarray, documents: np.ndarray, tested: np.ndarray
) -> tuple[float, float]:
    """The topic's share pooled over the first and over the last third of the tested
    periods (each third at least one period)."""
    third = math.ceil(len(tested) / 3)
    early, late = tested[:third], tested[-third:]
    return (
        float(counts[early].sum() / documents[early].sum()),
        float(counts[late].sum() / documents[late].sum()),
    )


def classify(statistic: float | None, significant: bool, early: float, late: float, ratio: float):
    """The trend class by the rule of the module docstring."""
    if not significant or statistic is None or statistic == 0:
        return "steady"
    if statistic > 0:
        return "emerging" if early <= ratio * late else "rising"
    return "fading" if late <= ratio * early else "falling"


def topic_trends(
    counts: np.ndarray,
    documents: np.ndarray,
    *,
    min_period_documents: int,
    fdr: float,
    absent_ratio: float,
) -> list[dict]:
    """The ``trend`` entry of every topic of one model: ``counts`` is topics x periods,
    ``documents`` the documents per period."""
    documents = np.asarray(documents)
    tested = tested_periods(documents, min_period_documents)
    runs = len(tested) >= MIN_TESTED_PERIODS
    trends = []
    for row in np.asarray(counts):
        trend: dict = dict.fromkeys(("statistic", "p", "q", "slope", "change"))
        trend |= {"early_share": None, "late_share": None}
        if len(tested):
            early, late = pooled_shares(row, documents, tested)
            trend |= {"early_share": early, "late_share": late, "change": late - early}
        if runs:
            shares = row[tested] / documents[tested]
            trend["statistic"], trend["p"] = mann_kendall(shares)
            trend["slope"] = theil_sen_slope(shares, tested.astype(np.float64))
        trends.append(trend)
    for trend, q in zip(trends, benjamini_hochberg([t["p"] for t in trends]), strict=True):
        trend["q"] = q
        trend["significant"] = q is not None and q <= fdr
        trend["class"] = classify(
            trend["statistic"],
            trend["significant"],
            trend["early_share"] or 0.0,
            trend["late_share"] or 0.0,
            absent_ratio,
        )
    return trends


def movers(trends: Sequence[dict], limit: int) -> list[int]:
    """The significant topics, biggest ``|change|`` first (ties: lower id), at most ``limit``."""
    moving = [i for i, t in enumerate(trends) if t["significant"]]
    moving.sort(key=lambda i: (-abs(trends[i]["change"] or 0.0), i))
    return moving[:limit]


def method_sentence(documents: np.ndarray, min_period_documents: int, fdr: float) -> str:
    """The one sentence ``metrics.json`` states the method in, for this run's periods."""
    n = len(tested_periods(documents, min_period_documents))
    over = f"the {n} periods with at least {min_period_documents} documents"
    if n < MIN_TESTED_PERIODS:
        return (
            f"Mann-Kendall trend test not run: only {over} (it needs "
            f"{MIN_TESTED_PERIODS}), so every topic is reported steady."
        )
    return (
        f"Mann-Kendall trend test (Kendall's tau of each topic's share against period order, "
        f"over {over}), Benjamini-Hochberg false discovery rate {fdr:g} across each model's "
        "topics; effect size: the Theil-Sen slope of the share per period and the change "
        "in share from the first to the last third of those periods."
    )
