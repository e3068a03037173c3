"""Record readers, one per input format, and the byte-level checks they share.

Each reader streams a file (line by line, or in Parquet row batches) and yields
:class:`Record` objects: the raw text, id, label and time of one document with
where it came from, for messages. Decoding, binary sniffing and gzip handling
live here; dropping, de-duplication and ids are :mod:`topicflow.pipelines.corpus.ingest`'s.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.errors import InputError

FORMAT_SUFFIXES = {
    "txt": (".txt", ".text"),
    "lines": (".cor", ".lines"),
    "csv": (".csv",),
    "tsv": (".tsv", ".tab"),
    "jsonl": (".jsonl", ".ndjson"),
    "parquet": (".parquet", ".pq"),
}
FIELD_FORMATS = ("csv", "tsv", "jsonl", "parquet")  # formats whose records have named fields
_SNIFF_BYTES = 8192

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long documents exceed the 128 KiB default


@dataclass(frozen=True)
class SourceFile:
    path: Path
    rel: str  # how ids and messages name the file
    format: str


@dataclass
class Record:
    where: str  # "file line N" / "file row N", for messages
    default_id: str
    text: Any
    doc_id: Any = None
    label: Any = None
    time: Any = None
    replaced: bool = False  # undecodable bytes were replaced


def _open_binary(source: SourceFile) -> IO[bytes]:
    try:
        if source.path.name.lower().endswith(".gz"):
            return gzip.open(source.path, "rb")
        return open(source.path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {source.rel}: {exc.strerror or exc}") from None


def read_records(source: SourceFile, options: CorpusConfig) -> Iterator[Record]:
    readers = {
        "txt": _read_txt,
        "lines": _read_lines,
        "csv": _read_delimited,
        "tsv": _read_delimited,
        "jsonl": _read_jsonl,
        "parquet": _read_parquet,
    }
    try:
        if source.format != "parquet":
            _refuse_binary(source)
        yield from readers[source.format](source, options)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{source.rel} is not a complete gzip file ({exc})") from None
    except OSError as exc:
        raise InputError(f"cannot read {source.rel}: {exc.strerror or exc}") from None


def _refuse_binary(source: SourceFile) -> None:
    with _open_binary(source) as stream:
        head = stream.read(_SNIFF_BYTES)
    if b"\x00" in head:
        raise InputError(f"{source.rel} looks like a binary file, not text")


def _decode(data: bytes, where: str, errors: str) -> tuple[str, bool]:
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError as exc:
        if errors == "strict":
            raise InputError(
                f"{where}: invalid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "set corpus.encoding_errors: replace to keep such documents"
            ) from None
        return data.decode("utf-8", "replace"), True


def _decoded_lines(source: SourceFile, errors: str) -> Iterator[tuple[int, str, bool]]:
    with _open_binary(source) as stream:
        for number, raw in enumerate(stream, start=1):
            text, replaced = _decode(raw, f"{source.rel} line {number}", errors)
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text, replaced


# --- formats -----------------------------------------------------------------------------


def _read_txt(source: SourceFile, options: CorpusConfig) -> Iterator[Record]:
    with _open_binary(source) as stream:
        data = stream.read()
    text, replaced = _decode(data, source.rel, options.encoding_errors)
    yield Record(source.rel, source.rel, text.removeprefix("\ufeff"), replaced=replaced)


def _read_lines(source: SourceFile, options: CorpusConfig) -> Iterator[Record]:
    for number, text, replaced in _decoded_lines(source, options.encoding_errors):
        where = f"{source.rel} line {number}"
        yield Record(where, f"{source.rel}:{number}", text, replaced=replaced)


def _read_delimited(source: SourceFile, options: CorpusConfig) -> Iterator[Record]:
    delimiter = "\t" if source.format == "tsv" else ","
    lines = _decoded_lines(source, options.encoding_errors)
    replaced_lines = 0

    def text_lines() -> Iterator[str]:
        nonlocal replaced_lines
        for _, text, replaced in lines:
            replaced_lines += replaced
            yield text

    # csv.reader pulls lines only until a record is complete, so the count of
    # replaced lines seen so far tells whether the current record had any.
    reader = csv.reader(text_lines(), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise InputError(f"{source.rel} is empty (expected a header row)")
        columns = {name.strip(): i for i, name in enumerate(header)}
        _require_columns(source, options, list(columns))
        position = {f: columns[f] for f in _wanted_fields(options).values() if f}
        before = replaced_lines
        for number, row in enumerate(reader, start=1):
            if not row:
                continue

            def cell(field: str | None, row=row) -> Any:
                index = position.get(field) if field else None
                return row[index] if index is not None and index < len(row) else None

            where = f"{source.rel} row {number}"
            yield Record(
                where,
                f"{source.rel}:{number}",
                cell(options.text_field),
                doc_id=cell(options.id_field),
                label=cell(options.label_field),
                time=cell(options.time_field),
                replaced=replaced_lines > before,
            )
            before = replaced_lines
    except csv.Error as exc:
        raise InputError(
            f"{source.rel} near row {reader.line_num}: malformed CSV ({exc})"
        ) from None


def _read_jsonl(source: SourceFile, options: CorpusConfig) -> Iterator[Record]:
    fields = _wanted_fields(options)
    for number, line, replaced in _decoded_lines(source, options.encoding_errors):
        if not line.strip():
            continue
        where = f"{source.rel} line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: malformed JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        for role in ("text", "id"):
            field = fields[role]
            if field and field not in obj:
                keys = ", ".join(obj) or "none"
                raise InputError(f"{where} has no field '{field}' (fields: {keys})")
        yield Record(
            where,
            f"{source.rel}:{number}",
            obj[fields["text"]],
            doc_id=obj.get(fields["id"]) if fields["id"] else None,
            label=obj.get(fields["label"]) if fields["label"] else None,
            time=obj.get(fields["time"]) if fields["time"] else None,
            replaced=replaced,
        )


def _read_parquet(source: SourceFile, options: CorpusConfig) -> Iterator[Record]:
    try:
        parquet = pq.ParquetFile(source.path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{source.rel} is not a readable Parquet file ({exc})") from None
    _require_columns(source, options, parquet.schema_arrow.names)
    fields = _wanted_fields(options)
    wanted = sorted({f for f in fields.values() if f})
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=4096, columns=wanted):
            for row in batch.to_pylist():
                number += 1
                yield Record(
                    f"{source.rel} row {number}",
                    f"{source.rel}:{number}",
                    row[fields["text"]],
                    doc_id=row.get(fields["id"]) if fields["id"] else None,
                    label=row.get(fields["label"]) if fields["label"] else None,
                    time=row.get(fields["time"]) if fields["time"] else None,
                )
    except pa.ArrowException as exc:
        raise InputError(
            f"{source.rel} near row {number + 1}: unreadable Parquet ({exc})"
        ) from None


# --- fields ------------------------------------------------------------------------------


def _wanted_fields(options: CorpusConfig) -> dict[str, str | None]:
    return {
        "text": options.text_field,
        "id": options.id_field,
        "label": options.label_field,
        "time": options.time_field,
    }


def _require_columns(source: SourceFile, options: CorpusConfig, columns: list[str]) -> None:
    for role, field in _wanted_fields(options).items():
        if field and field not in columns:
            flag = f"--{role}-field"
            listed = ", ".join(columns) or "none"
            raise InputError(f"{source.rel} has no column '{field}' for {flag} (columns: {listed})")
