"""Ingesting times: every format normalised to UTC, missing and unreadable ones counted
(or refused under ``time_errors: strict``), and the fingerprint that sees them."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.pipelines.corpus.test_ingest import write_csv, write_jsonl
from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.corpus.documents import Corpus
from topicflow.pipelines.corpus.ingest import read_corpus
from topicflow.pipelines.errors import InputError

TIMED = CorpusConfig(time_field="date")
STRICT = TIMED.model_copy(update={"time_errors": "strict"})

# One value per format as a JSON Lines or CSV file holds it, with the UTC answer.
MIXED = [
    ("2024-01-15", "2024-01-15T00:00:00Z"),
    ("2024-01-15T10:15:30+05:30", "2024-01-15T04:45:30Z"),
    ("2024-01-15T10:15:30.5Z", "2024-01-15T10:15:30Z"),
    ("Tue, 15 Nov 1994 08:12:31 -0500", "1994-11-15T13:12:31Z"),
    ("1700000000", "2023-11-14T22:13:20Z"),
    ("1700000000123", "2023-11-14T22:13:20Z"),
    ("1790", "1790-01-01T00:00:00Z"),
]


def _texts(n: int) -> list[str]:
    return [f"document number {i} about something" for i in range(n)]


def test_jsonl_with_mixed_formats_strings_and_numbers(tmp_path):
    values = [v for v, _ in MIXED] + [1700000000, 1790, -86400]
    expected = [e for _, e in MIXED] + [
        "2023-11-14T22:13:20Z",
        "1790-01-01T00:00:00Z",
        "1969-12-31T00:00:00Z",
    ]
    rows = [{"text": t, "date": v} for t, v in zip(_texts(len(values)), values, strict=True)]
    corpus = read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), TIMED)
    assert corpus.times == expected
    assert (corpus.stats.times_missing, corpus.stats.times_unparseable) == (0, 0)


def test_csv_with_mixed_formats(tmp_path):
    rows = [{"text": t, "date": v} for t, (v, _) in zip(_texts(len(MIXED)), MIXED, strict=True)]
    corpus = read_corpus(write_csv(tmp_path / "c.csv", rows), TIMED)
    assert corpus.times == [e for _, e in MIXED]


def test_parquet_timestamp_date_and_integer_columns(tmp_path):
    zone = dt.timezone(dt.timedelta(hours=2))
    table = pa.table(
        {
            "text": _texts(3),
            "stamp": pa.array(
                [dt.datetime(2024, 1, 15, 12, tzinfo=zone), None, dt.datetime(1790, 1, 8)],
                type=pa.timestamp("s", tz="+02:00"),
            ),
            "day": pa.array([dt.date(1790, 1, 8), dt.date(2100, 6, 30), None], type=pa.date32()),
            "year": pa.array([1790, None, 2024], type=pa.int64()),
        }
    )
    path = tmp_path / "c.parquet"
    pq.write_table(table, path)
    stamps = read_corpus(path, CorpusConfig(time_field="stamp"))
    # pyarrow keeps UTC instants: 12:00 at +02:00 is 10:00 UTC; a naive value was UTC.
    assert stamps.times == ["2024-01-15T10:00:00Z", None, "1790-01-08T00:00:00Z"]
    assert stamps.stats.times_missing == 1
    days = read_corpus(path, CorpusConfig(time_field="day"))
    assert days.times == ["1790-01-08T00:00:00Z", "2100-06-30T00:00:00Z", None]
    years = read_corpus(path, CorpusConfig(time_field="year"))
    assert years.times == ["1790-01-01T00:00:00Z", None, "2024-01-01T00:00:00Z"]


def test_missing_and_unreadable_times_are_counted_and_left_out(tmp_path):
    values = ["2024-01-15", None, "", "yesterday", "2024-13-01", True, "1790", "  "]
    rows = [{"text": t, "date": v} for t, v in zip(_texts(len(values)), values, strict=True)]
    rows.append({"text": "a document with no date field at all"})
    corpus = read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), TIMED)
    assert corpus.times == [
        "2024-01-15T00:00:00Z",
        None,
        None,
        None,
        None,
        None,
        "1790-01-01T00:00:00Z",
        None,
        None,
    ]
    assert corpus.stats.times_missing == 4  # None, "", "  " and the absent field
    assert corpus.stats.times_unparseable == 3  # "yesterday", month 13, a boolean
    summary = corpus.summary()
    assert (summary["times_missing"], summary["times_unparseable"]) == (4, 3)
    assert summary["has_times"] is True


def test_dropped_documents_do_not_count_their_times(tmp_path):
    rows = [
        {"text": "kept", "date": "2024-01-15"},
        {"text": "kept", "date": "not a date"},  # duplicate: dropped before its time is read
        {"text": " ", "date": None},  # empty: dropped
    ]
    corpus = read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), STRICT)
    assert corpus.times == ["2024-01-15T00:00:00Z"]
    assert (corpus.stats.times_missing, corpus.stats.times_unparseable) == (0, 0)


def test_corpus_without_a_time_field_has_no_times(tmp_path):
    corpus = read_corpus(write_jsonl(tmp_path / "c.jsonl", [{"text": "a", "date": "x"}]))
    assert corpus.times is None
    assert corpus.summary()["has_times"] is False
    assert (corpus.stats.times_missing, corpus.stats.times_unparseable) == (0, 0)


def test_strict_refuses_an_unreadable_time_naming_row_and_value(tmp_path):
    rows = [{"text": "first", "date": "2024-01-15"}, {"text": "second", "date": "2024-13-01"}]
    with pytest.raises(
        InputError,
        match=r"^c\.csv row 2: cannot read time '2024-13-01' in field 'date' "
        r"\(month must be in 1\.\.12\); set corpus\.time_errors: count to keep such "
        r"documents without a time$",
    ):
        read_corpus(write_csv(tmp_path / "c.csv", rows), STRICT)


def test_strict_refuses_a_missing_time(tmp_path):
    rows = [{"text": "first", "date": "2024-01-15"}, {"text": "second"}]
    with pytest.raises(
        InputError,
        match=r"^c\.jsonl line 2: no time in field 'date'; set corpus\.time_errors: count",
    ):
        read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), STRICT)


def test_strict_message_stays_one_line_for_a_value_with_newlines(tmp_path):
    rows = [{"text": "first", "date": "line one\nline two " + "x" * 200}]
    with pytest.raises(InputError) as info:
        read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), STRICT)
    message = str(info.value)
    assert "\n" not in message
    assert "cannot read time 'line one\\nline two xxx" in message and "...' in field" in message


def test_strict_accepts_a_corpus_whose_times_all_parse(tmp_path):
    rows = [{"text": t, "date": v} for t, (v, _) in zip(_texts(len(MIXED)), MIXED, strict=True)]
    corpus = read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), STRICT)
    assert corpus.times == [e for _, e in MIXED]


# --- fingerprint -------------------------------------------------------------------------


def test_fingerprint_changes_when_a_time_changes(tmp_path):
    rows = [{"text": "a", "date": "2024-01-15"}, {"text": "b", "date": "2024-01-16"}]
    before = read_corpus(write_jsonl(tmp_path / "a.jsonl", rows), TIMED)
    rows[1]["date"] = "2024-01-17"
    after = read_corpus(write_jsonl(tmp_path / "a.jsonl", rows), TIMED)
    assert before.texts == after.texts and before.fingerprint != after.fingerprint
    untimed = read_corpus(write_jsonl(tmp_path / "a.jsonl", rows))
    assert untimed.fingerprint not in (before.fingerprint, after.fingerprint)


def test_fingerprint_sees_normalised_times_not_their_spelling(tmp_path):
    spelled = [{"text": "a", "date": "2024-01-15"}, {"text": "b", "date": 1700000000}]
    other = [{"text": "a", "date": "2024-01-15T00:00:00Z"}, {"text": "b", "date": "1700000000"}]
    (tmp_path / "b").mkdir()
    a = read_corpus(write_jsonl(tmp_path / "c.jsonl", spelled), TIMED)
    b = read_corpus(write_jsonl(tmp_path / "b" / "c.jsonl", other), TIMED)  # same ids
    assert a.times == b.times and a.fingerprint == b.fingerprint


def test_fingerprint_without_times_is_the_one_it_always_was():
    # Pinned from the code before times entered the fingerprint: golden runs and the
    # caches and run reuse keyed on it must not change for corpora without times.
    corpus = Corpus(name="c", ids=["a1", "a2"], texts=["Rockets launch.", "Banks lend."])
    assert corpus.fingerprint == "e56d3d5d24059045cfc7504b1193a46ddbc4d1d69d256515df2cce3d0fcd99f6"
    labelled = Corpus(
        name="c", ids=["a1", "a2"], texts=["Rockets launch.", "Banks lend."], labels=["space", None]
    )
    assert labelled.fingerprint == (
        "69d08b1b62027ce8ee9dce6e26760db58b43887cb699284ce9fa4c7474620ce6"
    )


def test_times_and_their_counts_survive_the_parquet_round_trip(tmp_path):
    rows = [{"text": "a", "date": "1790-01-08"}, {"text": "b", "date": "nope"}, {"text": "c"}]
    corpus = read_corpus(write_jsonl(tmp_path / "a.jsonl", rows), TIMED)
    corpus.to_parquet(tmp_path / "c.parquet")
    again = Corpus.from_parquet(tmp_path / "c.parquet")
    assert again.times == ["1790-01-08T00:00:00Z", None, None]
    assert again.stats == corpus.stats and again.fingerprint == corpus.fingerprint
