"""Checks and names settled before Prefect starts (this module must not import Prefect)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

from topicflow.flows.orchestration.prefect_env import prefect_home
from topicflow.pipelines.config import Config, load_config
from topicflow.pipelines.corpus.documents import Corpus
from topicflow.pipelines.corpus.ingest import sample_corpus_path
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.history.location import history_file
from topicflow.pipelines.io.run_size import run_size
from topicflow.pipelines.io.storage import Need, lacking_room, unwritable
from topicflow.pipelines.io.store import resolve_store


def prepare(
    corpus: str | None, config: str | None, overrides: dict[str, Any] | None, store: str | None
) -> tuple[Config, str, Path]:
    """The validated config, the corpus source and the store; raises InputError early."""
    cfg = load_config(config, overrides)
    source = corpus or str(sample_corpus_path())
    return cfg, source, resolve_store(store)


def check_writable(cfg: Config, out: Path, store: Path) -> None:
    """Raise InputError naming the first place a run writes to where no file can be
    created: ``--out``, ``--store``, the directory of a SQLite history database, and
    Prefect's home when it lives in the store. Creates nothing."""
    places = [("--out", Path(out)), ("--store", store)]
    database = history_file(store, cfg.history.url) if cfg.history.enabled else None
    if database is not None:
        places.append(("the history database's directory", database.parent))
    home = prefect_home(store)
    if home.absolute().is_relative_to(store):
        places.append(("Prefect's home", home))
    for label, path in places:
        problem = unwritable(path)
        if problem is not None:
            raise InputError(f"{label} {path} {problem}")


def check_room(cfg: Config, documents: Corpus, out: Path, store: Path, corpus_cached: bool) -> None:
    """Raise InputError when ``--out`` or ``--store`` lacks the room a run on ``documents``
    certainly takes (:mod:`topicflow.pipelines.io.run_size`); on one file system, both."""
    size = run_size(documents.texts, cfg, store, corpus_cached)
    in_store = size.store + prefect_database_room(store)
    problem = lacking_room([Need("--out", Path(out), size.out), Need("--store", store, in_store)])
    if problem is not None:
        raise InputError(problem)


# Prefect's SQLite database: 1.35 MB once the migrations of Prefect 3.8 have run
# (measured), and a write-ahead log that grows to SQLite's automatic checkpoint, 1,000
# pages of 4 KB, before it is folded back into the database.
PREFECT_DATABASE_BYTES = 1_350_000
SQLITE_LOG_BYTES = 1000 * 4096


def prefect_database_room(store: Path) -> int:
    """Bytes Prefect's own database may still take in the store, when the temporary API
    server (or ``serve``'s local one) keeps it there: without that room Prefect's server
    fails at its start, and the run waits out the start's timeout (minutes)."""
    home = prefect_home(store)
    if os.environ.get("PREFECT_API_URL") or not home.absolute().is_relative_to(store):
        return 0
    database, log = home / "prefect.db", home / "prefect.db-wal"
    missing = 0 if database.is_file() else PREFECT_DATABASE_BYTES
    return missing + max(0, SQLITE_LOG_BYTES - (log.stat().st_size if log.is_file() else 0))


def corpus_name(cfg: Config, corpus: str | None) -> str:
    """The corpus's name in the run history: ``corpus.name``, else from its path."""
    return cfg.corpus.name or corpus_display_name(corpus)


def corpus_display_name(corpus: str | None) -> str:
    """A short name for the corpus argument, for run ids and flow-run names."""
    if not corpus:
        return "lee_background"
    name = Path(corpus.rstrip("/")).name.removesuffix(".gz")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem).strip("_")
    return safe or "corpus"


def new_run_id(corpus_name: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{corpus_name}-{secrets.token_hex(3)}"
