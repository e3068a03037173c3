"""The topic-analysis flow in process: every input format, determinism, atomic failure."""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT_ROOT, news_sentences
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.io.run_files import load_run
from topicflow.pipelines.io.store import load_entry
from topicflow.pipelines.models.base import WithoutTexts

SMOKE = str(PROJECT_ROOT / "configs" / "smoke.yaml")
N_DOCS = 36


def _rows() -> list[dict]:
    return [
        {"key": f"k{i}", "body": text, "desk": ["money", "space", "sport"][i % 3], "when": _when(i)}
        for i, text in enumerate(news_sentences(N_DOCS, seed=1))
    ]


def _when(i: int) -> str:
    """Six documents a year, 2015-2020, each year's first quarter, in four spellings."""
    moment = dt.datetime(2015 + i % 6, 3, 1, 12, tzinfo=dt.UTC)
    spellings = (
        moment.date().isoformat(),
        str(moment.year),
        email.utils.format_datetime(moment),
        str(int(moment.timestamp())),
    )
    return spellings[i % 4]


def _write(fmt: str, folder: Path) -> Path:
    rows = _rows()
    if fmt == "txt":
        (folder / "docs").mkdir()
        for row in rows:
            (folder / "docs" / f"{row['key']}.txt").write_text(row["body"])
        return folder / "docs"
    if fmt == "lines":
        path = folder / "docs.cor"
        path.write_text("\n".join(row["body"] for row in rows) + "\n")
        return path
    if fmt in ("csv", "tsv"):
        path = folder / f"docs.{fmt}"
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, list(rows[0]), delimiter="," if fmt == "csv" else "\t")
            writer.writeheader()
            writer.writerows(rows)
        return path
    if fmt == "jsonl.gz":
        path = folder / "docs.jsonl.gz"
        with gzip.open(path, "wt") as fh:
            fh.writelines(json.dumps(row) + "\n" for row in rows)
        return path
    if fmt == "parquet":
        path = folder / "docs.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
        return path
    raise AssertionError(fmt)


def _run(
    source: Path, out: Path, store: Path, overrides: dict | None = None, reuse: bool = False
) -> Path:
    """One flow run; ``reuse`` off unless asked, so stage caches are what a re-run meets."""
    from topicflow.flows.orchestration.topic_analysis import topic_analysis

    run_dir = topic_analysis(
        corpus=str(source),
        config=SMOKE,
        overrides=overrides,
        out=str(out),
        store=str(store),
        reuse=reuse,
    )
    return Path(run_dir)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["txt", "lines", "csv", "tsv", "jsonl.gz", "parquet"])
def test_every_format_runs_end_to_end(fmt, tmp_path, store, prefect_api):
    fields = fmt not in ("txt", "lines")
    corpus = {"text_field": "body", "label_field": "desk", "time_field": "when"}
    overrides = {"corpus": corpus} if fields else {}
    overrides["over_time"] = {"min_period_documents": 5}
    run_dir = _run(_write(fmt, tmp_path), tmp_path / "runs", store, overrides)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["corpus"]["documents"] == N_DOCS
    assert manifest["corpus"]["has_labels"] is fields
    topics = json.loads((run_dir / "topics.json").read_text())["lda"]
    assert [t["id"] for t in topics] == [0, 1, 2]
    assert all(len(t["words"]) == len(t["weights"]) >= 5 for t in topics)
    table = pq.read_table(run_dir / "assignments.parquet")
    expected = (
        [
            "doc_id",
            "lda_topic",
            "lda_prob",
            "lda_leaf",
            "embedding_topic",
            "embedding_prob",
            "embedding_leaf",
            "map_x",
            "map_y",
        ]
        + (["label"] if fields else [])
        + ["snippet"]
    )
    assert table.column_names == expected and table.num_rows == N_DOCS
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert list(metrics["models"]) == ["lda", "embedding"]
    assert metrics["preprocess"]["no_below"] == 2  # the smoke config's, as used
    assert [(c["a"], c["b"]) for c in metrics["comparisons"]] == [("lda", "embedding")]
    assert ("labels" in metrics) is fields
    assert load_run(run_dir).model_names == ["lda", "embedding"]  # every file has its shape
    over_time = metrics["over_time"]
    assert over_time["available"] is fields
    if fields:  # every spelling of a time read; each year's documents in its first quarter
        assert over_time["period"]["unit"] == "quarter"
        assert [n for n in over_time["period"]["documents"] if n] == [6] * 6
        assert over_time["period"]["labels"][0] == "2015-Q1"
        assert list(over_time["models"]) == ["lda", "embedding"]
        assert "Topics over time" in (run_dir / "report.html").read_text()
    else:
        assert "no time field" in over_time["reason"]
    if fields:  # the planted desks are found by both models
        assert metrics["labels"]["lda"]["nmi"] == pytest.approx(1.0)
        assert metrics["labels"]["embedding"]["purity"] == pytest.approx(1.0)
        assert metrics["comparisons"][0]["agreement"]["ari"] == pytest.approx(1.0)


