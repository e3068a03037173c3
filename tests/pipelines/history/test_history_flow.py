"""Run history through real runs: drift on planted subjects, failures, the CLI views."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PROJECT_ROOT
from tests.flows.app.test_cli import assert_bad_input, run_cli
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.history.database import RunHistory
from topicflow.pipelines.history.lineage import TopicSpec
from topicflow.pipelines.history.location import history_url

SMOKE = str(PROJECT_ROOT / "configs" / "smoke.yaml")
SUBJECTS = {
    "money": ["bank", "market", "shares", "profit", "investor", "rates", "growth", "trade"],
    "space": ["rocket", "orbit", "launch", "planet", "nasa", "mission", "satellite", "moon"],
    "sport": ["match", "goal", "team", "season", "coach", "league", "score", "player"],
    "food": ["recipe", "bake", "flour", "oven", "sugar", "butter", "dough", "chef"],
}
# One topic per planted subject in both models: the granularity rule chooses the count
# (a subject holding a third of the stories is a broad theme, not a catch-all), HDBSCAN's
# clusters hold a whole subject (30 documents each), and no bigrams blur the tiny
# vocabulary.
PLANTED = {
    "corpus": {"name": "planted"},
    "preprocess": {"bigrams": False},
    "lda": {"n_topics": "auto"},
    "granularity": {"min_topics": 2, "max_topics": 6},
    "embedding": {"hdbscan": {"min_cluster_size": 10}},
}


def subject_documents(subjects: list[str], per_subject: int = 30) -> list[str]:
    rng = np.random.default_rng(0)
    return [
        f"Story {i}: the {' '.join(rng.choice(SUBJECTS[s], size=6, replace=False))} again."
        for s in subjects
        for i in range(per_subject)
    ]


def _subject(words: list[str]) -> str:
    """The planted subject a topic's words come from."""
    (subject,) = {name for name, vocabulary in SUBJECTS.items() if set(words) <= set(vocabulary)}
    return subject


def _run(corpus: Path, tmp_path: Path, store: Path, overrides: dict) -> Path:
    from topicflow.flows.orchestration.topic_analysis import topic_analysis

    out = tmp_path / "runs"
    return Path(topic_analysis(str(corpus), SMOKE, overrides, str(out), str(store)))


