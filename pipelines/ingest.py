"""Read a corpus from files into a :class:`~pipelines.corpus.Corpus`.

Supported inputs, chosen by extension (``.gz`` allowed except for Parquet) or by
``corpus.format``:

- ``txt``: a directory (searched recursively) or glob of ``.txt`` files, one document per file;
- ``lines``: one document per line (``.cor``, the format of the built-in sample corpus);
- ``csv`` / ``tsv``: a header row, then one document per row;
- ``jsonl``: one JSON object per line;
- ``parquet``: one document per row.

Everything is read as a stream (line by line, row batch by row batch), so a multi-GB
file never sits in memory twice. Text is UTF-8; with ``encoding_errors: replace``
undecodable bytes become U+FFFD and the affected documents are counted, with
``strict`` the first one is an error. Empty documents and exact duplicates (after
trimming surrounding whitespace) are dropped and counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import gzip
import hashlib
import json
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.config import CorpusConfig
from pipelines.corpus import Corpus, IngestStats
from pipelines.errors import InputError

FORMAT_SUFFIXES = {
    "txt": (".txt", ".text"),
    "lines": (".cor", ".lines"),
    "csv": (".csv",),
    "tsv": (".tsv", ".tab"),
    "jsonl": (".jsonl", ".ndjson"),
    "parquet": (".parquet", ".pq"),
}
FIELD_FORMATS = ("csv", "tsv", "jsonl", "parquet")  # formats whose records have named fields
PROGRESS_EVERY = 10_000
_SNIFF_BYTES = 8192

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long documents exceed the 128 KiB default


@dataclass(frozen=True)
class SourceFile:
    path: Path
    rel: str  # how ids and messages name the file
    format: str


@dataclass
class _Record:
    where: str  # "file line N" / "file row N", for messages
    default_id: str
    text: Any
    doc_id: Any = None
    label: Any = None
    time: Any = None
    replaced: bool = False  # undecodable bytes were replaced


def sample_corpus_path() -> Path:
    """The built-in sample: the Lee news corpus (300 ABC articles) shipped in gensim's wheel."""
    import gensim

    path = Path(gensim.__file__).parent / "test" / "test_data" / "lee_background.cor"
    if not path.is_file():
        raise InputError(f"the built-in sample corpus is missing from the gensim install ({path})")
    return path


def resolve_source(source: str | Path, fmt: str = "auto") -> tuple[str, list[SourceFile]]:
    """The corpus name and the files to read, in a stable order."""
    text = str(source)
    path = Path(text).expanduser()
    if any(ch in text for ch in "*?["):
        root = _glob_root(text)
        files = sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"no files match '{text}'")
        name = root.resolve().name or "corpus"
    elif path.is_dir():
        root = path
        wanted = "txt" if fmt == "auto" else fmt
        suffixes = FORMAT_SUFFIXES[wanted]
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and _stripped_suffix(p) in suffixes
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if not files:
            kinds = "/".join(suffixes)
            raise InputError(f"directory {text} has no {kinds} files")
        name = path.resolve().name or "corpus"
    elif path.exists():
        if not path.is_file():
            raise InputError(f"corpus path {text} is not a regular file or directory")
        root, files = path.parent, [path]
        name = path.name.removesuffix(".gz").rsplit(".", 1)[0] or path.name
    else:
        raise InputError(f"corpus path not found: {text}")
    return name, [SourceFile(p, _relative(p, root), _format_of(p, fmt)) for p in files]


