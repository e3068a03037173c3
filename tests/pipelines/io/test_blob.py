"""Checksummed blobs: a sound one reads back exactly; any damage reads as absent, with one
warning line naming the file, and each user of the format then recomputes.

The ONNX model cache, the third user, is tested with the real model in
test_embed_backends.py."""

from __future__ import annotations

import logging
import tracemalloc

import numpy as np
import pytest

from tests.damage import DAMAGE, REASON
from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.io.blob import (
    MAGIC,
    VERSION,
    open_blob,
    read_blob,
    write_blob,
    writing_blob,
)
from topicflow.pipelines.io.store import (
    cached_corpus,
    cached_result,
    load_entry,
    read_corpus_cached,
    save_entry,
)


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_sound_blob_reads_back_exactly(tmp_path):
    path = tmp_path / "entry.bin"
    payload = bytes(range(256)) * 100
    write_blob(path, payload)
    assert read_blob(path) == payload
    assert path.read_bytes().startswith(MAGIC + VERSION.to_bytes(2, "big"))
    write_blob(path, b"")
    assert read_blob(path) == b""
    assert [p.name for p in tmp_path.iterdir()] == ["entry.bin"]  # no temporary file left


def test_missing_blob_is_absent_without_a_warning(tmp_path, caplog):
    assert read_blob(tmp_path / "never-written") is None
    assert _warnings(caplog) == []


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_blob_is_absent_with_one_warning_naming_the_file(tmp_path, caplog, damage):
    path = tmp_path / "entry.bin"
    write_blob(path, b"payload " * 1000)
    DAMAGE[damage](path)
    assert read_blob(path) is None
    (line,) = _warnings(caplog)
    assert str(path) in line and REASON[damage] in line and "\n" not in line


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_blob_is_removed_so_the_next_read_is_a_silent_miss(tmp_path, caplog, damage):
    path = tmp_path / "entry.bin"
    write_blob(path, b"payload " * 1000)
    DAMAGE[damage](path)
    assert read_blob(path) is None and read_blob(path) is None
    assert not path.exists()
    assert len(_warnings(caplog)) == 1


def test_an_unreadable_blob_is_not_removed(tmp_path, caplog):
    path = tmp_path / "entry.bin"
    path.mkdir()  # what cannot be read as a file is not damage to clean up
    assert read_blob(path) is None
    assert path.is_dir() and "unreadable" in caplog.text


@pytest.mark.parametrize(
    "content", [b"", b"TFB", b"\x80\x05 an entry pickled by an older topicflow"], ids=repr
)
def test_a_file_of_another_format_is_absent(tmp_path, caplog, content):
    path = tmp_path / "entry.bin"
    path.write_bytes(content)
    assert read_blob(path) is None
    (line,) = _warnings(caplog)
    assert "not a topicflow blob" in line


def test_extra_bytes_after_the_payload_are_damage(tmp_path, caplog):
    path = tmp_path / "entry.bin"
    write_blob(path, b"payload")
    path.write_bytes(path.read_bytes() + b"junk")
    assert read_blob(path) is None
    assert "4 unexpected bytes after the payload" in caplog.text


def test_unreadable_path_is_absent_with_a_warning(tmp_path, caplog):
    (tmp_path / "a-file").write_text("")
    assert read_blob(tmp_path / "a-file" / "entry.bin") is None  # a file where a folder is
    assert "unreadable" in caplog.text


# --- users of the format: the store's entries and its corpus cache ----------------------


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_store_entry_is_recomputed(store, caplog, damage):
    calls = []

    def compute():
        calls.append(1)
        return {"topics": list(range(100))}

    assert cached_result(store, "lda", "k", compute) == ({"topics": list(range(100))}, False)
    DAMAGE[damage](store / "cache" / "lda" / "k.pkl")
    value, hit = cached_result(store, "lda", "k", compute)
    assert (value["topics"][-1], hit, len(calls)) == (99, False, 2)
    (line,) = _warnings(caplog)
    assert "k.pkl" in line and REASON[damage] in line
    assert cached_result(store, "lda", "k", compute)[1]  # rewritten sound


def test_store_entry_that_no_longer_unpickles_is_recomputed(store, caplog):
    # Sound bytes naming a class whose module has since moved (as after a refactoring):
    # the pickle opcodes GLOBAL "topicflow.gone Model", STOP.
    entry = store / "cache" / "lda" / "k.pkl"
    entry.parent.mkdir(parents=True)
    write_blob(entry, b"ctopicflow.gone\nModel\n.")
    assert cached_result(store, "lda", "k", lambda: 2) == (2, False)
    (line,) = _warnings(caplog)
    assert "k.pkl" in line and "cannot unpickle" in line


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_corpus_cache_is_read_again(tmp_path, store, caplog, damage):
    source = tmp_path / "docs.cor"
    source.write_text("alpha beta\ngamma delta\n")
    read_corpus_cached(source, CorpusConfig(), store)
    (entry,) = (store / "cache" / "corpora").iterdir()
    DAMAGE[damage](entry)
    corpus, hit = read_corpus_cached(source, CorpusConfig(), store)
    assert not hit and corpus.texts == ["alpha beta", "gamma delta"]
    (line,) = _warnings(caplog)
    assert entry.name in line and REASON[damage] in line
    assert read_corpus_cached(source, CorpusConfig(), store)[1]


def test_a_damaged_corpus_cache_read_twice_in_one_run_warns_once(tmp_path, store, caplog):
    # `topicflow run` asks whether the corpus changed (cached_corpus) before it reads it.
    source = tmp_path / "docs.cor"
    source.write_text("alpha beta\ngamma delta\n")
    read_corpus_cached(source, CorpusConfig(), store)
    (entry,) = (store / "cache" / "corpora").iterdir()
    DAMAGE["flipped byte"](entry)
    assert cached_corpus(source, CorpusConfig(), store) is None
    corpus, hit = read_corpus_cached(source, CorpusConfig(), store)
    assert not hit and corpus.texts == ["alpha beta", "gamma delta"]
    (line,) = _warnings(caplog)
    assert entry.name in line


# --- large entries stream: neither side holds the pickle whole -------------------------


def test_a_large_entry_is_written_and_read_without_a_copy_of_its_pickle(store):
    value = {"weights": np.arange(4_000_000, dtype=np.float64)}  # 32 MB
    size = value["weights"].nbytes
    tracemalloc.start()
    try:
        save_entry(store, "model-lda", "k", value)
        written = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        found, loaded = load_entry(store, "model-lda", "k")
        read = tracemalloc.get_traced_memory()[1] - tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert found and np.array_equal(loaded["weights"], value["weights"])
    # A payload made in memory held the pickle twice (2 x 32 MB) while writing, and the
    # file's bytes beside the payload's (2 x 32 MB) while reading.
    assert written < size / 4
    assert read < size / 4


def test_a_streamed_blob_reads_back_in_pieces_and_whole(tmp_path):
    path = tmp_path / "entry.bin"
    with writing_blob(path) as out:
        out.write(b"head ")
        out.write(memoryview(np.arange(3, dtype=np.int64)))  # pickle hands over buffers too
    assert read_blob(path) == b"head " + np.arange(3, dtype=np.int64).tobytes()
    with open_blob(path) as file:
        assert file.read(5) == b"head "
