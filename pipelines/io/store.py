"""The store: where caches and run history live, apart from the run directories.

Resolution order: an explicit ``--store DIR``, else ``$TOPICFLOW_STORE``, else
``$XDG_DATA_HOME/topicflow`` (``~/.local/share/topicflow``). Everything under
``cache/`` can be deleted at the cost of recomputation only; ``history/`` is kept
apart so clearing caches never loses the record of past runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import mmap
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pyarrow as pa

from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.corpus import documents as corpus_module
from topicflow.pipelines.corpus import formats, ingest, timestamps
from topicflow.pipelines.corpus.documents import Corpus
from topicflow.pipelines.io.atomic import remove_abandoned
from topicflow.pipelines.io.blob import open_blob, writing_blob
from topicflow.pipelines.io.entry_lock import load_or_compute

logger = logging.getLogger(__name__)


def resolve_store(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    if os.environ.get("TOPICFLOW_STORE"):
        return Path(os.environ["TOPICFLOW_STORE"]).expanduser().resolve()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return (Path(data_home) / "topicflow").expanduser().resolve()


def cache_dir(store: Path, kind: str) -> Path:
    path = store / "cache" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_abandoned_writes(store: Path) -> list[Path]:
    """Remove (and log) the temporary files a killed run left in the store's cache."""
    cache = store / "cache"
    removed = remove_abandoned(cache) if cache.is_dir() else []
    if removed:
        logger.info("removed %d temporary file(s) a killed run left in %s", len(removed), cache)
    return removed


def code_fingerprint(*modules: ModuleType) -> str:
    """Hash of the source of the modules a cached step depends on: edit the code, miss the cache."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]


def cache_key(*parts: Any) -> str:
    """Stable key for JSON-serialisable parts (settings, fingerprints, file stats)."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


T = TypeVar("T")


def cached_result(store: Path, kind: str, key: str, compute: Callable[[], T]) -> tuple[T, bool]:
    """``compute()``'s value, kept under ``<store>/cache/<kind>/<key>.pkl`` for later runs.

    Returns the value and whether it came from the cache (see :func:`save_entry` for
    why a damaged or half-written entry is never used). Runs that need the same missing
    entry at once compute it once: the others wait for it (:mod:`io.entry_lock`).
    """

    def compute_and_save() -> T:
        value = compute()
        save_entry(store, kind, key, value)
        return value

    return _cached(store, kind, key, compute_and_save)


def cached_saved_apart(
    store: Path, kind: str, key: str, save: Callable[[], None]
) -> tuple[Any, bool]:
    """As :func:`cached_result`, for a value that ``save()`` computes and saves as the entry
    elsewhere (:func:`save_result`, in another process): it is read back from there."""

    def save_and_read() -> Any:
        save()
        found, value = load_entry(store, kind, key)
        if not found:  # load_entry warned why
            raise RuntimeError(f"cannot read back the {kind} entry {key} its process saved")
        return value

    return _cached(store, kind, key, save_and_read)


def _cached(store: Path, kind: str, key: str, compute_and_save: Callable[[], T]) -> tuple[T, bool]:
    entry = cache_dir(store, kind) / f"{key}.pkl"
    return load_or_compute(entry, lambda: load_entry(store, kind, key), compute_and_save)


def save_result(store: Path, kind: str, key: str, compute: Callable[..., Any], *args) -> None:
    """Save ``compute(*args)`` as an entry: run in another process, it sends its result
    back through the store's file, streamed both ways, where a pipe takes one pickled
    message (a million documents' LDA model, hundreds of MB, held whole on each side)."""
    save_entry(store, kind, key, compute(*args))


def load_entry(store: Path, kind: str, key: str) -> tuple[bool, Any]:
    """(True, value) for a sound entry; (False, None) when absent, damaged or unreadable."""
    path = cache_dir(store, kind) / f"{key}.pkl"
    file = open_blob(path)
    if file is None:
        return False, None
    try:
        with file:
            return True, pickle.load(file)
    except MemoryError:  # not the entry's fault: computing it again would not fit either
        raise
    except Exception as exc:  # noqa: BLE001 - sound bytes, but code they name has changed
        logger.warning("ignoring cache file %s: cannot unpickle it (%s)", path, _line(exc))
        return False, None


def save_entry(store: Path, kind: str, key: str, value: Any) -> None:
    """Write an entry as a checksummed blob (:mod:`io.blob`), atomically: concurrent runs
    never see half an entry, and a damaged one is detected and recomputed."""
    path = cache_dir(store, kind) / f"{key}.pkl"
    with writing_blob(path) as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)


def read_corpus_cached(
    source: str | Path, options: CorpusConfig, store: Path, progress=None
) -> tuple[Corpus, bool]:
    """:func:`corpus.ingest.read_corpus` behind a cache keyed on the input files' identity.

    The key holds each file's path, size and modification time, the ingest options and
    the ingest code, so an edited file, a changed option or changed code all re-read.
    Returns the corpus and whether it came from the cache; runs reading the same files at
    once read them once (:mod:`io.entry_lock`).
    """
    path = _corpus_entry(source, options, store)

    def load() -> tuple[bool, Corpus | None]:
        cached = _load_corpus(path)
        return cached is not None, cached

    def read_and_save() -> Corpus:
        corpus = ingest.read_corpus(source, options, progress=progress)
        with writing_blob(path) as out:
            corpus.write_parquet(out)
        return corpus

    path.parent.mkdir(parents=True, exist_ok=True)  # the look-up above creates nothing
    return load_or_compute(path, load, read_and_save)


def cached_corpus(source: str | Path, options: CorpusConfig, store: Path) -> Corpus | None:
    """The corpus as :func:`read_corpus_cached` last read it, if its files are unchanged
    since; None when it would have to be read again."""
    return _load_corpus(_corpus_entry(source, options, store))


def _corpus_entry(source: str | Path, options: CorpusConfig, store: Path) -> Path:
    _, files = ingest.resolve_source(source, options.format)
    stats = [
        (str(f.path.resolve()), f.path.stat().st_size, f.path.stat().st_mtime_ns) for f in files
    ]
    code = code_fingerprint(ingest, formats, timestamps, corpus_module)
    settings = options.model_dump(exclude={"min_documents", "name"})  # not read
    # Not cache_dir(): a look-up (the CLI's, before a run starts) creates nothing.
    return store / "cache" / "corpora" / f"{cache_key(code, settings, stats)}.parquet.blob"


def _load_corpus(path: Path) -> Corpus | None:
    """A cached corpus, or None when absent or damaged (then it is read again)."""
    file = open_blob(path)
    if file is None:
        return None
    # The checked file, mapped: Arrow reads the payload in place, a batch of rows at a time.
    with file:
        mapped = None
        try:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            payload = pa.py_buffer(mapped)[file.tell() :]  # open_blob leaves it at the payload
            return Corpus.read_parquet(pa.BufferReader(payload), "corpus")
        except Exception as exc:  # noqa: BLE001 - sound bytes of another layout: read again
            logger.warning("ignoring cache file %s: not a corpus (%s)", path, _line(exc))
            return None
        finally:
            payload = None
            if mapped is not None:
                with contextlib.suppress(BufferError):  # a view still held: closed when freed
                    mapped.close()


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
