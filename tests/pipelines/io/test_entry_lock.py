"""Cache entries computed once: a second caller of a missing entry waits for the first
and reads its entry; a killed holder leaves no lock behind; no lock file outlives a use."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from tests.locks import WAIT_S, until, waiters
from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.corpus.ingest import PROGRESS_EVERY
from topicflow.pipelines.io.entry_lock import entry_lock, load_or_compute, lock_path
from topicflow.pipelines.io.store import cache_dir, cached_result, read_corpus_cached


def _in_thread(results: dict, name: str, call) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.__setitem__(name, call()))
    thread.start()
    return thread


def test_lock_file_is_a_hidden_sibling_of_its_entry(tmp_path):
    entry = tmp_path / "model-lda" / "abc.pkl"
    assert lock_path(entry) == tmp_path / "model-lda" / ".abc.pkl.lock"


def test_a_second_caller_waits_for_the_first_and_reads_its_entry(store):
    entry = cache_dir(store, "model-lda") / "k.pkl"
    computed, results, first_computing = [], {}, threading.Event()

    def first() -> str:
        computed.append("first")
        first_computing.set()
        until(lambda: waiters(lock_path(entry)) == 1)  # the second is queued behind us
        return "fitted"

    def second() -> str:
        computed.append("second")
        return "fitted again"

    a = _in_thread(results, "first", lambda: cached_result(store, "model-lda", "k", first))
    first_computing.wait(WAIT_S)
    b = _in_thread(results, "second", lambda: cached_result(store, "model-lda", "k", second))
    a.join(WAIT_S), b.join(WAIT_S)
    assert computed == ["first"]
    assert results == {"first": ("fitted", False), "second": ("fitted", True)}
    assert [p.name for p in entry.parent.iterdir()] == ["k.pkl"]  # no lock file left


def test_holders_follow_one_another_though_each_removes_the_lock_file(tmp_path):
    # A holder removes the file on leaving, while a waiter is queued on it: the waiter
    # must then lock the file a newcomer finds, or the two would hold the entry together.
    entry, order = tmp_path / "k.pkl", []
    inside = {name: threading.Event() for name in "ab"}
    leave = {name: threading.Event() for name in "ab"}

    def holder(name: str) -> None:
        with entry_lock(entry):
            order.append(f"{name} in")
            inside[name].set()
            leave[name].wait(WAIT_S)
            order.append(f"{name} out")

    a = threading.Thread(target=holder, args=("a",))
    a.start()
    inside["a"].wait(WAIT_S)
    b = threading.Thread(target=holder, args=("b",))
    b.start()
    until(lambda: waiters(lock_path(entry)) == 1)
    leave["a"].set()
    inside["b"].wait(WAIT_S)

    def newcomer() -> None:
        with entry_lock(entry):
            order.append("c in")

    c = threading.Thread(target=newcomer)
    c.start()
    until(lambda: waiters(lock_path(entry)) == 1)  # c waits for b
    leave["b"].set()
    for thread in (a, b, c):
        thread.join(WAIT_S)
    assert order == ["a in", "a out", "b in", "b out", "c in"]


def test_a_corpus_read_by_two_callers_at_once_is_read_once(tmp_path, store):
    source = tmp_path / "lines.cor"
    source.write_text("".join(f"story {i} about rates\n" for i in range(PROGRESS_EVERY)))
    reads, results = [], {}
    first_reading = threading.Event()

    def reading(name: str):
        def progress(records: int) -> None:
            reads.append(name)
            first_reading.set()
            locks = list((store / "cache" / "corpora").glob(".*.lock"))
            until(lambda: len(locks) == 1 and waiters(locks[0]) == 1)

        return lambda: read_corpus_cached(source, CorpusConfig(), store, progress)

    a = _in_thread(results, "first", reading("first"))
    first_reading.wait(WAIT_S)
    b = _in_thread(results, "second", reading("second"))
    a.join(WAIT_S), b.join(WAIT_S)
    assert reads == ["first"]
    assert [hit for _, hit in (results["first"], results["second"])] == [False, True]
    assert results["second"][0].texts == results["first"][0].texts
    assert [p.suffix for p in (store / "cache" / "corpora").iterdir()] == [".blob"]


def test_a_failed_computation_saves_nothing_and_the_next_caller_computes(store):
    def failing():
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        cached_result(store, "compare", "k", failing)
    assert list(cache_dir(store, "compare").iterdir()) == []
    assert cached_result(store, "compare", "k", lambda: {"nmi": 1.0}) == ({"nmi": 1.0}, False)


def test_where_no_lock_can_be_made_the_computation_runs_unlocked(tmp_path, caplog):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory should be")
    value, loaded = load_or_compute(blocked / "k.pkl", lambda: (False, None), lambda: 42)
    assert (value, loaded) == (42, False)
    assert f"cannot lock {blocked / '.k.pkl.lock'}" in caplog.text


@pytest.mark.subprocess
def test_a_lock_held_by_a_killed_process_is_free_at_once(store):
    entry = cache_dir(store, "preprocess") / "k.pkl"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from topicflow.pipelines.io.entry_lock import entry_lock
            with entry_lock({str(entry)!r}):
                print("held", flush=True)
                time.sleep(600)
        """)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == "held\n"
        with open(lock_path(entry)) as lock, pytest.raises(BlockingIOError):
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while the process lives
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    assert lock_path(entry).exists()  # the dead holder's file is left behind, but not its lock
    with open(lock_path(entry)) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # taken at once, without waiting
    assert cached_result(store, "preprocess", "k", lambda: "tokens") == ("tokens", False)
    assert [p.name for p in entry.parent.iterdir()] == ["k.pkl"]  # and removed by the next holder
