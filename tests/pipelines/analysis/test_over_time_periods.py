"""Calendar periods: the automatic unit for several spans and counts, calendar-aligned
edges of irregular width, labels, empty periods kept, and when there is nothing to bin."""

from __future__ import annotations

import numpy as np
import pytest

from topicflow.pipelines.analysis.over_time.periods import (
    NotAvailable,
    choose_periods,
    period_index,
    period_label,
    period_start,
)


def _times(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[s]")


def _spread(start: str, days: int, n: int, seed: int = 0) -> np.ndarray:
    """``n`` times at random seconds of the ``days`` days from ``start``."""
    rng = np.random.default_rng(seed)
    seconds = rng.integers(0, days * 86_400, n)
    return np.datetime64(start, "s") + seconds.astype("timedelta64[s]")


def test_ten_busy_days_are_binned_by_day():
    periods = choose_periods(_spread("2024-03-01", 10, 600))
    assert (periods.unit, periods.chosen_by, periods.n) == ("day", "auto", 10)
    assert periods.labels()[0] == "2024-03-01" and periods.labels()[-1] == "2024-03-10"
    assert periods.documents.sum() == 600


def test_five_years_of_sixty_documents_a_year_are_binned_by_year():
    # Quarters: 20 periods of about 15 documents, too few; years: 5 of about 60.
    periods = choose_periods(_spread("2015-01-01", 5 * 365, 300))
    assert (periods.unit, periods.n) == ("year", 5)
    assert periods.labels() == ["2015", "2016", "2017", "2018", "2019"]


def test_more_documents_over_the_same_years_get_a_finer_unit():
    # 2000 documents over 5 years: quarters hold about 100 each, and 20 <= 40 periods.
    periods = choose_periods(_spread("2015-01-01", 5 * 365, 2000))
    assert (periods.unit, periods.n) == ("quarter", 20)
    assert periods.labels()[:3] == ["2015-Q1", "2015-Q2", "2015-Q3"]


def test_the_state_of_the_union_span_is_binned_by_decade():
    years = np.arange(1790, 2027)
    times = np.repeat((years - 1970).astype("datetime64[Y]"), 50).astype("datetime64[s]")
    periods = choose_periods(times)
    assert (periods.unit, periods.n) == ("decade", 24)  # 237 years: too many for years
    assert periods.labels()[0] == "1790s" and periods.labels()[-1] == "2020s"
    edges = periods.edges()
    assert edges[0] == "1790-01-01T00:00:00Z" and edges[-1] == "2030-01-01T00:00:00Z"
    assert periods.documents[0] == 500 and periods.documents[-1] == 7 * 50


def test_month_edges_are_calendar_months_of_unequal_width():
    times = _times("2024-01-15", "2024-02-29T23:59:59", "2024-03-01", "2024-03-31")
    periods = choose_periods(times, period="month")
    assert periods.chosen_by == "config"
    assert periods.edges() == [
        "2024-01-01T00:00:00Z",
        "2024-02-01T00:00:00Z",
        "2024-03-01T00:00:00Z",
        "2024-04-01T00:00:00Z",
    ]
    widths = np.diff(np.array([e[:-1] for e in periods.edges()], dtype="datetime64[D]"))
    assert widths.astype(int).tolist() == [31, 29, 31]  # 2024 is a leap year
    assert periods.documents.tolist() == [1, 1, 2]
    assert periods.labels() == ["2024-01", "2024-02", "2024-03"]


def test_weeks_start_on_monday_and_are_labelled_by_it():
    # 2024-03-03 is a Sunday, 2024-03-04 the Monday after it.
    times = _times("2024-03-03T23:59:59", "2024-03-04", "2024-03-10T12:00")
    periods = choose_periods(times, period="week")
    assert periods.labels() == ["2024-02-26", "2024-03-04"]
    assert periods.of_document.tolist() == [0, 1, 1]
    assert periods.edges()[1] == "2024-03-04T00:00:00Z"


def test_times_before_1970_fall_in_their_own_calendar_bins():
    # Integer division must floor, not truncate, below the epoch.
    times = _times("1969-12-31T23:00", "1790-01-08")
    for unit, labels in {
        "day": ["1969-12-31", "1790-01-08"],
        "week": ["1969-12-29", "1790-01-04"],  # the Mondays of those weeks
        "quarter": ["1969-Q4", "1790-Q1"],
        "year": ["1969", "1790"],
        "decade": ["1960s", "1790s"],
    }.items():
        index = period_index(times, unit)
        assert [period_label(int(i), unit) for i in index] == labels, unit
        assert (period_start(index, unit) <= times).all(), unit


def test_empty_periods_are_kept_with_no_documents():
    times = np.concatenate([_spread("2000-01-01", 365, 30), _spread("2003-01-01", 365, 40)])
    periods = choose_periods(times, period="year")
    assert periods.labels() == ["2000", "2001", "2002", "2003"]
    assert periods.documents.tolist() == [30, 0, 0, 40]


def test_documents_without_a_time_have_no_period():
    times = _times("2020-05-01", "NaT", "2021-05-01")
    periods = choose_periods(times, period="year")
    assert periods.of_document.tolist() == [0, -1, 1]


def test_without_a_well_filled_unit_the_coarsest_that_shows_a_change_is_taken():
    # 30, 10 and 5 documents in three years: years have a median of 10 (< 20); a decade
    # would hold them all in one period, which shows no change.
    times = np.concatenate(
        [_spread(f"{year}-01-01", 365, n) for year, n in ((2011, 30), (2012, 10), (2013, 5))]
    )
    periods = choose_periods(times)
    assert (periods.unit, periods.documents.tolist()) == ("year", [30, 10, 5])


def test_a_configured_unit_with_too_many_periods_is_refused_with_the_reason():
    times = _times("2010-01-01", "2014-06-30", "2019-12-31")  # 365 x 10 + 2 leap days
    too_many = r"period day gives 3652 periods .*over_time.max_periods \(40\)"
    with pytest.raises(NotAvailable, match=too_many):
        choose_periods(times, period="day")


def test_documents_all_on_one_day_show_no_change():
    one_day = r"all 50 timed documents fall in one day \(2024-03-04\)"
    with pytest.raises(NotAvailable, match=one_day):
        choose_periods(_spread("2024-03-04", 1, 50))


def test_no_time_at_all():
    with pytest.raises(NotAvailable, match="no document has a usable time"):
        choose_periods(_times("NaT", "NaT"))