@pytest.mark.slow
def test_same_seed_gives_identical_lda_topics(tmp_path, store, prefect_api):
    corpus = _write("csv", tmp_path)
    overrides = {"corpus": {"text_field": "body"}}
    # Separate stores: the second run computes everything again instead of reading caches.
    first = _run(corpus, tmp_path / "a", tmp_path / "store-a", overrides)
    second = _run(corpus, tmp_path / "b", tmp_path / "store-b", overrides)
    other = _run(corpus, tmp_path / "c", tmp_path / "store-a", {**overrides, "seed": 99})

    def topics(run_dir: Path):
        return json.loads((run_dir / "topics.json").read_text())

    assert topics(first) == topics(second)  # both models, word for word
    assert pq.read_table(first / "assignments.parquet").equals(
        pq.read_table(second / "assignments.parquet")
    )
    assert json.loads((other / "manifest.json").read_text())["seed"] == 99


@pytest.mark.slow
def test_a_word_model_fitted_in_a_process_of_its_own_finds_the_same_topics(
    tmp_path, store, prefect_api, monkeypatch
):
    # Beside an embedding LDA fits in a low-priority process (from 1,000 documents): it
    # gets the tokens without the texts and sends its model back through the store.
    from topicflow.flows.orchestration import tasks, topic_analysis

    corpus = _write("lines", tmp_path)
    here = _run(corpus, tmp_path / "here", tmp_path / "store-here")
    sent, real_run_apart = [], tasks.run_apart

    def run_apart(function, *args):
        sent.append(args[-2])  # (..., name, corpus, cfg): the corpus
        return real_run_apart(function, *args)

    monkeypatch.setattr(tasks, "run_apart", run_apart)
    monkeypatch.setattr(topic_analysis, "APART_MIN_DOCUMENTS", 1)
    apart = _run(corpus, tmp_path / "apart", tmp_path / "store-apart")
    (corpus_sent,) = sent
    assert len(corpus_sent) == N_DOCS and corpus_sent.vectors is None
    assert isinstance(corpus_sent.texts, WithoutTexts)  # reading one would raise
    assert (apart / "topics.json").read_text() == (here / "topics.json").read_text()
    (entry,) = (tmp_path / "store-apart" / "cache" / "model-lda").glob("*.pkl")
    assert load_entry(tmp_path / "store-apart", "model-lda", entry.stem)[0]


@pytest.mark.slow
def test_failed_run_leaves_no_run_directory(tmp_path, store, prefect_api):
    corpus = tmp_path / "few.cor"
    corpus.write_text("\n".join(news_sentences(5)) + "\n")
    out = tmp_path / "runs"
    with pytest.raises(InputError, match="needs at least 10"):
        _run(corpus, out, store)
    assert list(out.iterdir()) == []


def _cache(run_dir: Path) -> dict[str, str | None]:
    stages = json.loads((run_dir / "manifest.json").read_text())["stages"]
    return {name: stage["cache"] for name, stage in stages.items()}


