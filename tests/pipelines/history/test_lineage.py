"""A topic's life across runs: drift's links, kept by the history on SQLite and a real
PostgreSQL, the walk along them, the migration that adds them, and ``topicflow history
--topic``.

Three runs of one corpus, topics written by hand (LDA; Embedding with other ids):

- space: in all three runs (ids 0, 1, 2 in LDA: a line through three runs);
- money: in runs 1 and 2, then split in run 3 into ``bank market shares profit`` (its
  one-to-one match, the line goes on) and ``investor rates market bank`` (split off: a
  line of its own);
- sport: in runs 1 and 2, then vanished (the line ends at run 2);
- food: emerged in run 2, still there in run 3.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from tests.flows.app.test_cli import assert_bad_input, run_cli
from tests.pipelines.history.test_drift import FOOD, MONEY, SPACE, SPORT, topic
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.history.database import RunHistory
from topicflow.pipelines.history.drift import drift_since
from topicflow.pipelines.history.lineage import (
    RunPoint,
    TopicSpec,
    drift_links,
    parse_topic_spec,
    steps_of,
    topic_line,
    topic_lives,
)
from topicflow.pipelines.history.location import history_url
from topicflow.pipelines.history.schema import MIGRATIONS
from topicflow.pipelines.history.view import format_topic_line

N_DOCUMENTS = 40
BANK = "bank market shares profit"
INVESTOR = "investor rates market bank"
SPACE_NAMED = {**topic(2, SPACE, 15), "name": "space missions"}  # named in the last run only
RUNS = {
    "r1": {
        "lda": [topic(0, SPACE, 12), topic(1, MONEY, 10), topic(2, SPORT, 8)],
        "embedding": [topic(5, SPORT, 20), topic(6, SPACE, 10)],
    },
    "r2": {
        "lda": [topic(0, MONEY, 11), topic(1, SPACE, 14), topic(2, SPORT, 6), topic(3, FOOD, 9)],
        "embedding": [topic(0, SPACE, 16), topic(1, SPORT, 18)],
    },
    "r3": {
        "lda": [topic(0, BANK, 7), topic(1, INVESTOR, 6), SPACE_NAMED, topic(3, FOOD, 12)],
        "embedding": [topic(3, SPACE, 22)],
    },
}
T0 = dt.datetime(2026, 11, 21, 6, tzinfo=dt.UTC)


def _record_runs(history: RunHistory, corpus: str = "news") -> list[dict]:
    """The three runs, each linked to the one before as the flow does; their drifts."""
    drifts = []
    for i, (run_id, topics) in enumerate(RUNS.items()):
        history.start(run_id, corpus, started_at=T0 + dt.timedelta(days=i))
        previous = history.previous_success(corpus, run_id)
        drift = drift_since(
            previous.run_id if previous else None, None, previous.topics if previous else {}, topics
        )
        history.complete(run_id, topics, links=drift_links(drift), n_documents=N_DOCUMENTS)
        drifts.append(drift)
    return drifts


def _ids(steps) -> list[tuple[str, int]]:
    return [(step.run.run_id, step.topic_id) for step in steps]


# --- pure: no database --------------------------------------------------------------------


def test_topic_specs_split_from_the_right_and_bad_ones_are_input_errors():
    assert parse_topic_spec("20261121-060000-a:b:lda:3") == TopicSpec(
        "20261121-060000-a:b", "lda", 3
    )
    assert parse_topic_spec(" r1 : lda : 0 ") == TopicSpec("r1", "lda", 0)
    for bad, message in (
        ("r1", "must be RUN_ID:MODEL:TOPIC"),
        ("r1:lda", "must be RUN_ID:MODEL:TOPIC"),
        ("r1::3", "must be RUN_ID:MODEL:TOPIC"),
        (":lda:3", "must be RUN_ID:MODEL:TOPIC"),
        ("r1:lda:three", "the topic must be a number, got 'three'"),
    ):
        with pytest.raises(InputError, match=message):
            parse_topic_spec(bad)


def test_only_one_to_one_matches_link():
    r2, r3 = RUNS["r2"], RUNS["r3"]
    drift = drift_since("r2", None, r2, r3)
    assert drift["models"]["lda"]["counts"]["split"] == 1  # the planted split is one
    assert drift_links(drift) == {
        "lda": {0: ("r2", 0), 2: ("r2", 1), 3: ("r2", 3)},  # not 1: split off money
        "embedding": {3: ("r2", 0)},
    }
    assert drift_links(drift_since(None, None, {}, r3)) == {}  # a first run
    assert drift_links(None) == {}


def _pure_steps() -> dict[str, list]:
    """The three runs' steps as the history would hand them over, built in memory."""
    steps: dict[str, list] = {}
    previous_id, previous = None, {}
    for i, (run_id, topics) in enumerate(RUNS.items()):
        point = RunPoint(run_id, T0 + dt.timedelta(days=i, minutes=5), N_DOCUMENTS)
        links = drift_links(drift_since(previous_id, None, previous, topics))
        for model, made in steps_of(point, topics, links).items():
            steps.setdefault(model, []).extend(made)
        previous_id, previous = run_id, topics
    return steps


