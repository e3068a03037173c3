"""The store: where caches and run history live, apart from the run directories.

Resolution order: an explicit ``--store DIR``, else ``$TOPICFLOW_STORE``, else
``$XDG_DATA_HOME/topicflow`` (``~/.local/share/topicflow``). Everything under
``cache/`` can be deleted at the cost of recomputation only; ``history/`` is kept
apart so clearing caches never loses the record of past runs.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import pickle
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.corpus import documents as corpus_module
from topicflow.pipelines.corpus import formats, ingest
from topicflow.pipelines.corpus.documents import Corpus


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
_DIGEST_BYTES = 32


def cached_result(store: Path, kind: str, key: str, compute: Callable[[], T]) -> tuple[T, bool]:
    """``compute()``'s value, kept under ``<store>/cache/<kind>/<key>.pkl`` for later runs.

    Returns the value and whether it came from the cache (see :func:`save_entry` for
    why a damaged or half-written entry is never used).
    """
    found, value = load_entry(store, kind, key)
    if found:
        return value, True
    value = compute()
    save_entry(store, kind, key, value)
    return value, False


def load_entry(store: Path, kind: str, key: str) -> tuple[bool, Any]:
    """(True, value) for a sound entry; (False, None) when absent, damaged or unreadable."""
    path = cache_dir(store, kind) / f"{key}.pkl"
    try:
        blob = path.read_bytes()
        payload = blob[_DIGEST_BYTES:]
        if hashlib.sha256(payload).digest() == blob[:_DIGEST_BYTES]:
            return True, pickle.loads(payload)
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - unreadable or unpicklable: the caller recomputes
        pass
    return False, None


def save_entry(store: Path, kind: str, key: str, value: Any) -> None:
    """Write an entry that starts with the sha256 of its payload, under a temporary name,
    then rename: concurrent runs never see half an entry, and a damaged one is detected."""
    path = cache_dir(store, kind) / f"{key}.pkl"
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(hashlib.sha256(payload).digest() + payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_corpus_cached(
    source: str | Path, options: CorpusConfig, store: Path, progress=None
) -> tuple[Corpus, bool]:
    """:func:`corpus.ingest.read_corpus` behind a cache keyed on the input files' identity.

    The key holds each file's path, size and modification time, the ingest options and
    the ingest code, so an edited file, a changed option or changed code all re-read.
    Returns the corpus and whether it came from the cache.
    """
    path = _corpus_entry(source, options, store)
    cached = _load_corpus(path)
    if cached is not None:
        return cached, True
    corpus = ingest.read_corpus(source, options, progress=progress)
    corpus.to_parquet(path)
    return corpus, False


def cached_corpus(source: str | Path, options: CorpusConfig, store: Path) -> Corpus | None:
    """The corpus as :func:`read_corpus_cached` last read it, if its files are unchanged
    since; None when it would have to be read again."""
    return _load_corpus(_corpus_entry(source, options, store))


def _corpus_entry(source: str | Path, options: CorpusConfig, store: Path) -> Path:
    _, files = ingest.resolve_source(source, options.format)
    stats = [
        (str(f.path.resolve()), f.path.stat().st_size, f.path.stat().st_mtime_ns) for f in files
    ]
    code = code_fingerprint(ingest, formats, corpus_module)
    settings = options.model_dump(exclude={"min_documents", "name"})  # not read
    return cache_dir(store, "corpora") / f"{cache_key(code, settings, stats)}.parquet"


def _load_corpus(path: Path) -> Corpus | None:
    """A cached corpus, or None when absent or unreadable (a damaged entry is recomputed)."""
    if not path.is_file():
        return None
    try:
        return Corpus.from_parquet(path)
    except Exception:  # noqa: BLE001 - any damage means "recompute"; the file is replaced
        return None
