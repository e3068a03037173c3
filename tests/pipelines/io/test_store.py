"""The store: where it is, and the corpus cache inside it."""

from __future__ import annotations

import os
from pathlib import Path

from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.corpus import documents
from topicflow.pipelines.io.blob import write_blob
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


def test_cached_corpus_streams_through_its_blob_a_batch_at_a_time(tmp_path, store, monkeypatch):
    monkeypatch.setattr(documents, "PARQUET_BATCH_ROWS", 2)
    source = tmp_path / "five.txt"
    source.write_text("".join(f"line {i} of five\n" for i in range(5)))
    first, _ = read_corpus_cached(source, CorpusConfig(), store)
    second, hit = read_corpus_cached(source, CorpusConfig(), store)
    assert hit and second.texts == first.texts and second.ids == first.ids
    assert second.fingerprint == first.fingerprint and second.stats == first.stats


def test_a_sound_blob_that_is_not_a_corpus_is_read_again(tmp_path, store, caplog):
    source = _corpus_file(tmp_path)
    read_corpus_cached(source, CorpusConfig(), store)
    (entry,) = (store / "cache" / "corpora").glob("*.parquet.blob")
    write_blob(entry, b"not parquet at all")
    corpus, hit = read_corpus_cached(source, CorpusConfig(), store)
    assert not hit and corpus.texts == ["alpha beta", "gamma delta"]
    assert "not a corpus" in caplog.text
    _, hit = read_corpus_cached(source, CorpusConfig(), store)
    assert hit