@pytest.mark.slow
def test_drift_lists_exactly_the_planted_subject_that_came_and_went(
    tmp_path, store, prefect_api, topicflow_bin
):
    corpus = tmp_path / "stories.cor"
    runs = []
    for subjects in (["money", "space", "sport"], list(SUBJECTS), ["money", "sport", "food"]):
        corpus.write_text("\n".join(subject_documents(subjects)) + "\n")
        runs.append(_run(corpus, tmp_path, store, PLANTED))
    drifts = [json.loads((run / "metrics.json").read_text())["drift"] for run in runs]

    assert drifts[0]["previous_run"] is None
    for model in ("lda", "embedding"):
        added, removed = drifts[1]["models"][model], drifts[2]["models"][model]
        assert added["counts"] == {
            "persisted": 3,
            "emerged": 1,
            "vanished": 0,
            "set_aside": 0,
            "split": 0,
            "merged": 0,
        }, model
        assert set(added["emerged"][0]["words"]) <= set(SUBJECTS["food"])
        assert removed["counts"] == {
            "persisted": 3,
            "emerged": 0,
            "vanished": 1,
            "set_aside": 0,
            "split": 0,
            "merged": 0,
        }, model
        assert set(removed["vanished"][0]["words"]) <= set(SUBJECTS["space"])
        vanished = removed["vanished"][0]["name"]  # named in the run that had the topic
        assert set(vanished.lower().split()) <= set(SUBJECTS["space"]), vanished
        assert f"- vanished: {vanished} (topic " in (runs[2] / "report.md").read_text()
    assert drifts[2]["previous_run"] == runs[1].name

    # Topic lives: in the last run, money and sport have lived through all three runs and
    # food through two; space, gone, has no line. The history links the same topics.
    lives = [json.loads((run / "metrics.json").read_text())["lives"] for run in runs]
    assert lives[0]["models"] == {"lda": [], "embedding": []}  # a first run: none yet
    assert [r["run_id"] for r in lives[2]["runs"]] == [run.name for run in runs]
    history = RunHistory(history_url(store))
    for model in ("lda", "embedding"):
        subjects = {_subject(life["words"]): life for life in lives[2]["models"][model]}
        assert {s: len(life["steps"]) for s, life in subjects.items()} == {
            "money": 3,
            "sport": 3,
            "food": 2,
        }, model
        before = sorted(_subject(life["words"]) for life in lives[1]["models"][model])
        assert before == ["money", "space", "sport"], model  # food had just emerged
        food = subjects["food"]["steps"]
        assert [step["run_id"] for step in food] == [runs[1].name, runs[2].name]
        assert food[-1]["share"] == pytest.approx(food[-1]["size"] / 90)
        money = subjects["money"]
        line = history.topic_line(TopicSpec(runs[2].name, model, money["topic"])).steps
        assert [(s.run.run_id, s.topic_id, s.size) for s in line] == [
            (step["run_id"], step["topic"], step["size"]) for step in money["steps"]
        ]
    assert '<section id="topic-lives">' in (runs[2] / "report.html").read_text()
    assert (
        "**Topic lives**: 3 of 3 LDA topics, 3 of 3 Embedding topics"
        in (runs[2] / "report.md").read_text()
    )

    report = (runs[2] / "report.md").read_text()
    assert "## What changed since" in report and "| LDA | 3 | 0 | 1 | 0 | 0 |" in report
    assert "What changed since" in (runs[2] / "report.html").read_text()
    from prefect.artifacts import Artifact

    assert "| Embedding | 3 | 0 | 1 | 0 | 0 |" in Artifact.get("topic-analysis-drift").data

    listing = subprocess.run(
        [topicflow_bin, "history", "--corpus-name", "planted", "--store", str(store)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert [line.split()[0] for line in listing[1:]] == [r.name for r in reversed(runs)]
    changes = [f"{title} +0 -1 (-{drifts[2]['models'][m]['vanished'][0]['name']})"
               for m, title in (("lda", "LDA"), ("embedding", "Embedding"))]  # fmt: skip
    assert ", ".join(changes) in listing[1] and "first run" in listing[3]
    shown = subprocess.run(
        [topicflow_bin, "show", runs[1].name[:-3], "--store", str(store)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"run {runs[1].name}" in shown and "status: complete" in shown
    assert "LDA +1 -0 (+" in shown and "Embedding +1 -0 (+" in shown and "recipe" in shown
    food = drifts[1]["models"]["lda"]["emerged"][0]["name"]  # the new subject, by its name
    assert set(food.lower().split()) <= set(SUBJECTS["food"]) and f"+{food})" in shown


@pytest.mark.slow
def test_a_failed_run_is_recorded_with_its_error_and_no_topics(tmp_path, store, prefect_api):
    corpus = tmp_path / "few.cor"
    corpus.write_text("\n".join(subject_documents(["money"], per_subject=5)) + "\n")
    with pytest.raises(InputError, match="needs at least 10"):
        _run(corpus, tmp_path, store, {"corpus": {"name": "tiny"}})
    (record,) = RunHistory(history_url(store)).runs("tiny")
    assert record.status == "failed" and record.finished_at is not None
    assert record.error.startswith("InputError: ") and "needs at least 10" in record.error
    assert RunHistory(history_url(store)).get(record.run_id).topics == {}


@pytest.mark.subprocess
def test_history_commands_fail_in_one_line(tmp_path, topicflow_bin):
    store = ["--store", str(tmp_path / "store")]
    empty = subprocess.run([topicflow_bin, "history", *store], capture_output=True, text=True)
    assert empty.returncode == 0 and empty.stdout.strip() == "no runs recorded yet"
    for args, message in (
        (["show", "nope", *store], "no run 'nope' in the history"),
        (["history", "--history-url", "nope://x"], "invalid history database URL 'nope://x'"),
    ):
        assert_bad_input(run_cli(topicflow_bin, *args), message)
