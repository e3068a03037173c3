"""The run-history database on SQLite and on a real PostgreSQL: lifecycle, migrations,
concurrent writers, and the views ``topicflow history`` / ``show`` print."""

from __future__ import annotations

import datetime as dt
import errno
import multiprocessing
import os
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.mounts import fill, tmpfs
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.history.database import (
    MODEL_NAME_LENGTH,
    RunHistory,
    recorded_run,
)
from topicflow.pipelines.history.location import history_url
from topicflow.pipelines.history.schema import MIGRATIONS, Migration
from topicflow.pipelines.history.view import format_run, format_runs
from topicflow.pipelines.models.registry import MODELS

TOPICS = {
    "lda": [
        {"id": 0, "words": ["rocket", "orbit"], "weights": [0.3, 0.2], "size": 12},
        {"id": 1, "words": ["bank", "shares"], "weights": [0.4, 0.1], "size": 8},
    ],
    "embedding": [{"id": 0, "words": ["goal", "match"], "weights": [1.5, 0.9], "size": 20}],
}
HEADLINE = {
    "models": {
        "lda": {"n_topics": 2, "npmi": 0.123, "diversity": 0.9, "unassigned_share": 0.0},
        "embedding": {"n_topics": 1, "npmi": 0.2, "diversity": 1.0, "unassigned_share": 0.05},
    },
    "agreement": [{"a": "lda", "b": "embedding", "nmi": 0.5}],
}
# How records written before models became pluggable keep their numbers.
OLD_HEADLINE = {
    "lda": {"n_topics": 2, "npmi": 0.123, "diversity": 0.9, "unassigned_share": 0.0},
    "embedding": {"n_topics": 1, "npmi": 0.2, "diversity": 1.0, "unassigned_share": 0.05},
    "agreement_nmi": 0.5,
    "drift": {"lda": {"emerged": 1, "vanished": 0}, "embedding": {"emerged": 0, "vanished": 2}},
}


def _complete_run(history: RunHistory, run_id: str, corpus: str = "news", **facts) -> None:
    history.start(run_id, corpus, corpus_source="/data/news.csv")
    history.complete(run_id, TOPICS, n_documents=40, headline=HEADLINE, update_mode="full", **facts)


def test_a_complete_run_keeps_its_topics_and_numbers(url):
    history = RunHistory(url)
    assert history.applied_migrations == [m.version for m in MIGRATIONS]
    _complete_run(history, "20261121-060000-news-aaaaaa", corpus_fingerprint="f" * 64)
    record = history.get("20261121-060000")  # a unique prefix is enough
    assert record.status == "complete"
    assert record.corpus_fingerprint == "f" * 64
    assert record.finished_at >= record.started_at
    assert record.started_at.tzinfo is not None
    assert record.topics == TOPICS
    assert record.headline == HEADLINE


def test_a_failed_run_keeps_its_error_line_and_no_topics(url):
    history = RunHistory(url)
    history.start("r-failed", "news")
    history.fail("r-failed", "OSError: disk full\nTraceback (most recent call last): ...")
    record = history.get("r-failed")
    assert (record.status, record.error, record.topics) == ("failed", "OSError: disk full", {})


def test_the_first_end_of_a_run_is_the_one_recorded(url):
    history = RunHistory(url)
    history.start("r-stopped", "news")
    assert history.fail("r-stopped", "interrupted by SIGTERM") is True
    assert history.fail("r-stopped", "TerminationSignal: no message") is False
    assert history.get("r-stopped").error == "interrupted by SIGTERM"
    _complete_run(history, "r-done")
    assert history.fail("r-done", "late error") is False  # a complete run keeps its topics
    record = history.get("r-done")
    assert (record.status, record.error, record.topics) == ("complete", None, TOPICS)
    with pytest.raises(KeyError, match="not in the history"):
        history.fail("r-unknown", "boom")


def test_recorded_run_marks_an_exception_as_failed_and_reraises(url):
    history = RunHistory(url)
    with pytest.raises(ValueError, match="bad vectors"), recorded_run(history, "r1", "news"):
        raise ValueError("bad vectors")
    assert history.get("r1").status == "failed"
    assert history.get("r1").error == "ValueError: bad vectors"


