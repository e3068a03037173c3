"""Read a corpus from files into a :class:`~topicflow.pipelines.corpus.documents.Corpus`.

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
trimming surrounding whitespace) are dropped and counted. Times (``time_field``) are
normalised to UTC by :mod:`topicflow.pipelines.corpus.timestamps`; a kept document's
missing or unreadable time is counted (``time_errors: count``) or an error (``strict``).
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.corpus.documents import Corpus, IngestStats
from topicflow.pipelines.corpus.formats import (
    FIELD_FORMATS,
    FORMAT_SUFFIXES,
    Record,
    SourceFile,
    read_records,
)
from topicflow.pipelines.corpus.timestamps import normalise_time
from topicflow.pipelines.errors import InputError

PROGRESS_EVERY = 10_000


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
    limit: int | None = None,
) -> Corpus:
    """Ingest ``source`` (file, directory or glob). Raises InputError for unusable input.

    ``limit`` stops after that many records: a quick look at the start of a corpus, which
    meets most mistakes in it. A result of fewer records than ``limit`` is the whole corpus.
    """
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
        if limit is not None and stats.records >= limit:
            break
        left = None if limit is None else limit - stats.records
        for record in itertools.islice(read_records(source_file, options), left):
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
            if options.time_field:
                times.append(_read_time(record, options, stats))
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


def _read_time(record: Record, options: CorpusConfig, stats: IngestStats) -> str | None:
    """The record's time normalised (``YYYY-MM-DDTHH:MM:SSZ``), or None, counted, when it
    is missing or unreadable; under ``time_errors: strict`` either is an error."""
    field, value = options.time_field, record.time
    strict = options.time_errors == "strict"
    if value is None or (isinstance(value, str) and not value.strip()):
        if strict:
            raise InputError(
                f"{record.where}: no time in field '{field}'; "
                "set corpus.time_errors: count to keep documents without one"
            )
        stats.times_missing += 1
        return None
    try:
        return normalise_time(value)
    except ValueError as exc:
        if strict:
            raise InputError(
                f"{record.where}: cannot read time '{_shown(value)}' in field '{field}' "
                f"({exc}); set corpus.time_errors: count to keep such documents without a time"
            ) from None
        stats.times_unparseable += 1
        return None


def _shown(value: Any, limit: int = 60) -> str:
    """A value for a one-line message: control characters escaped, long ones cut."""
    text = re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m[0])[1:-1], str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_id(record: Record, id_field: str | None) -> str:
    if not id_field:
        return record.default_id
    doc_id = _as_optional_text(record.doc_id)
    if doc_id is None:
        raise InputError(f"{record.where}: empty document id in field '{id_field}'")
    return doc_id
