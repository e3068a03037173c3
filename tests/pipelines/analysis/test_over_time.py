"""``over_time`` end to end on planted topic sets: the issue's known answer with the true
topics, the ``metrics.json`` shape of the shared contract, words per period, the models'
agreement on matched topics, and every reason the analysis can be unavailable."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.corpora import Dictionary

from tests.pipelines.analysis.over_time_corpus import SUBJECTS, YEARS, planted_corpus
from topicflow.pipelines.analysis.over_time import OverTimeConfig, over_time
from topicflow.pipelines.analysis.over_time import words as over_time_words
from topicflow.pipelines.analysis.over_time.agreement import trend_agreement
from topicflow.pipelines.analysis.over_time.words import words_per_period
from topicflow.pipelines.config import load_config
from topicflow.pipelines.errors import ConfigError
from topicflow.pipelines.evaluate.compare import compare_models
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.models.words import count_matrix

CFG = OverTimeConfig()
NAMES = list(SUBJECTS)


def _topics(assignments, k: int, names: list[str] | None = None) -> TopicSet:
    return TopicSet([["w"]] * k, [[1.0]] * k, np.asarray(assignments), names=names)


def _planted(seed: int = 0):
    """The planted corpus with each document in its true subject's topic, its counts on
    the subjects' vocabulary, the vocabulary and the times."""
    texts, subjects, times = planted_corpus(seed)
    tokens = [[w for w in text.rstrip(".").split() if w in _VOCABULARY] for text in texts]
    dictionary = Dictionary(tokens)
    vocabulary = [dictionary[i] for i in range(len(dictionary))]
    truth = np.array([NAMES.index(s) for s in subjects])
    return truth, count_matrix(tokens, dictionary), vocabulary, times, tokens, dictionary


_VOCABULARY = {w for words in SUBJECTS.values() for w in words}


def _classes(result: dict, model: str = "m") -> dict[str, str]:
    topics = result["models"][model]["topics"]
    return {name: topics[i]["trend"]["class"] for i, name in enumerate(NAMES)}


def test_the_planted_subjects_come_out_rising_steady_and_emerging():
    truth, counts, vocabulary, times, *_ = _planted()
    result = over_time({"m": _topics(truth, 4)}, times, counts, vocabulary, CFG)
    assert result["period"]["unit"] == "year" and len(result["period"]["labels"]) == YEARS
    classes = _classes(result)
    assert (classes["space"], classes["money"], classes["food"]) == ("rising", "steady", "emerging")
    money = result["models"]["m"]["topics"][NAMES.index("money")]["trend"]
    assert not money["significant"] and money["q"] > 0.05


def test_the_known_answer_holds_for_most_draws_of_the_planted_corpus():
    # The test's operating characteristics on the planted design (12 periods of 25 to
    # 58 documents): the linear grower is found every time, the step (Mann-Kendall's
    # weak spot with few periods) in about 93 % of draws, and the constant share is
    # flagged in about 5 % (300 draws: 280 and 17); here 60 draws, with some slack.
    calls = Counter()
    for seed in range(60):
        truth, counts, vocabulary, times, *_ = _planted(seed)
        result = over_time({"m": _topics(truth, 4)}, times, counts, vocabulary, CFG)
        calls.update(_classes(result).items())
    assert calls["space", "rising"] == 60
    assert calls["food", "emerging"] >= 50
    assert calls["money", "steady"] >= 50