def test_a_failure_the_history_cannot_record_leaves_the_runs_own_error(url, caplog):
    history = RunHistory(url)
    with pytest.raises(RuntimeError, match="the run's own"), recorded_run(history, "r1", "news"):
        with history.engine.begin() as conn:  # the record is gone: fail() raises KeyError
            conn.execute(sa.text("DELETE FROM runs WHERE run_id = 'r1'"))
        raise RuntimeError("the run's own error")
    assert "cannot record run r1 as failed: 'run r1 is not in the history'" in caplog.text


@pytest.mark.subprocess  # mounts a tmpfs
def test_a_run_that_filled_the_disk_of_its_sqlite_history_still_records_why(tmp_path):
    # The record is written at the start, while there is room; its end reuses that room.
    with tmpfs(tmp_path / "disk", 1 << 20) as disk:
        history = RunHistory(history_url(disk))
        full = OSError(errno.ENOSPC, "No space left on device", str(disk / "cache.pkl"))
        with pytest.raises(OSError, match="No space left"), recorded_run(history, "r1", "news"):
            fill(disk)
            raise full
        assert os.statvfs(disk).f_bavail == 0  # still full
        record = history.get("r1")
        history.close()
    assert record.status == "failed"
    assert record.error == f"OSError: [Errno 28] No space left on device: '{disk / 'cache.pkl'}'"


def test_previous_success_skips_failed_and_other_corpora(url):
    history = RunHistory(url)
    _complete_run(history, "r1-news")
    _complete_run(history, "r2-other", corpus="other")
    history.start("r3-news", "news")
    history.fail("r3-news", "boom")
    history.start("r4-news", "news")
    assert history.previous_success("news", "r4-news").run_id == "r1-news"
    assert history.previous_success("other", "r4-news").run_id == "r2-other"
    assert history.previous_success("news", "r1-news") is None
    assert [r.run_id for r in history.runs("news")] == ["r4-news", "r3-news", "r1-news"]


def test_ambiguous_or_unknown_run_ids_are_one_line_errors(url):
    history = RunHistory(url)
    _complete_run(history, "20261121-a")
    _complete_run(history, "20261121-b")
    with pytest.raises(InputError, match="matches more than one run"):
        history.get("20261121")
    with pytest.raises(InputError, match="no run 'nope'"):
        history.get("nope")
    with pytest.raises(InputError, match="no run '20261121_'"):
        history.get("20261121_")  # "_" is a literal, not a LIKE wildcard


def _add_note_column(conn) -> None:
    conn.execute(sa.text("ALTER TABLE runs ADD COLUMN note TEXT"))


def test_an_old_database_is_migrated_and_a_newer_one_refused(url):
    RunHistory(url).start("old-run", "news")
    later = (*MIGRATIONS, Migration(MIGRATIONS[-1].version + 1, "runs.note", _add_note_column))
    upgraded = RunHistory(url, migrations=later)
    assert upgraded.applied_migrations == [later[-1].version]
    with upgraded.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT note FROM runs")).all() == [(None,)]
    assert RunHistory(url, migrations=later).applied_migrations == []  # nothing left to do
    with pytest.raises(InputError, match="newer than this topicflow understands"):
        RunHistory(url)  # the code without the new migration


def _write_runs(url: str, worker: int, n: int) -> None:
    history = RunHistory(url)
    for i in range(n):
        _complete_run(history, f"w{worker}-{i:03d}")


@pytest.mark.subprocess
def test_concurrent_writers_both_land(url):
    """Two processes open a new database (both migrate) and write runs at the same time."""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_runs, args=(url, w, 15)) for w in range(2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [p.exitcode for p in workers] == [0, 0]
    records = RunHistory(url).runs()
    assert len(records) == 30
    assert {r.status for r in records} == {"complete"}


def test_unusable_urls_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="invalid history database URL"):
        RunHistory("not a url")
    with pytest.raises(InputError, match="cannot open the history database"):
        RunHistory(f"sqlite:///{tmp_path}/missing/dir/history.sqlite")
    with pytest.raises(InputError, match="cannot open the history database .*127.0.0.1:9"):
        RunHistory("postgresql+psycopg://someone:secret@127.0.0.1:9/db")


