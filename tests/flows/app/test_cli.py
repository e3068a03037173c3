"""The installed ``topicflow`` command: bad input is one line and exit code 2; runs finish."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT_ROOT, news_sentences
from topicflow.flows.app.cli import HEAD_RECORDS

pytestmark = pytest.mark.subprocess


def run_cli(
    topicflow_bin: str, *args: str, cwd: Path | None = None, api: str | None = None
) -> subprocess.CompletedProcess:
    """The command's result; ``api``: a Prefect API URL for it to use (the session's, from
    the ``prefect_api_url`` fixture) instead of starting a temporary server of its own,
    for tests whose assertions do not concern that server."""
    env = {**os.environ, "PREFECT_API_URL": api} if api else None
    return subprocess.run(
        [topicflow_bin, *args], capture_output=True, text=True, cwd=cwd, timeout=300, env=env
    )


def assert_bad_input(result: subprocess.CompletedProcess, message: str) -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("topicflow: error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


BAD_INPUTS = {
    "missing path": (lambda d: ["--corpus", str(d / "nope.csv")], "corpus path not found"),
    "no matching files": (lambda d: ["--corpus", str(d)], "has no .txt/.text files"),
    "binary file": (
        lambda d: (d / "x.txt").write_bytes(b"\x00\x01\x02") and ["--corpus", str(d / "x.txt")],
        "x.txt looks like a binary file",
    ),
    "unreadable file": (
        lambda d: ["--corpus", "/proc/self/mem", "--format", "lines"],
        "cannot read",
    ),
    "invalid utf-8 (strict)": (
        lambda d: (
            (d / "x.cor").write_bytes(b"ok\n\xff\xfe bad\n")
            and (d / "strict.yaml").write_text("corpus:\n  encoding_errors: strict\n")
            and ["--corpus", str(d / "x.cor"), "--config", str(d / "strict.yaml")]
        ),
        "x.cor line 2: invalid UTF-8",
    ),
    "unreadable time (strict)": (
        lambda d: (
            _jsonl(d / "t.jsonl", [{"text": "a", "date": "1790"}, {"text": "b", "date": "soon"}])
            and (d / "strict.yaml").write_text("corpus:\n  time_errors: strict\n")
            and ["--corpus", str(d / "t.jsonl"), "--time-field", "date"]
            + ["--config", str(d / "strict.yaml")]
        ),
        "t.jsonl line 2: cannot read time 'soon' in field 'date'",
    ),
    # Read while Prefect's server boots: the head the command checks first has no mistake.
    "invalid utf-8 past the first records": (
        lambda d: (
            (d / "long.cor").write_bytes(
                "".join(f"story {i}\n" for i in range(HEAD_RECORDS)).encode() + b"\xff bad\n"
            )
            and (d / "strict.yaml").write_text("corpus:\n  encoding_errors: strict\n")
            and ["--corpus", str(d / "long.cor"), "--config", str(d / "strict.yaml")]
        ),
        f"long.cor line {HEAD_RECORDS + 1}: invalid UTF-8",
    ),
    "missing text column": (
        lambda d: (d / "c.csv").write_text("id,body\n1,hello\n") and ["--corpus", str(d / "c.csv")],
        "c.csv has no column 'text' for --text-field (columns: id, body)",
    ),
    "malformed json line": (
        lambda d: (
            (d / "c.jsonl").write_text('{"text": "a"}\n{"text": "b"\n')
            and ["--corpus", str(d / "c.jsonl")]
        ),
        "c.jsonl line 2: malformed JSON",
    ),
    "too few documents": (
        lambda d: (
            _jsonl(d / "few.jsonl", [{"text": t} for t in news_sentences(5)])
            and ["--corpus", str(d / "few.jsonl")]
        ),
        "has 5 usable documents; the pipeline needs at least 20",
    ),
    "unknown config key": (
        lambda d: (
            (d / "c.yaml").write_text("corpus:\n  colour: red\n")
            and ["--config", str(d / "c.yaml")]
        ),
        "corpus.colour: unknown key",
    ),
    "bad config value": (
        lambda d: (
            (d / "c.yaml").write_text("corpus:\n  min_documents: 0\n")
            and ["--config", str(d / "c.yaml")]
        ),
        "corpus.min_documents: Input should be greater than or equal to 2 "
        "(allowed: >= 2 and <= 1000000, got 0)",
    ),
    "bad history database URL": (
        lambda d: (
            (d / "h.yaml").write_text(
                "history:\n  url: 'postgresql+psycopg://u:pw@127.0.0.1:9/x'\n"
            )
            and ["--config", str(d / "h.yaml")]
        ),
        "cannot open the history database postgresql+psycopg://u:***@127.0.0.1:9/x",
    ),
    "negative seed": (
        lambda d: ["--seed", "-5"],
        "seed: Input should be greater than or equal to 0",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_leaves_no_run_directory(case, tmp_path, topicflow_bin):
    build, message = BAD_INPUTS[case]
    data = tmp_path / "data"
    data.mkdir()
    args = build(data)
    out = tmp_path / "runs"
    result = run_cli(topicflow_bin, "run", *args, "--out", str(out), "--store", str(tmp_path / "s"))
    assert_bad_input(result, message)
    assert not out.exists()


def test_version_and_help(topicflow_bin):
    version = run_cli(topicflow_bin, "--version")
    assert version.returncode == 0 and version.stdout.startswith("topicflow 0.")
    for args in (["--help"], ["run", "--help"]):
        shown = run_cli(topicflow_bin, *args)
        assert shown.returncode == 0 and "Usage: topicflow" in shown.stdout
    assert "--text-field" in run_cli(topicflow_bin, "run", "--help").stdout


@pytest.mark.slow
def test_run_on_a_csv_prints_the_finished_run_directory_last(
    tmp_path, topicflow_bin, prefect_api_url
):
    rows = ["id,body,topic"] + [
        f'd{i},"{text}",{["money", "space", "sport"][i % 3]}'
        for i, text in enumerate(news_sentences(30))
    ]
    (tmp_path / "news.csv").write_text("\n".join(rows) + "\n")
    result = run_cli(
        topicflow_bin,
        "run",
        "--corpus",
        str(tmp_path / "news.csv"),
        "--text-field",
        "body",
        "--id-field",
        "id",
        "--label-field",
        "topic",
        "--seed",
        "11",
        "--config",
        str(PROJECT_ROOT / "configs" / "smoke.yaml"),
        "--out",
        str(tmp_path / "runs"),
        api=prefect_api_url,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    assert run_dir.parent == tmp_path / "runs" and run_dir.is_dir()
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [run_dir.name]  # no staging left
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seed"] == 11 and manifest["config"]["corpus"]["text_field"] == "body"
    assert manifest["corpus"]["documents"] == 30 and manifest["corpus"]["n_labels"] == 3
    assert manifest["versions"]["prefect"] and manifest["versions"]["gensim"]
    stages = manifest["stages"]
    assert set(stages) == {
        "ingest",
        "preprocess",
        "lda",
        "embed",
        "embedding",
        "levels",
        "name_topics",
        "document_map",
        "compare",
        "over_time",  # runs without a time field too: it says why there is no analysis
        "report",
    }
    # The models overlap in time: LDA runs while the documents are embedded.
    assert stages["lda"]["started_at"] < stages["embed"]["finished_at"]
    assert stages["embed"]["started_at"] < stages["lda"]["finished_at"]
    table = pq.read_table(run_dir / "assignments.parquet").to_pylist()
    assert [row["doc_id"] for row in table[:2]] == ["d0", "d1"]
    assert [row["label"] for row in table[:3]] == ["money", "space", "sport"]
    topics = json.loads((run_dir / "topics.json").read_text())["lda"]
    assert len(topics) == 3 and sum(t["size"] for t in topics) == 30
    # The planted subjects come back as the LDA topics: each label maps to one topic.
    by_label = {}
    for row in table:
        by_label.setdefault(row["label"], set()).add(row["lda_topic"])
    assert (
        all(len(ids) == 1 for ids in by_label.values()) and len(set.union(*by_label.values())) == 3
    )
    metrics = json.loads((run_dir / "metrics.json").read_text())
    lda = metrics["models"]["lda"]
    assert lda["n_topics"] == 3 and lda["unassigned_share"] == 0
    embedding = json.loads((run_dir / "topics.json").read_text())["embedding"]
    assert embedding and all(len(t["words"]) >= 5 for t in embedding)
    embedding_quality = metrics["models"]["embedding"]
    assert embedding_quality["unassigned_share"] == 0 and embedding_quality["n_topics"] == 3


@pytest.mark.slow
def test_run_killed_mid_embedding_then_rerun_leaves_one_complete_directory(tmp_path, topicflow_bin):
    import os
    import signal
    import time

    # 150 short stories: embedding them, model load included, takes seconds, so the kill
    # below lands in that stage, which is all the test needs of the corpus's size.
    texts = news_sentences(150, seed=4)
    (tmp_path / "big.cor").write_text("\n".join(texts) + "\n")
    out, store = tmp_path / "runs", tmp_path / "store"
    args = ["run", "--corpus", str(tmp_path / "big.cor"), "--out", str(out), "--store", str(store)]
    args += ["--config", str(PROJECT_ROOT / "configs" / "smoke.yaml")]
    # Its own process group, killed whole below as a scheduler kills a job: Prefect's
    # temporary API server, a child of the run, must not outlive the test.
    victim = subprocess.Popen(
        [topicflow_bin, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )

    def finished_stages() -> dict:
        manifests = list(out.glob(".*.partial/manifest.json")) if out.exists() else []
        # The stages, not the whole text: the config in it has a "preprocess" section.
        return json.loads(manifests[0].read_text())["stages"] if manifests else {}

    deadline = time.time() + 240
    while time.time() < deadline:  # wait until the run is past preprocessing, then kill it
        if "preprocess" in finished_stages():
            break
        time.sleep(0.2)
    else:
        os.killpg(victim.pid, signal.SIGKILL)
        pytest.fail("the run never reached the embedding stage")
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert [p.name.endswith(".partial") for p in out.iterdir()] == [True]  # nothing finished
    assert "embed" not in finished_stages()  # killed while the documents were embedded

    again = run_cli(topicflow_bin, *args)
    assert again.returncode == 0, again.stderr
    (only,) = out.iterdir()  # the dead run's staging directory is gone
    assert str(only) == again.stdout.strip().splitlines()[-1]
    manifest = json.loads((only / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["corpus"]["documents"] == 150
    # The history knows the killed run ended: the next run found its process gone.
    listing = run_cli(topicflow_bin, "history", "--store", str(store)).stdout.splitlines()
    assert len(listing) == 3 and " complete " in listing[1] and " failed " in listing[2]
    assert f"interrupted: process {victim.pid} on " in listing[2]
    # The run's temporary server recorded its task runs, and kept no copy of every event
    # (prefect_env.DEFAULTS turns its event persister off).
    with sqlite3.connect(Path(os.environ["PREFECT_HOME"]) / "prefect.db") as db:
        completed = db.execute(
            "SELECT count(*) FROM task_run JOIN flow_run ON task_run.flow_run_id = flow_run.id"
            " WHERE task_run.state_type = 'COMPLETED' AND flow_run.parameters LIKE ?",
            (f"%{store}%",),
        )
        assert completed.fetchone()[0] >= 5
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 0


@pytest.mark.slow
def test_an_unchanged_corpus_is_answered_from_its_last_run_without_prefect(
    tmp_path, topicflow_bin, prefect_api_url
):
    corpus = tmp_path / "news.cor"
    corpus.write_text("\n".join(news_sentences(40, seed=3)) + "\n")
    out, store = tmp_path / "runs", tmp_path / "store"
    args = ["run", "--corpus", str(corpus), "--out", str(out), "--store", str(store)]
    args += ["--config", str(PROJECT_ROOT / "configs" / "smoke.yaml")]

    def run(*extra: str) -> tuple[Path, dict, str]:
        result = run_cli(topicflow_bin, *args, *extra, api=prefect_api_url)
        assert result.returncode == 0, result.stderr
        run_dir = Path(result.stdout.strip().splitlines()[-1])
        return run_dir, json.loads((run_dir / "manifest.json").read_text()), result.stderr

    first, _, _ = run()
    reused, manifest, stderr = run()
    assert f"nothing changed since run {first.name}" in stderr
    assert "Beginning flow run" not in stderr  # answered before Prefect started
    assert manifest["reused_from"] == first.name and set(manifest["stages"]) == {"reuse", "report"}
    assert (reused / "topics.json").read_text() == (first / "topics.json").read_text()
    assert "Nothing changed since run" in (reused / "report.html").read_text()

    recomputed, manifest, stderr = run("--recompute")
    assert "nothing changed" not in stderr and "reused_from" not in manifest
    assert manifest["stages"]["lda"]["cache"] == "hit"  # the stage caches still answer
    assert (recomputed / "topics.json").read_text() == (first / "topics.json").read_text()

    _, manifest, stderr = run("--seed", "8")  # another setting (smoke.yaml has 7): computed
    assert "reused_from" not in manifest and manifest["stages"]["lda"]["cache"] == "miss"
    corpus.write_text(corpus.read_text() + "One more story about the central bank rates.\n")
    _, manifest, stderr = run("--seed", "8")  # another document: computed
    assert "nothing changed" not in stderr and manifest["corpus"]["documents"] == 41

    listing = run_cli(topicflow_bin, "history", "--store", str(store)).stdout.splitlines()
    assert [" reused " in line for line in listing[1:]] == [False, False, False, True, False]


@pytest.mark.slow
def test_three_models_in_every_output(tmp_path, topicflow_bin, prefect_api_url):
    """NMF beside LDA and the embedding model, by config alone: three models' topics and
    assignment columns, three pairwise comparisons, and a report section for each."""
    config = tmp_path / "three.yaml"
    smoke = (PROJECT_ROOT / "configs" / "smoke.yaml").read_text()
    config.write_text(smoke + "\nmodels: [lda, nmf, embedding]\nnmf:\n  n_topics: 4\n")
    # Sixty short stories on three subjects, not the 300-document sample: every output of
    # three models is there all the same, and the run takes a fraction of the time.
    corpus = tmp_path / "news.cor"
    corpus.write_text("\n".join(news_sentences(60, seed=6)) + "\n")
    out = run_cli(
        topicflow_bin, "run", "--config", str(config), "--corpus", str(corpus),
        "--out", str(tmp_path / "runs"), "--store", str(tmp_path / "store"), api=prefect_api_url,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    run_dir = Path(out.stdout.strip().splitlines()[-1])
    topics = json.loads((run_dir / "topics.json").read_text())
    assert list(topics) == ["lda", "nmf", "embedding"] and len(topics["nmf"]) == 4
    columns = pq.read_table(run_dir / "assignments.parquet").column_names
    assert {f"{m}_{c}" for m in topics for c in ("topic", "prob")} <= set(columns)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    pairs = [(c["a"], c["b"]) for c in metrics["comparisons"]]
    assert pairs == [("lda", "nmf"), ("lda", "embedding"), ("nmf", "embedding")]
    assert metrics["models"]["nmf"]["n_topics"] == 4
    html = (run_dir / "report.html").read_text()
    assert "<h2>NMF topics</h2>" in html and all(f'id="alignment-{i}"' in html for i in range(3))
    markdown = (run_dir / "report.md").read_text()
    assert "## NMF topics" in markdown and markdown.count("| topic | name | documents |") == 3
    for model, records in topics.items():  # every topic named: 2-4 words, distinct per model
        names = [t["name"] for t in records]
        assert len(set(names)) == len(names), (model, names)
        assert all(2 <= len(name.split()) <= 4 for name in names), (model, names)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["stages"]["name_topics"]["cache"] == "miss"