def test_the_entry_has_the_shape_of_the_shared_contract():
    truth, counts, vocabulary, times, *_ = _planted()
    times = times.copy()
    times[:7] = np.datetime64("NaT")
    partial = truth.copy()
    partial[::10] = UNASSIGNED  # a model leaving a tenth of the documents out
    sets = {"full": _topics(truth, 4, names=NAMES), "partial": _topics(partial, 4)}
    result = over_time(sets, times, counts, vocabulary, CFG, field="date")
    json.dumps(result, allow_nan=False)

    assert set(result) == {
        "available", "field", "documents", "missing", "period", "test", "models", "agreement"
    }  # fmt: skip
    assert (result["available"], result["field"]) == (True, "date")
    assert (result["documents"], result["missing"]) == (len(truth) - 7, 7)
    period = result["period"]
    assert set(period) == {"unit", "chosen_by", "edges", "labels", "documents"}
    assert (period["unit"], period["chosen_by"]) == ("year", "auto")
    assert len(period["edges"]) == YEARS + 1 and len(period["labels"]) == YEARS
    assert sum(period["documents"]) == result["documents"]
    assert "Mann-Kendall" in result["test"] and "Benjamini-Hochberg" in result["test"]

    for model, entry in result["models"].items():
        topics = entry["topics"]
        assert [t["id"] for t in topics] == [0, 1, 2, 3]
        for topic in topics:
            assert set(topic) == {"id", "name", "counts", "shares", "low", "high", "trend", "words"}
            assert set(topic["trend"]) == {
                "class", "significant", "statistic", "p", "q", "slope", "change",
                "early_share", "late_share",
            }  # fmt: skip
            assert len(topic["words"]) == YEARS
            for low, share, high in zip(topic["low"], topic["shares"], topic["high"], strict=True):
                assert low <= share <= high
        significant = {t["id"] for t in topics if t["trend"]["significant"]}
        assert set(entry["movers"]) <= significant and len(entry["movers"]) <= CFG.movers
        # Every period's shares add up to one minus the model's unassigned share there.
        per_period = np.array([t["counts"] for t in topics]).sum(axis=0)
        share_sums = np.array([t["shares"] for t in topics]).sum(axis=0)
        assert share_sums == pytest.approx(per_period / np.array(period["documents"]), abs=1e-5)
        if model == "full":
            assert share_sums == pytest.approx(1.0, abs=1e-5)
        else:
            assert (share_sums < 1).all()
    assert [t["name"] for t in result["models"]["full"]["topics"]] == NAMES
    assert [t["name"] for t in result["models"]["partial"]["topics"]] == [None] * 4


def test_words_per_period_are_the_words_planted_in_that_period(monkeypatch):
    vocabulary = ["river", "alpha", "beta", "gamma", "delta", "stone", "zebra"]
    docs = (
        [["river", "alpha", "beta", "alpha"]] * 4  # topic 0, period 0
        + [["zebra"] * 8 + ["river"]]  # topic 0, period 0: one document's own word
        + [["river", "gamma", "delta", "gamma"]] * 4  # topic 0, period 1
        + [["stone", "river"]] * 5  # topic 1, period 0
        + [["stone", "alpha"]] * 2  # topic 1, period 1: too few documents for words
        + [["beta", "delta"]] * 3  # unassigned, period 1
    )
    assignments = np.array([0] * 9 + [1] * 7 + [UNASSIGNED] * 3)
    periods = np.array([0] * 5 + [1] * 4 + [0] * 5 + [1] * 2 + [1] * 3)
    dictionary = Dictionary([vocabulary])
    counts = count_matrix(docs, dictionary)
    vocabulary = [dictionary[i] for i in range(len(dictionary))]
    words = words_per_period(counts, vocabulary, assignments, periods, 2, 2, top=3)
    assert words[0][0] == ["alpha", "beta", "river"]  # not zebra, however often it is used
    assert words[0][1][:2] == ["gamma", "delta"]
    assert words[1][0] == ["stone", "river"]  # only words the cell uses
    assert words[1][1] == []
    # Without the floor of two documents, the one document's word would lead its period.
    monkeypatch.setattr(over_time_words, "MIN_WORD_DOCUMENTS", 1)
    unfloored = words_per_period(counts, vocabulary, assignments, periods, 2, 2, top=3)
    assert unfloored[0][0][0] == "zebra"


def test_words_per_period_refuse_a_vocabulary_of_another_size():
    with pytest.raises(ValueError, match="3 count columns for 2 words"):
        words_per_period(sp.csr_matrix((2, 3)), ["a", "b"], np.zeros(2), np.zeros(2), 1, 1)


