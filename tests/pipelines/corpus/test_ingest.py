"""Ingestion: every supported format, field options, and every kind of bad input."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.corpus import documents
from topicflow.pipelines.corpus.documents import Corpus, require_documents
from topicflow.pipelines.corpus.ingest import read_corpus, sample_corpus_path
from topicflow.pipelines.errors import InputError

ROWS = [
    {
        "id": "a1",
        "body": "Rockets launch satellites into orbit.",
        "topic": "space",
        "day": "2024-01-01",
    },
    {
        "id": "a2",
        "body": "The central bank raised interest rates.",
        "topic": "money",
        "day": "2024-01-02",
    },
    {
        "id": "a3",
        "body": "The home team scored a late goal.",
        "topic": "sport",
        "day": "2024-01-03",
    },
]
FIELDS = CorpusConfig(text_field="body", id_field="id", label_field="topic", time_field="day")


def write_jsonl(path: Path, rows: list[dict], opener=open) -> Path:
    with opener(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    return path


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def assert_rows(corpus: Corpus) -> None:
    assert corpus.ids == ["a1", "a2", "a3"]
    assert corpus.texts == [r["body"] for r in ROWS]
    assert corpus.labels == ["space", "money", "sport"]
    assert corpus.times == ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"]


# --- formats ---------------------------------------------------------------------------


def test_directory_of_txt_files_one_document_per_file(tmp_path):
    (tmp_path / "news" / "sport").mkdir(parents=True)
    (tmp_path / "news" / "sport" / "b.txt").write_text("Goal in the last minute.\n")
    (tmp_path / "news" / "a.txt").write_text("Markets rallied today.")
    (tmp_path / "news" / "notes.md").write_text("not a document")
    (tmp_path / "news" / ".hidden.txt").write_text("editor backup")
    corpus = read_corpus(tmp_path / "news")
    assert corpus.name == "news"
    assert corpus.ids == ["a.txt", "sport/b.txt"]
    assert corpus.texts == ["Markets rallied today.", "Goal in the last minute."]
    assert corpus.labels is None and corpus.stats.files == 2


def test_glob_of_txt_files(tmp_path):
    for name in ("x.txt", "y.txt", "z.log"):
        (tmp_path / name).write_text(f"document {name}")
    corpus = read_corpus(str(tmp_path / "*.txt"))
    assert corpus.ids == ["x.txt", "y.txt"]


def test_lines_format_is_one_document_per_line(tmp_path):
    path = tmp_path / "docs.cor"
    path.write_text("first doc\nsecond doc\n\nfourth doc\n")
    corpus = read_corpus(path)
    assert corpus.ids == ["docs.cor:1", "docs.cor:2", "docs.cor:4"]
    assert corpus.stats.empty_dropped == 1


def test_csv_with_all_fields(tmp_path):
    assert_rows(read_corpus(write_csv(tmp_path / "c.csv", ROWS), FIELDS))


def test_tsv_with_all_fields(tmp_path):
    assert_rows(read_corpus(write_csv(tmp_path / "c.tsv", ROWS, delimiter="\t"), FIELDS))


def test_jsonl_plain_and_gzipped(tmp_path):
    assert_rows(read_corpus(write_jsonl(tmp_path / "c.jsonl", ROWS), FIELDS))
    assert_rows(read_corpus(write_jsonl(tmp_path / "c.jsonl.gz", ROWS, gzip.open), FIELDS))


def test_parquet_with_all_fields(tmp_path):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    assert_rows(read_corpus(path, FIELDS))


def test_format_option_overrides_the_extension(tmp_path):
    path = write_jsonl(tmp_path / "export.data", ROWS)
    assert_rows(read_corpus(path, FIELDS.model_copy(update={"format": "jsonl"})))


def test_derived_ids_use_file_and_row_number(tmp_path):
    corpus = read_corpus(write_csv(tmp_path / "c.csv", ROWS), CorpusConfig(text_field="body"))
    assert corpus.ids == ["c.csv:1", "c.csv:2", "c.csv:3"]


def test_csv_field_longer_than_the_csv_module_default_limit(tmp_path):
    long_text = "word " * 60_000  # 300 kB, past csv's 128 KiB default field limit
    path = write_csv(tmp_path / "long.csv", [{"text": long_text}, {"text": "short"}])
    corpus = read_corpus(path)
    assert len(corpus.texts[0]) == len(long_text.strip())


def test_csv_with_quoted_newlines_and_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes('\ufefftext,label\n"line one\nline two",x\n'.encode())
    corpus = read_corpus(path, CorpusConfig(label_field="label"))
    assert corpus.texts == ["line one\nline two"]
    assert corpus.labels == ["x"]


def test_empty_and_duplicate_documents_are_dropped_and_counted(tmp_path):
    rows = [{"text": "same"}, {"text": "  "}, {"text": "same "}, {"text": "other"}, {}]
    corpus = read_corpus(write_jsonl(tmp_path / "d.jsonl", rows[:4]))
    assert corpus.texts == ["same", "other"]
    assert corpus.stats.duplicates_dropped == 1
    assert corpus.stats.empty_dropped == 1
    assert corpus.stats.records == 4


def test_null_text_counts_as_empty(tmp_path):
    corpus = read_corpus(write_jsonl(tmp_path / "n.jsonl", [{"text": None}, {"text": "kept"}]))
    assert corpus.texts == ["kept"] and corpus.stats.empty_dropped == 1


def test_a_limited_read_stops_before_a_later_mistake_in_the_file(tmp_path):
    path = tmp_path / "news.cor"
    path.write_bytes(b"first story\nsecond story\nthird \xff story\n")
    strict = CorpusConfig(encoding_errors="strict")
    head = read_corpus(path, strict, limit=2)
    assert head.texts == ["first story", "second story"] and head.stats.records == 2
    with pytest.raises(InputError, match="news.cor line 3: invalid UTF-8"):
        read_corpus(path, strict, limit=3)


def test_a_limited_read_stops_across_files_and_is_whole_under_its_limit(tmp_path):
    (tmp_path / "news").mkdir()
    for name in ("a", "b", "c"):
        (tmp_path / "news" / f"{name}.txt").write_text(f"Story {name}.")
    head = read_corpus(tmp_path / "news", limit=2)
    assert head.texts == ["Story a.", "Story b."] and head.stats.records == 2
    (tmp_path / "news" / "d.txt").write_bytes(b"\x00\x01\x02")  # never opened by the head
    assert read_corpus(tmp_path / "news", limit=3).texts == ["Story a.", "Story b.", "Story c."]
    whole = read_corpus(tmp_path / "news" / "*[abc].txt", limit=10)
    assert (
        whole.stats.records == 3
        and whole.texts == read_corpus(tmp_path / "news" / "*[abc].txt").texts
    )


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    path = tmp_path / "bad.cor"
    path.write_bytes(b"caf\xe9 au lait\nplain line\n")
    corpus = read_corpus(path)
    assert corpus.texts[0] == "caf\ufffd au lait"
    assert corpus.stats.documents_with_replaced_bytes == 1


def test_invalid_utf8_in_csv_counts_only_the_affected_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b'text\nfine row\n"multi\nline \xff row"\nanother fine row\n')
    corpus = read_corpus(path)
    assert len(corpus) == 3
    assert corpus.stats.documents_with_replaced_bytes == 1


def test_sample_corpus_ships_with_gensim():
    corpus = read_corpus(sample_corpus_path())
    assert corpus.name == "lee_background"
    assert corpus.stats.records == 300
    assert len(corpus) + corpus.stats.duplicates_dropped == 300


def test_fingerprint_depends_on_content_only(tmp_path):
    a = read_corpus(write_jsonl(tmp_path / "a.jsonl", ROWS), FIELDS)
    b = read_corpus(write_csv(tmp_path / "b.csv", ROWS), FIELDS)
    assert a.fingerprint == b.fingerprint
    changed = [dict(ROWS[0], body="different"), *ROWS[1:]]
    c = read_corpus(write_jsonl(tmp_path / "c.jsonl", changed), FIELDS)
    assert c.fingerprint != a.fingerprint


def test_parquet_round_trip_keeps_everything(tmp_path):
    corpus = read_corpus(write_jsonl(tmp_path / "a.jsonl", ROWS), FIELDS)
    corpus.to_parquet(tmp_path / "c.parquet")
    again = Corpus.from_parquet(tmp_path / "c.parquet")
    assert (again.ids, again.texts, again.labels, again.times) == (
        corpus.ids,
        corpus.texts,
        corpus.labels,
        corpus.times,
    )
    assert again.stats == corpus.stats and again.name == corpus.name


def test_parquet_is_written_and_read_a_batch_of_documents_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "PARQUET_BATCH_ROWS", 2)
    rows = [{"id": f"d{i}", "body": f"text {i}", "topic": None if i % 3 else "x"} for i in range(7)]
    corpus = read_corpus(write_jsonl(tmp_path / "a.jsonl", rows), FIELDS)
    corpus.to_parquet(tmp_path / "c.parquet")
    assert pq.ParquetFile(tmp_path / "c.parquet").num_row_groups == 4  # 2 + 2 + 2 + 1
    again = Corpus.from_parquet(tmp_path / "c.parquet")
    assert (again.ids, again.texts, again.labels) == (corpus.ids, corpus.texts, corpus.labels)
    assert again.labels[:3] == ["x", None, None] and again.fingerprint == corpus.fingerprint
    empty = Corpus(name="none", ids=[], texts=[])
    empty.to_parquet(tmp_path / "e.parquet")
    assert Corpus.from_parquet(tmp_path / "e.parquet").ids == []


# --- bad input -------------------------------------------------------------------------


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match=r"^corpus path not found: .*nowhere\.csv$"):
        read_corpus(tmp_path / "nowhere.csv")


def test_directory_without_txt_files(tmp_path):
    (tmp_path / "data.csv").write_text("text\nx\n")
    with pytest.raises(InputError, match=r"directory .* has no \.txt/\.text files"):
        read_corpus(tmp_path)


def test_glob_matching_nothing(tmp_path):
    with pytest.raises(InputError, match=r"no files match '.*\*\.txt'"):
        read_corpus(str(tmp_path / "*.txt"))


def test_unknown_extension_asks_for_format(tmp_path):
    (tmp_path / "data.xyz").write_text("x")
    with pytest.raises(InputError, match=r"cannot tell the format of .*data\.xyz.*pass --format"):
        read_corpus(tmp_path / "data.xyz")


def test_binary_file(tmp_path):
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match=r"^image\.txt looks like a binary file, not text$"):
        read_corpus(tmp_path / "image.txt")


def test_unreadable_file():
    # Permissions do not stop root (CI runs as root); a read of this file fails for anyone.
    unreadable = Path("/proc/self/mem")
    if not unreadable.is_file():
        pytest.skip("needs Linux /proc")
    with pytest.raises(InputError, match=r"^cannot read .*mem: Input/output error$"):
        read_corpus(unreadable, CorpusConfig(format="lines"))


def test_file_that_is_not_gzip(tmp_path):
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(b"this is not gzip data")
    with pytest.raises(InputError, match=r"broken\.jsonl\.gz"):
        read_corpus(path)


def test_truncated_gzip(tmp_path):
    full = gzip.compress(b'{"text": "a"}\n' * 5000)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(InputError, match=r"^cut\.jsonl\.gz is not a complete gzip file"):
        read_corpus(path)


def test_invalid_utf8_rejected_in_strict_mode(tmp_path):
    path = tmp_path / "bad.cor"
    path.write_bytes(b"fine\ncaf\xe9\n")
    with pytest.raises(
        InputError, match=r"^bad\.cor line 2: invalid UTF-8 \(byte 0xe9 at offset 3\)"
    ):
        read_corpus(path, CorpusConfig(encoding_errors="strict"))


def test_missing_text_column_lists_the_columns(tmp_path):
    path = write_csv(tmp_path / "c.csv", ROWS)
    with pytest.raises(
        InputError,
        match=r"^c\.csv has no column 'text' for --text-field \(columns: id, body, topic, day\)$",
    ):
        read_corpus(path)


def test_missing_parquet_column_lists_the_columns(tmp_path):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    with pytest.raises(
        InputError, match=r"has no column 'label' for --label-field \(columns: id, body"
    ):
        read_corpus(path, CorpusConfig(text_field="body", label_field="label"))


def test_missing_json_field_names_the_line_and_the_fields(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", ROWS)
    with pytest.raises(
        InputError, match=r"^c\.jsonl line 1 has no field 'text' \(fields: id, body, topic, day\)$"
    ):
        read_corpus(path)


def test_malformed_json_line_is_named(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "ok"}\n{"text": "ok too"}\n{"text": broken}\n')
    with pytest.raises(
        InputError, match=r"^c\.jsonl line 3: malformed JSON \(Expecting value at column 10\)$"
    ):
        read_corpus(path)


def test_json_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('["a list"]\n')
    with pytest.raises(InputError, match=r"^c\.jsonl line 1: expected a JSON object, got list$"):
        read_corpus(path)


def test_text_field_holding_a_structure(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"text": {"nested": 1}}])
    with pytest.raises(InputError, match=r"^c\.jsonl line 1: field 'text' holds dict, not text$"):
        read_corpus(path)


def test_not_a_parquet_file(tmp_path):
    path = tmp_path / "fake.parquet"
    path.write_text("text\nhello\n")
    with pytest.raises(InputError, match=r"^fake\.parquet is not a readable Parquet file"):
        read_corpus(path)


def test_empty_csv(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(InputError, match=r"^e\.csv is empty \(expected a header row\)$"):
        read_corpus(tmp_path / "e.csv")


def test_duplicate_ids_with_different_text(tmp_path):
    rows = [{"id": "x", "text": "one"}, {"id": "x", "text": "two"}]
    with pytest.raises(InputError, match=r"^c\.jsonl line 2: duplicate document id 'x'$"):
        read_corpus(write_jsonl(tmp_path / "c.jsonl", rows), CorpusConfig(id_field="id"))


def test_field_options_need_a_format_with_fields(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InputError, match=r"^--label-field needs a format with named fields"):
        read_corpus(tmp_path, CorpusConfig(label_field="topic"))


def test_too_few_documents_says_how_many_are_needed(tmp_path):
    rows = [{"text": "one"}, {"text": "one"}, {"text": ""}, {"text": "two"}]
    corpus = read_corpus(write_jsonl(tmp_path / "small.jsonl", rows))
    with pytest.raises(
        InputError,
        match=r"^corpus 'small' has 2 usable documents after dropping 1 empty and 1 duplicate; "
        r"the pipeline needs at least 20 \(config corpus.min_documents\)$",
    ):
        require_documents(corpus, 20)
    require_documents(corpus, 2)  # enough: no error