def test_history_file_lives_apart_from_the_caches(tmp_path, monkeypatch):
    monkeypatch.delenv("TOPICFLOW_HISTORY_URL", raising=False)
    assert history_url(tmp_path) == f"sqlite:///{tmp_path / 'history' / 'history.sqlite'}"
    monkeypatch.setenv("TOPICFLOW_HISTORY_URL", "postgresql+psycopg://team@db/topics")
    assert history_url(tmp_path) == "postgresql+psycopg://team@db/topics"
    assert history_url(tmp_path, "sqlite:///x.db") == "sqlite:///x.db"


def test_views_show_numbers_changes_and_errors(tmp_path):
    history = RunHistory(history_url(tmp_path))
    _complete_run(history, "r1")
    history.start("r2", "news")
    history.fail("r2", "InputError: no documents")
    listing = format_runs(history.runs())
    lines = listing.splitlines()
    assert lines[0].split()[:3] == ["run", "id", "started"]
    assert lines[1].startswith("r2") and "failed" in lines[1] and "no documents" in lines[1]
    assert "2 topics, NPMI 0.123" in lines[2] and "first run" in lines[2]
    shown = format_run(history.get("r1"))
    assert "| NPMI (c_npmi, top 10) | 0.123 | 0.200 |" in shown
    assert "document agreement (NMI): LDA vs Embedding 0.500" in shown
    assert "rocket, orbit" in shown and "LDA topics (id, documents, top words):" in shown
    assert format_runs([]) == "no runs recorded yet"


def test_named_topics_show_in_history_and_show(tmp_path):
    history = RunHistory(history_url(tmp_path))
    named = {"lda": [{**TOPICS["lda"][0], "name": "space missions"}, TOPICS["lda"][1]]}
    headline = {
        **HEADLINE,
        "drift": {"lda": {"emerged": 2, "vanished": 1}},
        "drift_names": {"lda": {"emerged": ["space missions", "bank shares"], "vanished": ["x y"]}},
    }
    history.start("r1", "news")
    history.complete("r1", named, n_documents=40, headline=headline)
    topics = history.get("r1").topics["lda"]
    assert topics[0]["name"] == "space missions" and "name" not in topics[1]
    shown = format_run(history.get("r1"))
    assert "LDA topics (id, documents, name: top words):" in shown
    assert "space missions: rocket, orbit" in shown and "  8  bank, shares" in shown
    assert "LDA +2 -1 (+space missions; +bank shares; -x y)" in format_runs(history.runs())


def test_views_have_a_column_per_model_and_read_old_records(tmp_path):
    history = RunHistory(history_url(tmp_path))
    history.start("r1", "news")
    history.complete("r1", TOPICS, n_documents=40, headline=OLD_HEADLINE, update_mode="full")
    three = {
        "models": {
            "lda": {"n_topics": 3, "npmi": 0.1},
            "nmf": {"n_topics": 4, "npmi": 0.15},
            "embedding": {"n_topics": 5, "npmi": 0.3},
        },
        "agreement": [
            {"a": "lda", "b": "nmf", "nmi": 0.61},
            {"a": "lda", "b": "embedding", "nmi": 0.62},
            {"a": "nmf", "b": "embedding", "nmi": None},
        ],
        "drift": {
            "lda": {"emerged": 0, "vanished": 0, "set_aside": 0},
            "nmf": {"emerged": 2, "vanished": 1, "set_aside": 1},
        },
        "drift_names": {"nmf": {"emerged": ["a b", "c d", "e f"], "vanished": ["g h"]}},
    }
    history.start("r2", "news")
    history.complete("r2", {"nmf": TOPICS["lda"]}, n_documents=41, headline=three)
    lines = format_runs(history.runs()).splitlines()
    header = lines[0].split("  ")
    assert [c.strip() for c in header if c.strip()][-4:] == ["LDA", "NMF", "Embedding", "changes"]
    assert lines[1].startswith("r2") and "4 topics, NPMI 0.150" in lines[1]
    # Old topics whose words the fit set aside are counted before the names.
    assert "LDA +0 -0, NMF +2 -1 (1 set aside; +a b; +c d; +e f; ...)" in lines[1]
    assert lines[2].startswith("r1") and "1 topics, NPMI 0.200" in lines[2]
    assert "LDA +1 -0, Embedding +0 -2" in lines[2]  # the old shape, read the same way
    old = format_run(history.get("r1"))
    assert "document agreement (NMI): LDA vs Embedding 0.500" in old
    assert "| | LDA | Embedding |" in old
    new = format_run(history.get("r2"))
    assert "| | LDA | NMF | Embedding |" in new and "NMF topics (id" in new
    assert "LDA vs NMF 0.610, LDA vs Embedding 0.620, NMF vs Embedding n/a" in new


