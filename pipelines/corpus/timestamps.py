"""Reading document timestamps in the formats corpora actually use, normalised to UTC.

:func:`parse_time` accepts, in this order:

- Python ``datetime`` / ``date`` objects (Parquet timestamp and date columns);
- numbers (JSON numbers, Parquet integer or float columns): an integer 1..9999 (or a
  float with that integral value) is a **year**, read as 1 January of it; every other
  number is a Unix epoch, in **milliseconds** when its magnitude is at least 1e11 and in
  seconds otherwise. 1e11 seconds is the year 5138 while 1e11 milliseconds is March
  1973, so the threshold misreads neither for any date a corpus plausibly holds.
  Negative epochs (before 1970) are fine;
- strings: 1 to 4 digits are a year ("1790", "0800"); exactly 8 digits are an ISO 8601
  basic date ``YYYYMMDD`` (an 8-digit epoch would fall in 1970-1973); other digit
  strings, signed or with a decimal part, are epochs as above; then ISO 8601
  (``datetime.fromisoformat``: dates, datetimes with ``T`` or a space, ``Z`` or
  offsets such as ``+05:30``, fractional seconds, week dates ``2024-W03-1``, plus
  year-months ``2024-01`` and ordinal dates ``2024-015``); then RFC 2822 (e-mail
  ``Date:`` headers such as ``Tue, 15 Nov 1994 08:12:31 GMT``, obsolete zone names
  such as ``EST`` included).

A time without a zone (naive ISO, RFC 2822 ``-0000`` or an unknown zone name, which
RFC 5322 says to read as "zone unknown") is taken to be UTC. Everything is returned
in UTC; the corpus keeps it as ``YYYY-MM-DDTHH:MM:SSZ`` (:func:`format_time`, whole
seconds, truncated). Booleans, empty strings, other types and times outside the years
1..9999 raise ``ValueError`` with a short reason.
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import math
import numbers
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MILLISECONDS_FROM = 1e11  # epochs of at least this magnitude are milliseconds (see above)
NORMALISED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

_YEAR = re.compile(r"^\d{1,4}$")
_BASIC_DATE = re.compile(r"^\d{8}$")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d*)?$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ORDINAL_DATE = re.compile(r"^(\d{4})-(\d{3})$")
_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_FORMATS = "not ISO 8601, RFC 2822, a Unix epoch or a year"


def parse_time(value: Any) -> dt.datetime:
    """``value`` as a timezone-aware UTC datetime; ValueError (short reason) if unreadable."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{value} is not a time")
    if isinstance(value, dt.datetime):
        return _to_utc(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, numbers.Real):
        return _from_number(value)
    if isinstance(value, str):
        return _from_string(value)
    raise ValueError(f"a {type(value).__name__} is not a time")


def format_time(moment: dt.datetime) -> str:
    """The normalised form the corpus keeps: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC."""
    t = _to_utc(moment)
    # Not strftime: its %Y does not zero-pad years before 1000 on every platform.
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def normalise_time(value: Any) -> str:
    """:func:`parse_time` then :func:`format_time`."""
    return format_time(parse_time(value))


def to_datetime64(times: Sequence[str | None]) -> np.ndarray:
    """``datetime64[s]`` (which spans years 1..9999, unlike ``[ns]``), NaT for None.

    Normalised strings take a vectorised path; anything else :func:`parse_time` reads.
    """
    out = np.full(len(times), np.datetime64("NaT"), dtype="datetime64[s]")
    fast = [i for i, t in enumerate(times) if isinstance(t, str) and NORMALISED.match(t)]
    if fast:
        out[fast] = np.array([times[i][:-1] for i in fast], dtype="datetime64[s]")
    for i, t in enumerate(times):
        if t is not None and not (isinstance(t, str) and NORMALISED.match(t)):
            out[i] = np.datetime64(parse_time(t).replace(tzinfo=None), "s")
    return out


# --- readers -----------------------------------------------------------------------------


def _to_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("outside the years 1..9999 in UTC") from None


def _from_number(value: numbers.Real) -> dt.datetime:
    number = int(value) if isinstance(value, numbers.Integral) else float(value)
    if not math.isfinite(number):
        raise ValueError(f"{number} is not a time")
    if 1 <= number <= 9999 and number == int(number):
        return dt.datetime(int(number), 1, 1, tzinfo=UTC)
    milliseconds = abs(number) >= MILLISECONDS_FROM
    try:
        if milliseconds:
            return EPOCH + dt.timedelta(milliseconds=number)
        return EPOCH + dt.timedelta(seconds=number)
    except OverflowError:
        unit = "milliseconds" if milliseconds else "seconds"
        raise ValueError(f"epoch {unit} outside the years 1..9999") from None


def _from_string(value: str) -> dt.datetime:
    text = value.strip()
    if not text:
        raise ValueError("empty")
    if _YEAR.match(text):
        if int(text) == 0:
            raise ValueError("year 0 does not exist")
        return dt.datetime(int(text), 1, 1, tzinfo=UTC)
    if _BASIC_DATE.match(text):
        return _from_iso(text)
    if _NUMBER.match(text):
        return _from_number(float(text) if "." in text else int(text))
    try:
        return _from_iso(text)
    except ValueError as iso_error:
        if _DATE_PREFIX.match(text):
            raise  # ISO 8601 with a bad part: its reason beats "not RFC 2822"
        try:
            return _from_rfc2822(text)
        except ValueError as rfc_error:
            raise (iso_error if text[0].isdigit() else rfc_error) from None


def _from_iso(text: str) -> dt.datetime:
    if text[-1] == "z":  # fromisoformat takes only an upper-case Z
        text = text[:-1] + "Z"
    if match := _YEAR_MONTH.match(text):
        return _checked_date(int(match[1]), int(match[2]), 1)
    if match := _ORDINAL_DATE.match(text):
        year, day = int(match[1]), int(match[2])
        if not 1 <= day <= (366 if calendar.isleap(year) else 365):
            raise ValueError(f"day {day} of the year is out of range")
        return _checked_date(year, 1, 1) + dt.timedelta(days=day - 1)
    try:
        return _to_utc(dt.datetime.fromisoformat(text))
    except ValueError as exc:
        if match := _DATE_PREFIX.match(text):
            _checked_date(int(match[1]), int(match[2]), int(match[3]))  # names the bad part
        if str(exc).startswith("Invalid isoformat"):
            raise ValueError(_FORMATS) from None
        raise ValueError(str(exc)) from None  # datetime's own reason, e.g. hour out of range


def _checked_date(year: int, month: int, day: int) -> dt.datetime:
    try:
        return dt.datetime(year, month, day, tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def _from_rfc2822(text: str) -> dt.datetime:
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError) as exc:
        if isinstance(exc, ValueError) and not str(exc).startswith("Invalid date value"):
            raise ValueError(str(exc)) from None  # a range error, e.g. day out of range
        raise ValueError(_FORMATS) from None
    return _to_utc(parsed)
