"""Checks and names settled before Prefect starts (this module must not import Prefect)."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from topicflow.pipelines.config import Config, load_config
from topicflow.pipelines.corpus.ingest import sample_corpus_path
from topicflow.pipelines.io.store import resolve_store


def prepare(
    corpus: str | None, config: str | None, overrides: dict[str, Any] | None, store: str | None
) -> tuple[Config, str, Path]:
    """The validated config, the corpus source and the store; raises InputError early."""
    cfg = load_config(config, overrides)
    source = corpus or str(sample_corpus_path())
    return cfg, source, resolve_store(store)


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