def test_matched_topics_of_two_models_are_checked_for_agreeing_directions():
    truth, counts, vocabulary, times, tokens, dictionary = _planted()
    permutation = np.array([2, 0, 3, 1])  # b numbers the same subjects differently
    sets = {"a": _topics(truth, 4), "b": _topics(permutation[truth], 4)}
    corpus = PreparedCorpus([" ".join(t) for t in tokens], tokens, dictionary)
    comparisons = compare_models(sets, corpus)["comparisons"]
    result = over_time(sets, times, counts, vocabulary, CFG, comparisons=comparisons)
    [entry] = result["agreement"]
    assert (entry["a"], entry["b"], entry["matched"], entry["agreeing"]) == ("a", "b", 4, 4)
    assert {(p["a_topic"], p["b_topic"]) for p in entry["pairs"]} == {
        (i, int(permutation[i])) for i in range(4)
    }
    classes = _classes(result, "a")
    for pair in entry["pairs"]:
        assert pair["a_class"] == pair["b_class"] == classes[NAMES[pair["a_topic"]]]


def test_rising_and_emerging_agree_and_steady_does_not():
    comparison = {
        "a": "x",
        "b": "y",
        "alignment": {
            "primary": "jensen_shannon",
            "jensen_shannon": {
                "alignment": {
                    "matched": [
                        {"a": 0, "b": 1, "similarity": 0.9},
                        {"a": 1, "b": 0, "similarity": 0.8},
                        {"a": 2, "b": 2, "similarity": 0.7},
                    ]
                }
            },
        },
    }
    classes = {"x": ["rising", "fading", "steady"], "y": ["falling", "emerging", "rising"]}
    [entry] = trend_agreement([comparison], classes)
    assert [p["agree"] for p in entry["pairs"]] == [True, True, False]
    assert (entry["agreeing"], entry["matched"]) == (2, 3)
    assert trend_agreement([comparison], {"x": classes["x"]}) == []  # y has no trends


def _reason(times, cfg=CFG, n=None) -> str:
    n = len(times) if n is None else n
    topics = {"m": _topics(np.zeros(n, int), 1)}
    result = over_time(topics, times, sp.csr_matrix((n, 1)), ["w"], cfg)
    assert set(result) == {"available", "reason"} and result["available"] is False
    assert "\n" not in result["reason"]
    return result["reason"]


def test_every_unavailable_case_says_why():
    assert "no time field" in _reason(None, n=40)
    nat = np.full(40, np.datetime64("NaT"), dtype="datetime64[s]")
    assert _reason(nat) == "none of the 40 documents has a usable time"
    few = nat.copy()
    few[:30] = np.datetime64("2020-01-01")
    assert _reason(few).startswith("only 30 of 40 documents have a usable time")
    one_day = np.full(50, np.datetime64("2024-03-04T10:00"), dtype="datetime64[s]")
    assert "fall in one day (2024-03-04)" in _reason(one_day)
    years = np.arange(50).astype("datetime64[Y]").astype("datetime64[s]")
    daily = OverTimeConfig(period="day")
    assert _reason(years, daily).startswith("over_time.period day gives")


def test_inputs_of_different_lengths_are_a_programming_error():
    times = np.full(3, np.datetime64("2020-01-01"), dtype="datetime64[s]")
    with pytest.raises(ValueError, match="3 times but documents per input"):
        over_time({"m": _topics([0, 0], 1)}, times, sp.csr_matrix((3, 1)), ["w"], CFG)
    with pytest.raises(ValueError, match="times must be datetime64"):
        over_time({}, np.array(["2020"]), sp.csr_matrix((1, 1)), ["w"], CFG)


def test_the_config_section_is_read_and_checked():
    cfg = load_config(overrides={"over_time": {"period": "quarter", "fdr": 0.1}})
    assert (cfg.over_time.period, cfg.over_time.fdr, cfg.over_time.movers) == ("quarter", 0.1, 5)
    with pytest.raises(ConfigError, match=r"over_time\.period: .*allowed: auto \| day \| week"):
        load_config(overrides={"over_time": {"period": "century"}})
