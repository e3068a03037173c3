"""Timestamps: every accepted format against a known UTC answer, and every kind of bad value."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from topicflow.pipelines.corpus.timestamps import (
    format_time,
    normalise_time,
    parse_time,
    to_datetime64,
)

KNOWN = {
    # ISO 8601
    "date": ("2024-01-15", "2024-01-15T00:00:00Z"),
    "naive datetime is UTC": ("2024-01-15T10:15:30", "2024-01-15T10:15:30Z"),
    "space separator": ("2024-01-15 10:15:30", "2024-01-15T10:15:30Z"),
    "Z suffix": ("2024-01-15T10:15:30Z", "2024-01-15T10:15:30Z"),
    "lower-case z": ("2024-01-15t10:15:30z", "2024-01-15T10:15:30Z"),
    "positive offset": ("2024-01-15T10:15:30+05:30", "2024-01-15T04:45:30Z"),
    "negative offset across midnight": ("2024-01-15T22:00:00-03:00", "2024-01-16T01:00:00Z"),
    "offset without colon": ("2024-01-15T10:15:30+0530", "2024-01-15T04:45:30Z"),
    "fractional seconds truncated": ("2024-01-15T10:15:30.999Z", "2024-01-15T10:15:30Z"),
    "nanoseconds": ("2024-01-15T10:15:30.123456789+00:00", "2024-01-15T10:15:30Z"),
    "hours and minutes only": ("2024-01-15T10:15", "2024-01-15T10:15:00Z"),
    "basic format date": ("20240115", "2024-01-15T00:00:00Z"),
    "basic format datetime": ("20240115T101530Z", "2024-01-15T10:15:30Z"),
    "week date": ("2024-W03-1", "2024-01-15T00:00:00Z"),
    "ordinal date": ("2024-015", "2024-01-15T00:00:00Z"),
    "ordinal leap day 366": ("2024-366", "2024-12-31T00:00:00Z"),
    "year and month": ("2024-02", "2024-02-01T00:00:00Z"),
    "surrounding whitespace": ("  2024-01-15\n", "2024-01-15T00:00:00Z"),
    "before 1900": ("1790-01-08", "1790-01-08T00:00:00Z"),
    "after 2038": ("2100-06-30T12:00:00Z", "2100-06-30T12:00:00Z"),
    # RFC 2822
    "rfc 2822 GMT": ("Tue, 15 Nov 1994 08:12:31 GMT", "1994-11-15T08:12:31Z"),
    "rfc 2822 numeric zone": ("Tue, 15 Nov 1994 08:12:31 +0200", "1994-11-15T06:12:31Z"),
    "rfc 2822 -0000 is UTC": ("15 Nov 1994 08:12:31 -0000", "1994-11-15T08:12:31Z"),
    "rfc 2822 obsolete zone name": ("Tue, 15 Nov 1994 08:12:31 EST", "1994-11-15T13:12:31Z"),
    "rfc 2822 unknown zone is UTC": ("Tue, 15 Nov 1994 08:12:31 XYZ", "1994-11-15T08:12:31Z"),
    "rfc 2822 two-digit year": ("Tue, 15 Nov 94 08:12:31 +0000", "1994-11-15T08:12:31Z"),
    "rfc 2822 without seconds": ("Wed, 1 Jan 2003 10:00 +0100", "2003-01-01T09:00:00Z"),
    # Unix epochs
    "epoch seconds int": (1700000000, "2023-11-14T22:13:20Z"),
    "epoch seconds string": ("1700000000", "2023-11-14T22:13:20Z"),
    "epoch seconds float": (1700000000.75, "2023-11-14T22:13:20Z"),
    "epoch seconds float string": ("1700000000.75", "2023-11-14T22:13:20Z"),
    "epoch milliseconds int": (1700000000123, "2023-11-14T22:13:20Z"),
    "epoch milliseconds string": ("1700000000123", "2023-11-14T22:13:20Z"),
    "epoch zero": (0, "1970-01-01T00:00:00Z"),
    "negative epoch seconds": (-86400, "1969-12-31T00:00:00Z"),
    "negative epoch string": ("-5679590400", "1790-01-08T00:00:00Z"),
    "negative fractional epoch rounds down": (-0.5, "1969-12-31T23:59:59Z"),
    "epoch seconds just under the millisecond threshold": (99_999_999_999, "5138-11-16T09:46:39Z"),
    "epoch milliseconds at the threshold": (100_000_000_000, "1973-03-03T09:46:40Z"),
    # Bare years
    "year string": ("1790", "1790-01-01T00:00:00Z"),
    "year int": (1790, "1790-01-01T00:00:00Z"),
    "year float": (1790.0, "1790-01-01T00:00:00Z"),
    "year 1": (1, "0001-01-01T00:00:00Z"),
    "year 9999": ("9999", "9999-01-01T00:00:00Z"),
    "zero-padded year": ("0800", "0800-01-01T00:00:00Z"),
    # Python objects (Parquet timestamp and date columns)
    "date object": (dt.date(1790, 1, 8), "1790-01-08T00:00:00Z"),
    "naive datetime object": (dt.datetime(2024, 1, 15, 10, 15, 30), "2024-01-15T10:15:30Z"),
    "aware datetime object": (
        dt.datetime(2024, 1, 15, 10, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        "2024-01-15T15:15:30Z",
    ),
}


@pytest.mark.parametrize("case", list(KNOWN))
def test_known_answer(case):
    value, expected = KNOWN[case]
    assert normalise_time(value) == expected
    parsed = parse_time(value)
    assert parsed.utcoffset() == dt.timedelta(0)


BAD = {
    "empty": ("", "empty"),
    "blank": ("   ", "empty"),
    "words": ("yesterday", "not ISO 8601, RFC 2822, a Unix epoch or a year"),
    "slashes": ("2024/01/15", "not ISO 8601"),
    "month 13": ("2024-13-01", "month must be in 1..12"),
    "february 30": ("2024-02-30", "day is out of range for month"),
    "hour 25": ("2024-01-15T25:00", "hour must be in 0..23"),
    "basic date month 13": ("20241301", "month must be in 1..12"),
    "year-month 13": ("2024-13", "month must be in 1..12"),
    "ordinal day 366 of a common year": ("2023-366", "day 366 of the year is out of range"),
    "rfc 2822 day 32": ("Mon, 32 Jan 2024 00:00:00 +0000", "day is out of range for month"),
    "year 0 string": ("0000", "year 0 does not exist"),
    "boolean true": (True, "True is not a time"),
    "boolean false": (False, "False is not a time"),
    "none": (None, "None is not a time"),
    "huge integer": (10**30, "epoch milliseconds outside the years 1..9999"),
    "huge float": (1e300, "epoch milliseconds outside the years 1..9999"),
    "huge digit string": ("9" * 40, "epoch milliseconds outside the years 1..9999"),
    "nan": (float("nan"), "nan is not a time"),
    "infinity": (float("inf"), "inf is not a time"),
    "offset pushes year 1 below range": ("0001-01-01T00:00:00+05:00", "outside the years"),
    "offset pushes year 9999 above range": ("9999-12-31T23:30:00-01:00", "outside the years"),
    "list": ([2024], "a list is not a time"),
    "dict": ({"year": 2024}, "a dict is not a time"),
    "bytes": (b"2024-01-15", "a bytes is not a time"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_value_raises_a_short_reason(case):
    value, reason = BAD[case]
    with pytest.raises(ValueError, match="^" + reason.replace(".", r"\.")) as info:
        parse_time(value)
    assert "\n" not in str(info.value) and len(str(info.value)) < 80


def test_format_time_pads_early_years_and_converts_to_utc():
    early = dt.datetime(99, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    assert format_time(early) == "0099-03-04T05:06:07Z"
    tokyo = dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert format_time(tokyo) == "2023-12-31T23:00:00Z"


def test_to_datetime64_spans_years_1_to_9999_with_nat_for_missing():
    times = ["1790-01-08T00:00:00Z", None, "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]
    out = to_datetime64(times)
    assert out.dtype == np.dtype("datetime64[s]")
    assert str(out[0]) == "1790-01-08T00:00:00"
    assert np.isnat(out[1]) and not np.isnat(out[0])
    assert str(out[2]) == "0001-01-01T00:00:00" and str(out[3]) == "9999-12-31T23:59:59"
    # Seconds since 1970 of the SOTU's first address: no [ns] overflow.
    assert out[0].astype(np.int64) == -5679590400


def test_to_datetime64_reads_values_that_are_not_normalised_too():
    out = to_datetime64(["2024-01-15T10:15:30+05:30", "1790", None])
    assert [str(x) for x in out] == ["2024-01-15T04:45:30", "1790-01-01T00:00:00", "NaT"]


def test_to_datetime64_of_nothing_is_empty():
    assert to_datetime64([]).shape == (0,)