def test_a_line_runs_back_and_forth_and_stops_where_a_link_breaks():
    lda = _pure_steps()["lda"]
    space = [("r1", 0), ("r2", 1), ("r3", 2)]
    for start in space:  # the same line from wherever it is entered
        assert _ids(topic_line(lda, start)) == space
    money = [("r1", 1), ("r2", 0), ("r3", 0)]
    assert _ids(topic_line(lda, ("r1", 1))) == money  # forwards into its one-to-one match
    assert _ids(topic_line(lda, ("r3", 1))) == [("r3", 1)]  # split off: a line of its own
    assert _ids(topic_line(lda, ("r1", 2))) == [("r1", 2), ("r2", 2)]  # vanished in r3
    assert _ids(topic_line(lda, ("r3", 3))) == [("r2", 3), ("r3", 3)]  # emerged in r2
    line = topic_line(lda, ("r3", 2))
    assert [s.size for s in line] == [12, 14, 15]
    assert [s.share for s in line] == [12 / 40, 14 / 40, 15 / 40]
    assert line[0].words[:2] == ("rocket", "orbit")
    with pytest.raises(KeyError):
        topic_line(lda, ("r3", 9))


def test_of_two_runs_continuing_one_topic_the_earlier_finished_one_goes_on():
    base = RunPoint("a", T0, 10)
    later = RunPoint("c", T0 + dt.timedelta(hours=2), 10)
    earlier = RunPoint("b", T0 + dt.timedelta(hours=1), 10)
    steps = [
        *steps_of(base, {"lda": [topic(0, SPACE)]}, {})["lda"],
        *steps_of(later, {"lda": [topic(4, SPACE)]}, {"lda": {4: ("a", 0)}})["lda"],
        *steps_of(earlier, {"lda": [topic(7, SPACE)]}, {"lda": {7: ("a", 0)}})["lda"],
    ]
    assert _ids(topic_line(steps, ("a", 0))) == [("a", 0), ("b", 7)]
    assert _ids(topic_line(steps, ("c", 4))) == [("a", 0), ("c", 4)]


def test_lives_are_the_current_topics_that_lived_through_two_runs_of_the_window():
    steps = _pure_steps()
    runs = [steps["lda"][0].run, steps["lda"][3].run, steps["lda"][-1].run]
    assert [r.run_id for r in runs] == ["r1", "r2", "r3"]
    lives = topic_lives(runs, steps, window=10)
    assert [r["run_id"] for r in lives["runs"]] == ["r1", "r2", "r3"]
    lda = {life["topic"]: life for life in lives["models"]["lda"]}
    assert sorted(lda) == [0, 2, 3]  # not 1: split off, it has lived through one run
    assert [(s["run_id"], s["topic"], s["size"]) for s in lda[2]["steps"]] == [
        ("r1", 0, 12),
        ("r2", 1, 14),
        ("r3", 2, 15),
    ]
    assert lda[3]["steps"][-1]["share"] == 12 / 40 and lda[3]["words"][0] == "recipe"
    assert lda[2]["name"] == "space missions" and "name" not in lda[3]
    assert [len(life["steps"]) for life in lives["models"]["embedding"]] == [3]
    short = topic_lives(runs, steps, window=2)  # the last two runs only
    assert [r["run_id"] for r in short["runs"]] == ["r2", "r3"]
    assert [len(life["steps"]) for life in short["models"]["lda"]] == [2, 2, 2]
    first = topic_lives(runs[:1], steps, window=10)  # a first run: nothing lived before
    assert first["models"] == {"lda": [], "embedding": []}
    lda_only = {"lda": steps["lda"], "nmf": steps["embedding"][:2]}  # nmf: r1 only
    assert set(topic_lives(runs, lda_only, window=10)["models"]) == {"lda"}


# --- the history database: SQLite and PostgreSQL ---------------------------------------------


