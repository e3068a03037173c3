"""The headline's sentences about what coherence was measured on, in both reports."""

from __future__ import annotations

import json

from tests.synthetic_run import write_synthetic_run
from topicflow.pipelines.io.run_files import REPORT_HTML_FILE, REPORT_MD_FILE
from topicflow.pipelines.report.html import write_report


def test_a_sampled_reference_is_stated_with_each_models_npmi_error(tmp_path):
    path = write_synthetic_run(tmp_path)
    metrics = json.loads((path / "metrics.json").read_text())
    metrics["reference"] = {
        "documents": 250_000,
        "tokens": 4_999_990,
        "corpus_documents": 1_000_000,
        "sampled": True,
        "max_tokens": 5_000_000,
        "seed": 0,
    }
    for number, quality in enumerate(metrics["models"].values()):
        quality["npmi_se"] = 0.001 * (number + 1)
    (path / "metrics.json").write_text(json.dumps(metrics))
    write_report(path)
    sentence = "a seeded sample of 250,000 of the 1,000,000 documents (4,999,990 tokens)"
    for name in (REPORT_MD_FILE, REPORT_HTML_FILE):
        text = (path / name).read_text()
        assert sentence in text and "± 0.003" in text, name


def test_a_whole_corpus_reference_needs_no_sentence(synthetic_run):
    for name in (REPORT_MD_FILE, REPORT_HTML_FILE):
        assert "Coherence was measured on a seeded sample" not in (synthetic_run / name).read_text()


def test_documents_too_short_for_npmi_are_said_with_each_models_word_cosine(tmp_path):
    path = write_synthetic_run(tmp_path)
    metrics = json.loads((path / "metrics.json").read_text())
    for number, quality in enumerate(metrics["models"].values()):
        quality["word_cosine"] = 0.3 + 0.01 * number
    first = next(iter(metrics["models"].values()))
    first["levels"] = [{"n_topics": 3, "measure": "word_cosine", "score": 0.3}]
    (path / "metrics.json").write_text(json.dumps(metrics))
    write_report(path)
    for name in (REPORT_MD_FILE, REPORT_HTML_FILE):
        text = (path / name).read_text()
        assert "These documents are a few words long" in text, name
        assert "word cosine (top 10)" in text and "0.310" in text, name


def test_documents_long_enough_for_npmi_need_no_short_text_sentence(synthetic_run):
    for name in (REPORT_MD_FILE, REPORT_HTML_FILE):
        assert "These documents are a few words long" not in (synthetic_run / name).read_text()
