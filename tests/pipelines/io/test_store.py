"""The store: where it is, and the corpus cache inside it."""

from __future__ import annotations

import os
from pathlib import Path

from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.io.store import read_corpus_cached, resolve_store


def test_store_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPICFLOW_STORE", str(tmp_path / "env"))
    assert resolve_store(tmp_path / "flag") == tmp_path / "flag"
    assert resolve_store(None) == tmp_path / "env"
    monkeypatch.delenv("TOPICFLOW_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_store(None) == tmp_path / "xdg" / "topicflow"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert resolve_store(None) == Path.home() / ".local" / "share" / "topicflow"


def _corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "docs.cor"
    path.write_text("alpha beta\ngamma delta\n")
    return path


def test_second_read_hits_the_cache(tmp_path, store):
    source = _corpus_file(tmp_path)
    first, hit1 = read_corpus_cached(source, CorpusConfig(), store)
    second, hit2 = read_corpus_cached(source, CorpusConfig(), store)
    assert (hit1, hit2) == (False, True)
    assert second.texts == first.texts and second.fingerprint == first.fingerprint


def test_edited_file_or_changed_option_misses(tmp_path, store):
    source = _corpus_file(tmp_path)
    read_corpus_cached(source, CorpusConfig(), store)
    stat = source.stat()
    source.write_text("alpha beta\ngamma delta\nepsilon\n")
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    corpus, hit = read_corpus_cached(source, CorpusConfig(), store)
    assert not hit and len(corpus) == 3
    _, hit = read_corpus_cached(source, CorpusConfig(encoding_errors="strict"), store)
    assert not hit
    _, hit = read_corpus_cached(source, CorpusConfig(min_documents=3), store)
    assert hit  # min_documents is checked after reading; it does not change what is read


def test_corrupt_cache_entry_is_recomputed(tmp_path, store):
    source = _corpus_file(tmp_path)
    read_corpus_cached(source, CorpusConfig(), store)
    (entry,) = (store / "cache" / "corpora").glob("*.parquet.blob")
    entry.write_bytes(entry.read_bytes()[:50])  # truncated
    corpus, hit = read_corpus_cached(source, CorpusConfig(), store)
    assert not hit and corpus.texts == ["alpha beta", "gamma delta"]
    _, hit = read_corpus_cached(source, CorpusConfig(), store)
    assert hit