def test_every_registered_model_name_fits_the_topics_table(tmp_path):
    assert all(len(name) <= MODEL_NAME_LENGTH for name in MODELS)
    history = RunHistory(history_url(tmp_path))
    history.start("r1", "news")
    with pytest.raises(ValueError, match="longer than the history's topics.model column"):
        history.complete("r1", {"m" * (MODEL_NAME_LENGTH + 1): TOPICS["lda"]})
    assert history.get("r1").status == "running"  # nothing written


def test_times_are_utc(tmp_path):
    history = RunHistory(history_url(tmp_path))
    before = dt.datetime.now(dt.UTC)
    _complete_run(history, "r1")
    assert (
        before - dt.timedelta(seconds=5) <= history.get("r1").started_at <= dt.datetime.now(dt.UTC)
    )


def test_sqlite_file_is_created_under_the_store(tmp_path):
    RunHistory(history_url(tmp_path))
    assert Path(tmp_path / "history" / "history.sqlite").is_file()


def _start_and_vanish(url: str) -> None:
    RunHistory(url).start("killed-run", "news")
    os._exit(0)  # no cleanup, no "failed": as after kill -9


@pytest.mark.subprocess
def test_a_run_whose_process_died_is_marked_interrupted(url):
    process = multiprocessing.get_context("spawn").Process(target=_start_and_vanish, args=(url,))
    process.start()
    process.join(60)
    history = RunHistory(url)
    history.start("live-run", "news")  # this process: alive, left alone
    assert history.get("killed-run").status == "running"
    assert history.reap_interrupted() == ["killed-run"]
    record = history.get("killed-run")
    assert record.status == "failed"
    assert (
        record.error
        == f"interrupted: process {process.pid} on {socket.gethostname()} ended without finishing"
    )
    assert history.get("live-run").status == "running"


def test_a_version_1_database_gains_the_run_owner_columns(url):
    old = RunHistory(url, migrations=MIGRATIONS[:1])
    with old.engine.begin() as conn:  # a row as a version-1 topicflow wrote it
        assert "pid" not in {c["name"] for c in sa.inspect(conn).get_columns("runs")}
        conn.execute(
            sa.text(
                "INSERT INTO runs (run_id, corpus_name, started_at, status) "
                "VALUES ('v1-run', 'news', :at, 'running')"
            ),
            {"at": dt.datetime.now(dt.UTC)},
        )
    assert RunHistory(url).applied_migrations == [m.version for m in MIGRATIONS[1:]]
    record = RunHistory(url).get("v1-run")
    assert (record.status, record.pid, record.host) == ("running", None, None)


def test_a_version_2_database_gains_topic_names_and_reads_its_old_topics(url):
    old = RunHistory(url, migrations=MIGRATIONS[:2])
    old.start("v2-run", "news")
    with old.engine.begin() as conn:  # topics as a version-2 topicflow wrote them: no names
        assert "name" not in {c["name"] for c in sa.inspect(conn).get_columns("topics")}
        version_2 = sa.table(
            "topics", *(sa.column(c) for c in ("run_id", "model", "topic_id", "size")),
            sa.column("words", sa.JSON), sa.column("weights", sa.JSON),
        )  # fmt: skip
        conn.execute(
            version_2.insert(),
            [
                {"run_id": "v2-run", "model": model, "topic_id": t["id"], "words": t["words"],
                 "weights": t["weights"], "size": t["size"]}
                for model, topics in TOPICS.items() for t in topics
            ],
        )  # fmt: skip
        conn.execute(sa.text("UPDATE runs SET status = 'complete'"))
    old.close()
    history = RunHistory(url)
    assert history.applied_migrations == [m.version for m in MIGRATIONS[2:]]
    assert history.get("v2-run").topics == TOPICS  # read as before, without names
    named = {"lda": [{**TOPICS["lda"][0], "name": "space <b>missions</b>"}]}
    history.start("v3-run", "news")
    history.complete("v3-run", named)
    assert history.get("v3-run").topics == named
    previous = history.previous_success("news", "v3-run")
    assert previous is not None and "name" not in previous.topics["lda"][0]