def test_recorded_runs_keep_their_links_and_walk_along_them(url):
    history = RunHistory(url)
    _record_runs(history)
    with history.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT run_id, topic_id, previous_run, previous_topic FROM topics "
                "WHERE model = 'lda' ORDER BY run_id, topic_id"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("r1", 0, None, None),
        ("r1", 1, None, None),
        ("r1", 2, None, None),
        ("r2", 0, "r1", 1),
        ("r2", 1, "r1", 0),
        ("r2", 2, "r1", 2),
        ("r2", 3, None, None),  # food emerged
        ("r3", 0, "r2", 0),
        ("r3", 1, None, None),  # split off money
        ("r3", 2, "r2", 1),
        ("r3", 3, "r2", 3),
    ]
    assert history.get("r3").topics == RUNS["r3"]  # the records read as they were written

    line = history.topic_line(TopicSpec("r2", "lda", 1))  # entered in the middle
    assert (line.model, line.start) == ("lda", ("r2", 1))
    assert _ids(line.steps) == [("r1", 0), ("r2", 1), ("r3", 2)]
    assert [s.share for s in line.steps] == [12 / 40, 14 / 40, 15 / 40]
    assert all(s.run.finished_at.tzinfo is not None for s in line.steps)
    assert _ids(history.topic_line(TopicSpec("r3", "lda", 1)).steps) == [("r3", 1)]
    sport = history.topic_line(TopicSpec("r1", "embedding", 5)).steps
    assert _ids(sport) == [("r1", 5), ("r2", 1)]  # vanished from r3's embedding topics

    runs, steps = history.topic_steps("news", last=2, before_run_id="r3")
    assert [r.run_id for r in runs] == ["r1", "r2"]  # r3 itself left out
    assert {s.run.run_id for s in steps["lda"]} == {"r1", "r2"}
    assert history.topic_steps("other") == ([], {})


def test_a_failed_run_in_between_neither_links_nor_breaks_a_line(url):
    history = RunHistory(url)
    history.start("r1", "news", started_at=T0)
    history.complete("r1", RUNS["r1"], n_documents=N_DOCUMENTS)
    history.start("rx", "news", started_at=T0 + dt.timedelta(hours=1))
    history.fail("rx", "OSError: disk full")
    history.start("r2", "news", started_at=T0 + dt.timedelta(days=1))
    previous = history.previous_success("news", "r2")
    assert previous.run_id == "r1"
    drift = drift_since("r1", None, previous.topics, RUNS["r2"])
    history.complete("r2", RUNS["r2"], links=drift_links(drift), n_documents=N_DOCUMENTS)
    runs, _ = history.topic_steps("news")
    assert [r.run_id for r in runs] == ["r1", "r2"]
    assert _ids(history.topic_line(TopicSpec("r2", "lda", 1)).steps) == [("r1", 0), ("r2", 1)]


def test_unknown_runs_models_and_topics_are_one_line_errors(url):
    history = RunHistory(url)
    _record_runs(history)
    history.start("r4", "news")
    for spec, message in (
        (TopicSpec("nope", "lda", 0), "no run 'nope' in the history"),
        (TopicSpec("r", "lda", 0), "'r' matches more than one run"),
        (TopicSpec("r1", "nmf", 0), "run r1 has no model 'nmf' (it has: embedding, lda)"),
        (TopicSpec("r1", "lda", 7), "run r1 has no lda topic 7 (its topics are 0..2)"),
        (TopicSpec("r4", "lda", 0), "run r4 is running: it has no topics"),
    ):
        with pytest.raises(InputError, match=re.escape(message)):
            history.topic_line(spec)


def test_a_version_3_database_file_gains_the_links_and_its_topics_start_lines(url):
    old = RunHistory(url, migrations=MIGRATIONS[:3])
    old.start("v3-run", "news", started_at=T0)
    with old.engine.begin() as conn:  # topics as a version-3 topicflow wrote them
        assert "previous_run" not in {c["name"] for c in sa.inspect(conn).get_columns("topics")}
        version_3 = sa.table(
            "topics", *(sa.column(c) for c in ("run_id", "model", "topic_id", "size", "name")),
            sa.column("words", sa.JSON), sa.column("weights", sa.JSON),
        )  # fmt: skip
        conn.execute(
            version_3.insert(),
            [
                {"run_id": "v3-run", "model": "lda", "topic_id": t["id"], "words": t["words"],
                 "weights": t["weights"], "size": t["size"], "name": None}
                for t in RUNS["r1"]["lda"]
            ],
        )  # fmt: skip
        conn.execute(sa.text(f"UPDATE runs SET status = 'complete', n_documents = {N_DOCUMENTS}"))
    old.close()
    if url.startswith("sqlite"):
        assert sa.engine.make_url(url).database.endswith("history.sqlite")  # a file on disk

    history = RunHistory(url)
    assert history.applied_migrations == [4]
    assert _ids(history.topic_line(TopicSpec("v3-run", "lda", 0)).steps) == [("v3-run", 0)]
    history.start("v4-run", "news", started_at=T0 + dt.timedelta(days=1))
    previous = history.previous_success("news", "v4-run")
    drift = drift_since(previous.run_id, None, previous.topics, {"lda": RUNS["r2"]["lda"]})
    history.complete("v4-run", {"lda": RUNS["r2"]["lda"]}, links=drift_links(drift))
    line = history.topic_line(TopicSpec("v4-run", "lda", 1)).steps
    assert _ids(line) == [("v3-run", 0), ("v4-run", 1)]  # the old run's topic, now linked
    assert line[0].share == 12 / 40 and line[1].share is None  # v4-run: no document count


