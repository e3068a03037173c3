"""Calendar periods: which unit, its edges and labels, and each document's period.

Periods are calendar-aligned bins of one unit: day, week (starting Monday), month,
quarter, year or decade ("1790s" is 1790-01-01 to 1800-01-01). Months, quarters and
decades therefore have irregular widths, and that is what an analyst expects to read.
Every bin from the first document's to the last document's is kept, empty ones too,
so a gap in the corpus shows as a gap rather than being closed up.

The unit is chosen automatically (``period: auto``): the **finest** unit whose bins
over the span number at most ``max_periods`` and whose non-empty bins hold a median of
at least ``min_period_documents`` documents (and at least two of them are non-empty).
The median rather than the mean, so a few crowded periods do not make a unit look
well filled. When no unit qualifies, the coarsest unit with at most ``max_periods``
bins and two non-empty ones is taken (the most documents per period).

Arithmetic is on numpy's ``datetime64`` day, month and year units, which cover
years far outside pandas' nanosecond range (the State of the Union corpus starts in
1790).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNITS = ("day", "week", "month", "quarter", "year", "decade")


class NotAvailable(Exception):
    """The corpus's times cannot carry an over-time analysis; the message says why."""


def period_index(times: np.ndarray, unit: str) -> np.ndarray:
    """Each time's calendar bin of ``unit``, as an integer counted from the epoch's bin
    (times must not be NaT)."""
    if unit in ("day", "week"):
        days = times.astype("datetime64[D]").astype(np.int64)
        # 1970-01-01 was a Thursday: shifting by 3 days makes each week start on Monday.
        return days if unit == "day" else (days + 3) // 7
    if unit in ("month", "quarter"):
        months = times.astype("datetime64[M]").astype(np.int64)
        return months if unit == "month" else months // 3
    years = times.astype("datetime64[Y]").astype(np.int64)
    if unit == "year":
        return years
    if unit == "decade":
        return (years + 1970) // 10
    raise ValueError(f"unknown period unit {unit!r} (known: {', '.join(UNITS)})")


def period_start(index: np.ndarray, unit: str) -> np.ndarray:
    """The first second (UTC) of each bin of ``unit``: the inverse of :func:`period_index`."""
    index = np.asarray(index, dtype=np.int64)
    starts = {
        "day": lambda: index.astype("datetime64[D]"),
        "week": lambda: (index * 7 - 3).astype("datetime64[D]"),
        "month": lambda: index.astype("datetime64[M]"),
        "quarter": lambda: (index * 3).astype("datetime64[M]"),
        "year": lambda: index.astype("datetime64[Y]"),
        "decade": lambda: (index * 10 - 1970).astype("datetime64[Y]"),
    }
    if unit not in starts:
        raise ValueError(f"unknown period unit {unit!r} (known: {', '.join(UNITS)})")
    return starts[unit]().astype("datetime64[s]")


def period_label(index: int, unit: str) -> str:
    """A bin's name: ``2024-03-04`` (a day, or the Monday a week starts), ``2024-03``,
    ``2024-Q1``, ``2024`` or ``1790s``."""
    start = period_start(np.array([index]), unit)[0]
    if unit in ("day", "week"):
        return str(start.astype("datetime64[D]"))
    if unit == "month":
        return str(start.astype("datetime64[M]"))
    year = int(start.astype("datetime64[Y]").astype(np.int64)) + 1970
    if unit == "quarter":
        month = int(start.astype("datetime64[M]").astype(np.int64)) % 12
        return f"{year}-Q{month // 3 + 1}"
    return f"{year}s" if unit == "decade" else str(year)


@dataclass
class Periods:
    """The chosen bins: ``of_document[i]`` is document i's period (0..n-1) or -1 when
    it has no time; ``documents[p]`` counts the documents in period p."""

    unit: str
    chosen_by: str  # "auto" or "config"
    first: int  # the first period's bin index (period_index numbering)
    of_document: np.ndarray
    documents: np.ndarray

    @property
    def n(self) -> int:
        return len(self.documents)

    def edges(self) -> list[str]:
        """The n + 1 bin edges as ISO 8601 UTC times."""
        starts = period_start(np.arange(self.first, self.first + self.n + 1), self.unit)
        return [f"{s}Z" for s in np.datetime_as_string(starts, unit="s")]

    def labels(self) -> list[str]:
        return [period_label(self.first + p, self.unit) for p in range(self.n)]


def choose_periods(
    times: np.ndarray,
    period: str = "auto",
    max_periods: int = 40,
    min_period_documents: int = 20,
) -> Periods:
    """Bin ``times`` (``datetime64``, NaT for none) by ``period`` or, for ``auto``, by
    the rule of the module docstring. Raises :class:`NotAvailable` when no unit gives
    two non-empty periods within ``max_periods``."""
    times = np.asarray(times).astype("datetime64[s]")
    timed = ~np.isnat(times)
    if not timed.any():
        raise NotAvailable("no document has a usable time")
    bins = {}
    for unit in UNITS if period == "auto" else (period,):
        index = period_index(times[timed], unit)
        first, n = int(index.min()), int(index.max() - index.min()) + 1
        if n <= max_periods:
            bins[unit] = (index - first, first, np.bincount(index - first, minlength=n))
        elif period != "auto":
            raise NotAvailable(
                f"over_time.period {unit} gives {n} periods over this span, more than "
                f"over_time.max_periods ({max_periods}): choose a coarser period or allow more"
            )
    if not bins:
        raise NotAvailable(
            f"the times span more than {max_periods} decades (over_time.max_periods)"
        )
    spread = {unit: found for unit, found in bins.items() if np.count_nonzero(found[2]) >= 2}
    if not spread:
        unit, (index, first, _) = next(iter(bins.items()))
        label = period_label(first, unit)
        raise NotAvailable(
            f"all {int(timed.sum())} timed documents fall in one {unit} ({label}): "
            "there is no change over time to show"
        )
    filled = [
        unit
        for unit, (_, _, documents) in spread.items()
        if np.median(documents[documents > 0]) >= min_period_documents
    ]
    # The finest well-filled unit, else the coarsest that still shows a change.
    unit = filled[0] if filled else list(spread)[-1]
    index, first, documents = spread[unit]
    of_document = np.full(len(times), -1, dtype=np.int64)
    of_document[timed] = index
    chosen_by = "auto" if period == "auto" else "config"
    return Periods(unit, chosen_by, first, of_document, documents.astype(np.int64))
