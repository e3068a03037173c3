"""The issue's known answer, with every model: a timed corpus of three subjects, one
growing linearly, one at a constant share, one appearing halfway, must come out rising,
steady (not significant) and emerging whichever model found the topics."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tests.pipelines.analysis.over_time_corpus import SUBJECTS, YEARS, planted_corpus
from topicflow.pipelines.analysis.over_time import over_time
from topicflow.pipelines.analysis.pipeline import analyse
from topicflow.pipelines.config import load_config

OVERRIDES = {
    "models": ["lda", "nmf", "embedding"],
    "preprocess": {"bigrams": False, "no_below": 2},
    "naming": {"enabled": False},
    "lda": {"n_topics": 4, "passes": 5},
    "nmf": {"n_topics": 4},
    "embedding": {"n_topics": 4, "hdbscan": {"min_cluster_size": 10}},
    "embedder": {"backend": "torch"},
}


@pytest.mark.slow
@pytest.mark.model
def test_every_model_calls_the_planted_subjects_rising_steady_and_emerging():
    texts, subjects, times = planted_corpus()
    cfg = load_config(overrides=OVERRIDES)
    analysis = analyse(texts, cfg)
    vocabulary = [analysis.corpus.vocabulary[i] for i in range(len(analysis.corpus.vocabulary))]
    result = over_time(
        analysis.topic_sets,
        times,
        analysis.corpus.counts,
        vocabulary,
        cfg.over_time,
        comparisons=analysis.metrics["comparisons"],
        field="date",
    )
    assert result["period"]["unit"] == "year" and len(result["period"]["labels"]) == YEARS
    expected = {"space": "rising", "money": "steady", "food": "emerging"}
    for model, entry in result["models"].items():
        assignments = analysis.topic_sets[model].assignments
        found: dict[str, list[dict]] = {subject: [] for subject in SUBJECTS}
        for topic in entry["topics"]:
            members = [subjects[i] for i in np.flatnonzero(assignments == topic["id"])]
            found[Counter(members).most_common(1)[0][0]].append(topic)
        for subject, wanted in expected.items():
            assert found[subject], f"{model}: no topic for {subject}"
            for topic in found[subject]:
                trend = topic["trend"]
                assert trend["class"] == wanted, (model, subject, trend)
                assert trend["significant"] is (wanted != "steady"), (model, subject, trend)
            words = {w for topic in found[subject] for cell in topic["words"] for w in cell}
            assert words and words <= set(SUBJECTS[subject]), (model, subject, words)
    # Models that found the same subjects agree on where each is heading.
    for comparison in result["agreement"]:
        assert comparison["matched"] >= 3 and comparison["agreeing"] == comparison["matched"]