# --- the command line ----------------------------------------------------------------------


def test_the_line_as_a_table_oldest_first_with_the_asked_run_marked(tmp_path):
    history = RunHistory(history_url(tmp_path))
    _record_runs(history)
    text = format_topic_line(history.topic_line(TopicSpec("r2", "lda", 1)))
    lines = text.splitlines()
    assert lines[0] == "LDA topic 1 of run r2 (*): 3 runs"
    assert lines[1].split() == ["run", "id", "finished", "(UTC)", "topic", "docs", "share", "name:",
                                "top", "words"]  # fmt: skip
    assert [line.split()[0] for line in lines[2:]] == ["r1", "r2", "r3"]
    assert lines[3].split()[1] == "*" and "*" not in lines[2] + lines[4]
    assert lines[2].split()[3:6] == ["0", "12", "30.0%"]  # topic, documents, share
    assert lines[3].split()[4:7] == ["1", "14", "35.0%"]  # after the mark
    assert lines[4].split()[3:8] == ["2", "15", "37.5%", "space", "missions:"]
    assert lines[2].endswith("  rocket, orbit, launch, planet, nasa, moon")
    cut = format_topic_line(history.topic_line(TopicSpec("r1", "lda", 0)), limit=2).splitlines()
    assert [line.split()[0] for line in cut[2:4]] == ["r1", "r2"]  # the asked run stays
    assert cut[1].split()[-2:] == ["top", "words"]  # no name among the rows shown
    assert cut[-1] == "(0 earlier and 1 later runs not shown: --limit)"


@pytest.mark.subprocess
def test_history_topic_prints_the_line_and_fails_in_one_line(tmp_path, topicflow_bin):
    """The installed command: the line on stdout, bad specs exit 2 with one line."""
    store = tmp_path / "store"
    _record_runs(RunHistory(history_url(store)))
    at = ["--store", str(store)]
    shown = run_cli(topicflow_bin, "history", "--topic", "r3:lda:3", *at)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "LDA topic 3 of run r3 (*): 2 runs"
    assert [line.split()[0] for line in lines[2:]] == ["r2", "r3"]
    assert lines[3].split()[1] == "*" and lines[2].split()[3:6] == ["3", "9", "22.5%"]
    assert "recipe, bake" in lines[-1]
    assert_bad_input(run_cli(topicflow_bin, "history", "--topic", "r3-lda-3", *at),
                     "--topic must be RUN_ID:MODEL:TOPIC")  # fmt: skip
    assert_bad_input(run_cli(topicflow_bin, "history", "--topic", "nope:lda:0", *at),
                     "no run 'nope' in the history")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--topic", "r3:nmf:0"], "run r3 has no model 'nmf' (it has: embedding, lda)"),
        (["--topic", "r3:lda:9"], "run r3 has no lda topic 9 (its topics are 0..3)"),
        (["--topic", "r3:lda:x"], "--topic 'r3:lda:x': the topic must be a number, got 'x'"),
        (["--topic", "r3:lda:1", "--corpus-name", "news"], "--topic takes the corpus from its run"),
        (["--topic", "r3:lda:1", "--history-url", "nope://x"], "invalid history database URL"),
    ],
)
def test_every_bad_topic_spec_is_one_line_and_exit_2(tmp_path, args, message):
    """The same command in this process (the installed one above is slow to start)."""
    from typer.testing import CliRunner

    from topicflow.flows.app.cli import app

    store = tmp_path / "store"
    _record_runs(RunHistory(history_url(store)))
    result = CliRunner().invoke(app, ["history", *args, "--store", str(store)])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("topicflow: error: ") and message in line
    assert result.stdout == ""
