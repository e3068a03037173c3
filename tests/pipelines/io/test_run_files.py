"""The run directory's files: each written and read back, a three-model run loaded whole,
and wrong shapes refused with a message that says where."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from tests.synthetic_run import (
    HOSTILE_TEXTS,
    MODELS,
    N_DOCS,
    synthetic_corpus,
    synthetic_metrics,
    synthetic_topics,
    write_synthetic_run,
)
from topicflow.pipelines.io.manifest import Manifest
from topicflow.pipelines.io.run_files import (
    ASSIGNMENTS_CSV_FILE,
    ASSIGNMENTS_FILE,
    MANIFEST_FILE,
    METRICS_FILE,
    SNIPPET_CHARS,
    TOPICS_FILE,
    RunFileError,
    dump,
    load_run,
    read_assignments,
    read_manifest,
    read_metrics,
    read_topics,
    write_assignments,
    write_metrics,
    write_topics,
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return write_synthetic_run(tmp_path_factory.mktemp("runs"))


def test_topics_round_trip_in_the_given_model_order(tmp_path):
    topics = synthetic_topics()
    write_topics(tmp_path, topics)
    assert list(json.loads((tmp_path / TOPICS_FILE).read_text())) == list(MODELS)
    read = read_topics(tmp_path)
    assert {m: [t.model_dump(exclude_unset=True) for t in ts] for m, ts in read.items()} == {
        m: t.records() for m, t in topics.items()
    }


def test_assignments_round_trip_with_a_topic_and_prob_column_per_model(tmp_path):
    corpus, topics = synthetic_corpus(), synthetic_topics()
    corpus.texts[0] = "  many   spaces\n\there " + "x" * 500
    coordinates = np.arange(2 * N_DOCS, dtype=float).reshape(N_DOCS, 2)
    write_assignments(tmp_path, corpus, topics, coordinates)
    table = read_assignments(tmp_path, list(MODELS))
    per_model = [f"{m}_{kind}" for m in MODELS for kind in ("topic", "prob")]
    assert table.column_names == ["doc_id", *per_model, "map_x", "map_y", "label", "snippet"]
    assert table.schema.field("nmf_topic").type == "int64"
    assert table.schema.field("embedding_prob").type == "double"
    for model, topic_set in topics.items():
        assert table.column(f"{model}_topic").to_pylist() == topic_set.assignments.tolist()
    probs = table.column("embedding_prob").to_pylist()
    unassigned = table.column("embedding_topic").to_numpy() == -1
    assert unassigned.sum() == 3
    assert all(math.isnan(p) for p, u in zip(probs, unassigned, strict=True) if u)
    assert table.column("map_y").to_pylist()[:2] == [1.0, 3.0]
    snippets = table.column("snippet").to_pylist()
    assert snippets[0].startswith("many spaces here xx") and len(snippets[0]) == SNIPPET_CHARS
    assert snippets[-1] == HOSTILE_TEXTS[1]  # stored as it is: escaping is the reader's job
    csv = pacsv.read_csv(tmp_path / ASSIGNMENTS_CSV_FILE)
    assert csv.column_names == table.column_names and csv.num_rows == N_DOCS


def test_snippets_come_from_the_texts_the_models_read(tmp_path):
    """With clean_usenet the models read the posts without their headers; the snippets
    an analyst sees must too."""
    corpus, topics = synthetic_corpus(), synthetic_topics()
    corpus.texts[0] = "From: someone@example.com\nSubject: rockets\n\nThe launch slipped."
    cleaned = list(corpus.texts)
    cleaned[0] = "The launch slipped."
    write_assignments(tmp_path, corpus, topics, np.zeros((N_DOCS, 2)), texts=cleaned)
    assert read_assignments(tmp_path).column("snippet").to_pylist()[0] == "The launch slipped."
    with pytest.raises(ValueError, match="31 texts for 32 documents"):
        write_assignments(tmp_path, corpus, topics, np.zeros((N_DOCS, 2)), texts=cleaned[1:])


def test_assignments_refuse_mismatched_lengths(tmp_path):
    corpus, topics = synthetic_corpus(), synthetic_topics()
    with pytest.raises(ValueError, match="coordinates must be 32 x 2"):
        write_assignments(tmp_path, corpus, topics, np.zeros((N_DOCS, 3)))
    topics["nmf"].assignments = topics["nmf"].assignments[:-1]
    with pytest.raises(ValueError, match="nmf: 31 assignments for 32 documents"):
        write_assignments(tmp_path, corpus, topics, np.zeros((N_DOCS, 2)))


def test_metrics_round_trip_keeping_extras_nulls_and_absent_sections(tmp_path):
    metrics = synthetic_metrics(synthetic_corpus(), synthetic_topics())
    metrics["models"]["lda"]["npmi"] = np.float64("nan")  # numpy and NaN are accepted
    metrics["models"]["lda"]["sizes"] = np.array(metrics["models"]["lda"]["sizes"])
    del metrics["stability"]
    written = write_metrics(tmp_path, metrics)
    data = json.loads((tmp_path / METRICS_FILE).read_text())
    assert data["models"]["lda"]["npmi"] is None
    assert data["models"]["nmf"]["specific_to_the_model"] == {"anything": [1, 2]}
    assert "stability" not in data and "models" not in data["drift"]  # a first run
    assert "embedding_cosine" not in data["comparisons"][0]["alignment"]  # lda-nmf: no vectors
    assert "embedding_cosine" in data["comparisons"][1]["alignment"]
    read = read_metrics(tmp_path)
    assert read == written and dump(read) == data
    assert read.models["nmf"].value("specific_to_the_model") == {"anything": [1, 2]}
    assert read.models["lda"].value("no_such_metric") is None
    assert [(c.a, c.b) for c in read.comparisons] == [
        ("lda", "nmf"),
        ("lda", "embedding"),
        ("nmf", "embedding"),
    ]
    assert read.comparison("lda", "nmf").alignment.measure("embedding_cosine") is None
    assert read.comparison("lda", "nmf").alignment.measure().matrix  # the primary one


def test_metrics_of_the_wrong_shape_are_refused_with_where_and_nothing_written(tmp_path):
    good = synthetic_metrics(synthetic_corpus(), synthetic_topics())
    bad = json.loads(json.dumps(good))
    bad["models"]["nmf"]["npmi"] = "high"
    del bad["comparisons"][2]["agreement"]["ari"]
    with pytest.raises(RunFileError) as error:
        write_metrics(tmp_path, bad)
    message = str(error.value)
    assert message.startswith("metrics.json does not have the expected shape")
    assert "models.nmf.npmi: input should be a valid number" in message
    assert "comparisons.2.agreement.ari: field required" in message
    assert not (tmp_path / METRICS_FILE).exists()

    (tmp_path / METRICS_FILE).write_text(json.dumps({**good, "alignment": {}}))
    with pytest.raises(RunFileError, match=r"alignment: extra inputs are not permitted"):
        read_metrics(tmp_path)
    old = {"preprocess": good["preprocess"], "lda": {}, "embedding": {}, "alignment": {}}
    (tmp_path / METRICS_FILE).write_text(json.dumps(old))
    with pytest.raises(RunFileError, match="from before pluggable models"):
        read_metrics(tmp_path)
    (tmp_path / METRICS_FILE).write_text('{"models": ')
    with pytest.raises(RunFileError, match="not valid JSON"):
        read_metrics(tmp_path)
    (tmp_path / METRICS_FILE).write_text("[]")
    with pytest.raises(RunFileError, match=r"\(top level\): input should be a valid dictionary"):
        read_metrics(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_metrics(tmp_path / "missing")


def test_manifest_round_trip_through_its_writer(tmp_path):
    manifest = Manifest(tmp_path / MANIFEST_FILE, "run-1", {"seed": 3}, source="news.csv")
    manifest.update(corpus=synthetic_corpus().summary())
    manifest.record_stage("ingest", "t0", "t1", 0.5, "hit")
    manifest.finish()
    read = read_manifest(tmp_path)
    assert (read.run_id, read.status, read.seed) == ("run-1", "complete", 3)
    assert read.corpus.documents == N_DOCS and read.corpus.has_labels
    assert read.stages["ingest"].cache == "hit" and read.stages["ingest"].seconds == 0.5
    assert read.versions["python"] and read.model_extra["source"] == "news.csv"
    assert dump(read) == json.loads((tmp_path / MANIFEST_FILE).read_text())


def test_a_three_model_run_directory_writes_and_loads(run_dir):
    run = load_run(run_dir)
    assert run.model_names == list(MODELS)
    assert list(run.metrics.models) == list(MODELS) and len(run.metrics.comparisons) == 3
    assert set(run.metrics.labels) == set(run.metrics.stability.models) == set(MODELS)
    assert set(run.metrics.drift.models) == set(MODELS)
    assert run.metrics.drift.models["nmf"].counts["emerged"] == 1
    assert run.has_labels and run.corpus_name == "synthetic <b>news</b>"
    assert run.column("doc_id")[:2] == ["d0", "d1"]
    assert run.quality("embedding").unassigned_share == pytest.approx(3 / N_DOCS)
    assert run.manifest.status == "complete" and set(run.manifest.stages) >= set(MODELS)


def test_load_run_refuses_files_that_disagree(run_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    topics = json.loads((copy / TOPICS_FILE).read_text())
    (copy / TOPICS_FILE).write_text(json.dumps({k: v for k, v in topics.items() if k != "nmf"}))
    with pytest.raises(RunFileError, match=r"topics.json has models .* but metrics.json has"):
        load_run(copy)
    (copy / TOPICS_FILE).write_text(json.dumps(topics))
    table = pq.read_table(copy / ASSIGNMENTS_FILE).drop_columns(["nmf_prob"])
    pq.write_table(table, copy / ASSIGNMENTS_FILE)
    with pytest.raises(RunFileError, match="missing column.s. nmf_prob"):
        load_run(copy)
    topics["lda"][0]["words"] = "bank"
    (copy / TOPICS_FILE).write_text(json.dumps(topics))
    with pytest.raises(RunFileError, match=r"lda.0.words: input should be a valid list"):
        load_run(copy)
