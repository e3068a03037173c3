"""Shares, bands and trends on planted counts: Wilson bands that hold the true share and
widen for small periods, Mann-Kendall classes, Benjamini-Hochberg by hand, movers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from topicflow.pipelines.analysis.over_time.prevalence import (
    shares,
    topic_period_counts,
    wilson_interval,
)
from topicflow.pipelines.analysis.over_time.trends import (
    benjamini_hochberg,
    classify,
    method_sentence,
    movers,
    topic_trends,
)

RULES = {"min_period_documents": 20, "fdr": 0.05, "absent_ratio": 0.1}


def test_wilson_band_matches_the_textbook_values():
    low, high = wilson_interval(np.array([5, 0]), np.array([10, 10]), 0.95)
    # 5 of 10: (0.2366, 0.7634); 0 of 10: (0, z^2 / (n + z^2)) = (0, 0.2775).
    assert low == pytest.approx([0.2366, 0.0], abs=1e-4)
    assert high == pytest.approx([0.7634, 0.2775], abs=1e-4)


def test_wilson_band_holds_the_true_share_about_as_often_as_it_claims():
    rng = np.random.default_rng(0)
    n = np.full(2000, 60)
    k = rng.binomial(n, 0.3)
    low, high = wilson_interval(k, n, 0.95)
    coverage = np.mean((low <= 0.3) & (high >= 0.3))
    # Wilson's coverage oscillates a little around the nominal level with n (Brown, Cai
    # and DasGupta 2001): 0.935 at n = 60, where the normal interval's is lower still.
    assert 0.92 <= coverage <= 0.97


def test_wilson_band_is_wide_for_a_small_period_and_absent_for_an_empty_one():
    low, high = wilson_interval(np.array([3, 300, 0]), np.array([10, 1000, 0]))
    widths = high - low
    assert widths[0] > 5 * widths[1]
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_shares_count_unassigned_documents_in_the_denominator():
    assignments = np.array([0, 0, 1, -1, 1, 1, -1, 0])
    of_document = np.array([0, 0, 0, 0, 1, 1, 1, -1])  # the last has no time
    counts = topic_period_counts(assignments, of_document, 2, 3)
    assert counts.tolist() == [[2, 0, 0], [1, 2, 0]]
    documents = np.array([4, 3, 0])
    share = shares(counts, documents)
    assert share[:, 0].tolist() == [0.5, 0.25]  # sums to 1 - one unassigned of four
    assert share[:, 1] == pytest.approx([0.0, 2 / 3])
    assert np.isnan(share[:, 2]).all()


def _planted(shares_by_period: np.ndarray, documents: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.binomial(documents, shares_by_period)


def _trend(share_curve, seed=0, documents=None, rules=RULES):
    documents = np.full(len(share_curve), 80) if documents is None else documents
    counts = _planted(np.asarray(share_curve), documents, seed)[None, :]
    return topic_trends(counts, documents, **rules)[0]


YEARS = np.arange(12)


def test_a_linear_grower_is_rising_and_significant():
    trend = _trend(0.10 + 0.03 * YEARS)
    assert trend["class"] == "rising" and trend["significant"]
    assert trend["statistic"] > 0.5 and trend["p"] < 0.01
    assert trend["slope"] == pytest.approx(0.03, abs=0.01)  # Theil-Sen recovers the slope
    assert trend["change"] == pytest.approx(trend["late_share"] - trend["early_share"])
    # Pooled over the first and last four of twelve periods: 0.145 and 0.445 planted.
    assert trend["early_share"] == pytest.approx(0.145, abs=0.06)
    assert trend["late_share"] == pytest.approx(0.445, abs=0.06)


def test_a_linear_decline_is_falling():
    trend = _trend(0.45 - 0.03 * YEARS)
    assert (trend["class"], trend["significant"]) == ("falling", True)


def test_a_constant_share_is_steady_and_rarely_called_significant():
    calls = [_trend(np.full(12, 0.25), seed=seed) for seed in range(100)]
    assert calls[0]["class"] == "steady" and not calls[0]["significant"]
    false_alarms = sum(t["significant"] for t in calls)
    assert false_alarms <= 10  # the test's level is 5 %


def test_a_topic_that_appears_halfway_is_emerging():
    trend = _trend(np.where(YEARS >= 6, 0.25, 0.0))
    assert (trend["class"], trend["early_share"]) == ("emerging", 0.0)


def test_a_topic_that_disappears_halfway_is_fading():
    trend = _trend(np.where(YEARS < 6, 0.25, 0.0))
    assert (trend["class"], trend["late_share"]) == ("fading", 0.0)


def test_a_spike_in_a_period_of_few_documents_is_not_tested():
    documents = np.full(12, 80)
    documents[-1] = 5  # the last period: five documents, every one the topic's
    counts = np.full(12, 20)
    counts[-1] = 5
    steady = topic_trends(counts[None, :], documents, **RULES)[0]
    assert (steady["class"], steady["p"]) == ("steady", 1.0)  # 0.25 in every tested period
    assert steady["late_share"] == pytest.approx(0.25)


def test_with_fewer_than_five_tested_periods_no_topic_is_tested():
    documents = np.array([100, 100, 100, 100, 3])
    counts = np.array([[10, 20, 30, 40, 3]])
    trend = topic_trends(counts, documents, **RULES)[0]
    assert trend["class"] == "steady" and not trend["significant"]
    assert trend["p"] is None and trend["q"] is None and trend["statistic"] is None
    # The effect is still reported: first and last third of the four tested periods
    # (two each): (10 + 20) / 200 early, (30 + 40) / 200 late.
    assert (trend["early_share"], trend["late_share"]) == pytest.approx((0.15, 0.35))
    assert trend["change"] == pytest.approx(0.2)
    assert "not run" in method_sentence(documents, 20, 0.05)
    assert "Mann-Kendall" in method_sentence(np.full(6, 100), 20, 0.05)


def test_benjamini_hochberg_by_hand():
    p = [0.01, 0.04, 0.03, 0.005, None, 0.5]
    # Ranked: 0.005, 0.01, 0.03, 0.04, 0.5 (m = 5); p * m / rank = 0.025, 0.025, 0.05,
    # 0.05, 0.5, already non-decreasing.
    assert benjamini_hochberg(p) == pytest.approx([0.025, 0.05, 0.05, 0.025, None, 0.5])
    # A later small p pulls the earlier q-values down to it (the running minimum).
    assert benjamini_hochberg([0.02, 0.021, 0.022]) == pytest.approx([0.022] * 3)
    ps = np.random.default_rng(0).uniform(0, 0.2, 30)
    assert benjamini_hochberg(list(ps)) == pytest.approx(false_discovery_control(ps))
    assert benjamini_hochberg([]) == []


def test_fdr_control_across_a_models_topics():
    documents = np.full(12, 100)
    # Kendall's tau 0.515, exact p = 0.021: significant alone; among four topics whose
    # shares do not move (p = 1), its q is 4 x 0.021 = 0.084.
    moving = np.array([20, 26, 21, 30, 22, 25, 33, 24, 29, 27, 31, 32])
    alone = topic_trends(moving[None, :], documents, **RULES)[0]
    assert alone["p"] == pytest.approx(0.021, abs=5e-4) and alone["class"] == "rising"
    counts = np.vstack([moving, *[np.full(12, 20)] * 3])
    among = topic_trends(counts, documents, **RULES)[0]
    assert among["q"] == pytest.approx(4 * alone["p"])
    assert (among["class"], among["significant"]) == ("steady", False)


def test_classes_follow_the_stated_rule():
    assert classify(0.5, True, early=0.01, late=0.10, ratio=0.1) == "emerging"
    assert classify(0.5, True, early=0.011, late=0.10, ratio=0.1) == "rising"
    assert classify(-0.5, True, early=0.10, late=0.01, ratio=0.1) == "fading"
    assert classify(-0.5, True, early=0.10, late=0.02, ratio=0.1) == "falling"
    assert classify(0.9, False, early=0.0, late=0.5, ratio=0.1) == "steady"


def test_movers_are_the_significant_topics_biggest_change_first():
    trends = [
        {"significant": True, "change": 0.05},
        {"significant": False, "change": 0.40},
        {"significant": True, "change": -0.20},
        {"significant": True, "change": 0.10},
    ]
    assert movers(trends, 5) == [2, 3, 0]
    assert movers(trends, 2) == [2, 3]