def read_corpus(
    source: str | Path,
    options: CorpusConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> Corpus:
    """Ingest ``source`` (file, directory or glob). Raises InputError for unusable input."""
    options = options or CorpusConfig()
    name, files = resolve_source(source, options.format)
    _check_field_options(files, options)
    stats = IngestStats(files=len(files))
    ids: list[str] = []
    texts: list[str] = []
    labels: list[str | None] = []
    times: list[str | None] = []
    seen_ids: set[str] = set()
    seen_texts: set[bytes] = set()
    for source_file in files:
        for record in _read_file(source_file, options):
            stats.records += 1
            if progress and stats.records % PROGRESS_EVERY == 0:
                progress(stats.records)
            text = _as_text(record.text, record.where, options.text_field).strip()
            if not text:
                stats.empty_dropped += 1
                continue
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            if digest in seen_texts:
                stats.duplicates_dropped += 1
                continue
            seen_texts.add(digest)
            doc_id = _as_id(record, options.id_field)
            if doc_id in seen_ids:
                raise InputError(f"{record.where}: duplicate document id '{doc_id}'")
            seen_ids.add(doc_id)
            stats.documents_with_replaced_bytes += record.replaced
            ids.append(doc_id)
            texts.append(text)
            labels.append(_as_optional_text(record.label))
            times.append(_as_optional_text(record.time))
    return Corpus(
        name=name,
        ids=ids,
        texts=texts,
        labels=labels if options.label_field else None,
        times=times if options.time_field else None,
        stats=stats,
    )


# --- files -------------------------------------------------------------------------------


def _stripped_suffix(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def _format_of(path: Path, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    suffix = _stripped_suffix(path)
    for name, suffixes in FORMAT_SUFFIXES.items():
        if suffix in suffixes:
            return name
    known = ", ".join(s for group in FORMAT_SUFFIXES.values() for s in group)
    raise InputError(
        f"cannot tell the format of {path} from its extension (known: {known}); pass --format"
    )


def _glob_root(pattern: str) -> Path:
    parts = []
    for part in Path(pattern).expanduser().parts:
        if any(ch in part for ch in "*?["):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _check_field_options(files: list[SourceFile], options: CorpusConfig) -> None:
    given = [
        flag
        for flag, value in (
            ("--id-field", options.id_field),
            ("--label-field", options.label_field),
            ("--time-field", options.time_field),
        )
        if value
    ]
    plain = [f for f in files if f.format not in FIELD_FORMATS]
    if given and plain:
        raise InputError(
            f"{', '.join(given)} needs a format with named fields (CSV, TSV, JSON Lines, "
            f"Parquet), but {plain[0].rel} is {plain[0].format}"
        )


def _open_binary(source: SourceFile) -> IO[bytes]:
    try:
        if source.path.name.lower().endswith(".gz"):
            return gzip.open(source.path, "rb")
        return open(source.path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {source.rel}: {exc.strerror or exc}") from None


def _read_file(source: SourceFile, options: CorpusConfig) -> Iterator[_Record]:
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


def _read_txt(source: SourceFile, options: CorpusConfig) -> Iterator[_Record]:
    with _open_binary(source) as stream:
        data = stream.read()
    text, replaced = _decode(data, source.rel, options.encoding_errors)
    yield _Record(source.rel, source.rel, text.removeprefix("\ufeff"), replaced=replaced)


def _read_lines(source: SourceFile, options: CorpusConfig) -> Iterator[_Record]:
    for number, text, replaced in _decoded_lines(source, options.encoding_errors):
        where = f"{source.rel} line {number}"
        yield _Record(where, f"{source.rel}:{number}", text, replaced=replaced)


def _read_delimited(source: SourceFile, options: CorpusConfig) -> Iterator[_Record]:
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
            yield _Record(
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


def _read_jsonl(source: SourceFile, options: CorpusConfig) -> Iterator[_Record]:
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
        yield _Record(
            where,
            f"{source.rel}:{number}",
            obj[fields["text"]],
            doc_id=obj.get(fields["id"]) if fields["id"] else None,
            label=obj.get(fields["label"]) if fields["label"] else None,
            time=obj.get(fields["time"]) if fields["time"] else None,
            replaced=replaced,
        )


def _read_parquet(source: SourceFile, options: CorpusConfig) -> Iterator[_Record]:
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
                yield _Record(
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


def _as_text(value: Any, where: str, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    raise InputError(f"{where}: field '{field}' holds {type(value).__name__}, not text")


def _as_optional_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _as_id(record: _Record, id_field: str | None) -> str:
    if not id_field:
        return record.default_id
    doc_id = _as_optional_text(record.doc_id)
    if doc_id is None:
        raise InputError(f"{record.where}: empty document id in field '{id_field}'")
    return doc_id