@pytest.mark.slow
def test_second_run_reuses_cached_steps_and_a_changed_setting_misses(tmp_path, store, prefect_api):
    corpus = _write("jsonl.gz", tmp_path)
    base = {"corpus": {"text_field": "body"}}
    first = _run(corpus, tmp_path / "runs", store, base)
    assert _cache(first) == {
        "ingest": "miss",
        "preprocess": "miss",
        "embed": "miss",
        "embedding": "miss",
        "levels": "miss",
        "name_topics": "miss",
        "document_map": "miss",
        "lda": "miss",
        "compare": "miss",
        "over_time": None,  # uncached: it costs a fraction of a second
        "report": None,
    }
    from prefect.artifacts import Artifact

    summary = Artifact.get("topic-analysis-summary")
    assert "| NPMI (c_npmi, top 10) |" in summary.data and str(first) in summary.data
    assert first.as_uri() in Artifact.get("topic-analysis-run").data

    second = _run(corpus, tmp_path / "runs", store, base)
    assert _cache(second) == {
        "ingest": "hit",
        "preprocess": "hit",
        "embed": "hit",
        "embedding": "hit",
        "levels": "hit",
        "name_topics": "hit",
        "document_map": "hit",
        "lda": "hit",
        "compare": "hit",
        "over_time": None,
        "report": None,
    }
    topics = (first / "topics.json").read_text()
    assert topics == (second / "topics.json").read_text()
    metrics = [json.loads((run / "metrics.json").read_text()) for run in (first, second)]
    assert metrics[1].pop("drift")["previous_run"] == first.name  # the things that differ
    assert metrics[0].pop("drift")["previous_run"] is None
    lives = [m.pop("lives") for m in metrics]
    assert metrics[0] == metrics[1]
    # Topic lives: none on the first run; on the second every topic continues itself.
    assert lives[0]["models"] == {"lda": [], "embedding": []}
    assert [r["run_id"] for r in lives[1]["runs"]] == [first.name, second.name]
    for model, records in json.loads(topics).items():
        assert [
            [(s["run_id"], s["topic"], s["size"]) for s in life["steps"]]
            for life in lives[1]["models"][model]
        ] == [
            [(first.name, t["id"], t["size"]), (second.name, t["id"], t["size"])] for t in records
        ]

    # Nothing changed: with reuse on, the run is answered from the last one, no stage runs.
    reused = _run(corpus, tmp_path / "runs", store, base, reuse=True)
    manifest = json.loads((reused / "manifest.json").read_text())
    assert manifest["reused_from"] == second.name and manifest["update"]["performed"] == "reused"
    assert _cache(reused) == {"ingest": "hit", "reuse": "hit", "report": None}
    for name in ("topics.json", "assignments.csv"):
        assert (reused / name).read_bytes() == (second / name).read_bytes()
    drift = json.loads((reused / "metrics.json").read_text())["drift"]
    assert drift["previous_run"] == second.name
    for model in ("lda", "embedding"):
        counts = drift["models"][model]["counts"]
        assert counts["persisted"] > 0 and counts["emerged"] == counts["vanished"] == 0
        assert counts["split"] == counts["merged"] == 0
    assert f"Nothing changed since run {second.name}" in (reused / "report.md").read_text()
    lives = json.loads((reused / "metrics.json").read_text())["lives"]  # measured anew
    assert [r["run_id"] for r in lives["runs"]] == [first.name, second.name, reused.name]
    assert {len(life["steps"]) for m in ("lda", "embedding") for life in lives["models"][m]} == {3}

    fewer_passes = _run(corpus, tmp_path / "runs", store, {**base, "lda": {"passes": 3}})
    assert _cache(fewer_passes)["lda"] == "miss" and _cache(fewer_passes)["compare"] == "miss"
    assert _cache(fewer_passes)["name_topics"] == "miss"  # other LDA topics, other names
    assert _cache(fewer_passes)["embedding"] == "hit"
    assert _cache(fewer_passes)["preprocess"] == "hit"
    wider = {**base, "embedding": {"umap": {"n_neighbors": 7}}}
    wider_umap = _run(corpus, tmp_path / "runs", store, wider)
    assert _cache(wider_umap)["embedding"] == "miss"
    assert _cache(wider_umap)["lda"] == "hit" and _cache(wider_umap)["embed"] == "hit"
    renamed = _run(corpus, tmp_path / "runs", store, {**base, "naming": {"diversity": 0.2}})
    assert _cache(renamed)["name_topics"] == "miss" and _cache(renamed)["lda"] == "hit"
    assert _cache(renamed)["compare"] == "hit"  # names are not compared
    shorter = _run(corpus, tmp_path / "runs", store, {**base, "embedder": {"max_seq_length": 64}})
    assert _cache(shorter)["embed"] == "miss" and _cache(shorter)["embedding"] == "miss"
    # Another backend: new vectors and topics (never torch's), and an int8 model built once.
    int8 = {**base, "embedder": {"backend": "onnx-int8"}}
    fast = _run(corpus, tmp_path / "runs", store, int8)
    assert _cache(fast)["embed"] == "miss" and _cache(fast)["embedding"] == "miss"
    assert json.loads((fast / "manifest.json").read_text())["embedding_backend"] == "onnx-int8"
    assert json.loads((first / "manifest.json").read_text())["embedding_backend"] == "torch"
    (model,) = (store / "cache" / "models").glob("*.onnx")
    built = model.stat().st_mtime_ns
    fast_again = _run(corpus, tmp_path / "runs", store, int8)
    assert _cache(fast_again)["embed"] == "hit" and _cache(fast_again)["embedding"] == "hit"
    assert model.stat().st_mtime_ns == built  # reused, not exported again
    assert len(list((tmp_path / "runs").iterdir())) == 9


@pytest.mark.slow
def test_stability_reports_spread_and_topic_recovery(tmp_path, store, prefect_api):
    corpus = _write("csv", tmp_path)
    overrides = {"corpus": {"text_field": "body"}, "stability": {"seeds": 2}}
    run_dir = _run(corpus, tmp_path / "runs", store, overrides)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    stability = metrics["stability"]
    assert stability["seeds"] == [8, 9]  # smoke seed 7, then two more
    for model in ("lda", "embedding"):
        recovery = stability["models"][model]["recovery"]["per_topic"]
        assert len(recovery) == metrics["models"][model]["n_topics"]
        assert all(0 <= share <= 1 for share in recovery)
        npmi = stability["models"][model]["metrics"]["npmi"]
        assert npmi["n"] == 3 and npmi["std"] >= 0
    # Planted subjects come back under every seed.
    assert stability["models"]["lda"]["recovery"]["mean"] == pytest.approx(1.0)
    assert "stability" in json.loads((run_dir / "manifest.json").read_text())["stages"]
