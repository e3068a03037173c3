"""Topic drift between two runs, on hand-made topics with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from topicflow.pipelines.history.drift import drift_since, topic_drift, word_weight_similarity
from topicflow.pipelines.io.history_shapes import ModelDrift
from topicflow.pipelines.report.headline import RENAMED_SHOWN, drift_lines, drift_markdown


def topic(tid: int, words: str, size: int = 10) -> dict:
    names = words.split()
    return {
        "id": tid,
        "words": names,
        "weights": [1.0 / (r + 1) for r in range(len(names))],
        "size": size,
    }


SPACE = "rocket orbit launch planet nasa moon"
MONEY = "bank market shares profit investor rates"
SPORT = "match goal team season coach league"
FOOD = "recipe bake flour oven sugar butter"


def test_identical_topics_persist_with_size_change():
    drift = topic_drift(
        [topic(0, SPACE, 10), topic(1, MONEY, 5)], [topic(0, MONEY, 9), topic(1, SPACE, 10)]
    )
    assert drift["counts"] == {
        "persisted": 2,
        "emerged": 0,
        "vanished": 0,
        "set_aside": 0,
        "split": 0,
        "merged": 0,
    }
    money = next(p for p in drift["persisted"] if p["previous"] == 1)
    assert (money["current"], money["size_before"], money["size_after"]) == (0, 5, 9)
    assert money["similarity"] == pytest.approx(1.0)


def test_new_theme_emerges_and_dropped_theme_vanishes():
    drift = topic_drift([topic(0, SPACE), topic(1, MONEY)], [topic(0, SPACE), topic(1, SPORT)])
    assert drift["counts"] == {
        "persisted": 1,
        "emerged": 1,
        "vanished": 1,
        "set_aside": 0,
        "split": 0,
        "merged": 0,
    }
    assert drift["emerged"][0]["words"][:2] == ["match", "goal"]
    assert drift["vanished"][0]["words"][:2] == ["bank", "market"]


def test_split_and_merge_are_told_apart_from_emerged_and_vanished():
    both = "rocket bank orbit market launch shares"  # one theme that holds two
    split = topic_drift([topic(0, both)], [topic(0, SPACE), topic(1, MONEY)])
    assert split["counts"]["split"] == 1 and split["counts"]["emerged"] == 0
    assert sorted(split["split"][0]["into"]) == [0, 1]
    merged = topic_drift([topic(0, SPACE), topic(1, MONEY)], [topic(0, both)])
    assert merged["counts"]["merged"] == 1 and merged["counts"]["vanished"] == 0
    assert sorted(merged["merged"][0]["from"]) == [0, 1]


CHATTER = "well work yes quite pretty great"


def test_every_topic_lands_in_exactly_one_category():
    previous = [topic(0, SPACE), topic(1, MONEY), topic(2, FOOD), topic(3, CHATTER)]
    current = [
        topic(0, SPACE),
        topic(1, "bank market shares"),
        topic(2, "bank profit investor rates"),
        topic(3, SPORT),
    ]
    aside = [{"words": CHATTER.split(), "kind": "generic"}]
    drift = topic_drift(previous, current, set_aside=aside)
    old = [p["previous"] for p in drift["persisted"]] + [t["id"] for t in drift["vanished"]]
    old += [t["id"] for t in drift["set_aside"]]
    old += [i for m in drift["merged"] for i in m["from"][1:]]
    new = [p["current"] for p in drift["persisted"]] + [t["id"] for t in drift["emerged"]]
    new += [j for s in drift["split"] for j in s["into"][1:]]
    assert sorted(old) == [0, 1, 2, 3] and sorted(new) == [0, 1, 2, 3]
    assert drift["counts"] == {
        "persisted": 2,
        "emerged": 1,
        "vanished": 1,
        "set_aside": 1,
        "split": 1,
        "merged": 0,
    }


def test_a_topic_whose_words_the_new_fit_set_aside_is_not_called_vanished():
    previous = [topic(0, SPACE), topic(1, CHATTER), topic(2, FOOD)]
    # The new fit kept the chatter out as generic words (reordered, one word new) and
    # dropped the food theme altogether.
    aside = [
        {"words": "yes well great quite work getting".split(), "kind": "generic"},
        {"words": "people time".split(), "kind": "background"},
    ]
    drift = topic_drift(previous, [topic(0, SPACE)], set_aside=aside)
    assert drift["counts"] == {
        "persisted": 1,
        "emerged": 0,
        "vanished": 1,
        "set_aside": 1,
        "split": 0,
        "merged": 0,
    }
    assert drift["set_aside"] == [
        {"id": 1, "size": 10, "words": CHATTER.split()[:5], "kind": "generic"}
    ]
    assert drift["vanished"][0]["id"] == 2
    line = "set aside as generic words: topic 1 (10 docs): well, work, yes, quite, pretty"
    assert line in drift_lines(ModelDrift.model_validate(drift))
    # Without the set-aside words it vanished, as before.
    assert topic_drift(previous, [topic(0, SPACE)])["counts"]["vanished"] == 2


def test_set_aside_words_must_be_as_similar_as_a_topic_would_be():
    # Sharing the old topic's fourth and sixth words (cosine 0.17 < 0.3) is not enough.
    aside = [{"words": "quite great people time".split(), "kind": "generic"}]
    drift = topic_drift([topic(0, CHATTER)], [], set_aside=aside)
    assert drift["counts"]["vanished"] == 1 and drift["counts"]["set_aside"] == 0


def test_a_theme_led_by_two_common_words_still_vanishes():
    # Cosine 0.61 against the background words, but only "said" and "would" are shared:
    # the election theme vanished; with a third shared word it would be set aside.
    old = topic(0, "said would election vote party campaign")
    aside = [{"words": "said would people time".split(), "kind": "background"}]
    assert topic_drift([old], [], set_aside=aside)["counts"]["vanished"] == 1
    aside[0]["words"].append("election")
    assert topic_drift([old], [], set_aside=aside)["set_aside"][0]["kind"] == "background"


def test_drift_written_before_set_aside_existed_still_reads():
    old = {"persisted": [], "emerged": [], "vanished": [], "split": [], "merged": []}
    parsed = ModelDrift.model_validate({**old, "counts": {"vanished": 0}})
    assert parsed.set_aside == [] and drift_lines(parsed) == ["no change in the topics"]


def test_similarity_uses_weights_not_just_shared_words():
    a = [{"id": 0, "words": ["x", "y"], "weights": [1.0, 0.0], "size": 1}]
    b = [
        {"id": 0, "words": ["x", "y"], "weights": [1.0, 0.0], "size": 1},
        {"id": 1, "words": ["x", "y"], "weights": [0.0, 1.0], "size": 1},
    ]
    assert np.allclose(word_weight_similarity(a, b), [[1.0, 0.0]])


def test_first_run_and_markdown():
    first = drift_since(None, None, {}, {"lda": [topic(0, SPACE)]})
    assert "models" not in first
    assert "First successful run" in drift_markdown(first)
    drift = drift_since(
        "r1",
        "2026-11-20T06:00:05+00:00",
        {"lda": [topic(0, SPACE)], "embedding": []},
        {"lda": [topic(0, SPACE)], "embedding": [topic(0, "<b>x</b> y")]},
    )
    text = drift_markdown(drift)
    assert text.startswith("## What changed since 2026-11-20 06:00 UTC")
    assert "| Embedding | 0 | 1 | 0 | 0 | 0 | 0 |" in text
    assert "| | persisted | emerged | vanished | set aside | split | merged |" in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text and "<b>" not in text


def test_no_topics_on_one_side():
    drift = topic_drift([], [topic(0, SPACE)])
    assert drift["counts"]["emerged"] == 1
    assert topic_drift([topic(0, SPACE)], [])["counts"]["vanished"] == 1


def named(tid: int, words: str, name: str, size: int = 10) -> dict:
    return {**topic(tid, words, size), "name": name}


def test_drift_lines_lead_with_the_topics_names_and_older_runs_keep_their_words():
    previous = [named(0, SPACE, "space missions", 10), topic(1, MONEY, 8)]  # 1: an older run's
    current = [named(0, SPACE, "space missions", 14), named(1, FOOD, "tax credit reform", 6)]
    drift = drift_since("r1", "2026-11-20T06:00:05+00:00", {"lda": previous}, {"lda": current})
    changes = drift["models"]["lda"]
    assert changes["emerged"] == [
        {"id": 1, "size": 6, "words": FOOD.split()[:5], "name": "tax credit reform"}
    ]
    assert "name" not in changes["vanished"][0]  # recorded before topics had names
    lines = drift_markdown(drift).splitlines()
    assert "- emerged: tax credit reform (topic 1, 6 docs)" in lines
    assert "- vanished: topic 1 (8 docs): bank, market, shares, profit, investor" in lines
    assert "- persisted: space missions (topic 0 → 0, 10 → 14 docs)" in lines
    assert "previous_name" not in changes["persisted"][0]  # the same name


def test_a_persisting_topic_named_anew_shows_both_names_whatever_its_size():
    previous = [named(0, SPACE, "space missions", 10), named(1, MONEY, "bank shares", 8)]
    current = [named(2, SPACE, "shuttle launch", 14), named(0, MONEY, "stock market", 8)]
    drift = drift_since("r1", None, {"lda": previous}, {"lda": current})
    assert drift["models"]["lda"]["persisted"][0]["previous_name"] == "space missions"
    lines = drift_markdown(drift).splitlines()
    assert "- persisted: space missions → shuttle launch (topic 0 → 2, 10 → 14 docs)" in lines
    # Same size, new name: shown too (a same-size topic with the same name is not).
    assert "- persisted: bank shares → stock market (topic 1 → 0, 8 → 8 docs)" in lines


def test_a_refit_that_renames_many_topics_lists_a_few_and_counts_the_rest():
    # Eight topics of disjoint words, each persisting under a new name, sizes unchanged.
    themes = [" ".join(f"{w}{chr(97 + t)}" for w in SPACE.split()) for t in range(8)]
    previous = [named(t, words, f"old {t}") for t, words in enumerate(themes)]
    current = [named(t, words, f"new {t}") for t, words in enumerate(themes)]
    lines = drift_lines_of(drift_since("r1", None, {"lda": previous}, {"lda": current}))
    assert sum(" → new " in line for line in lines) == RENAMED_SHOWN == 5
    assert lines[-1] == "- and 3 more persisting topics named anew"


def drift_lines_of(drift: dict) -> list[str]:
    return [line for line in drift_markdown(drift).splitlines() if line.startswith("- ")]


def test_a_hostile_name_in_a_drift_line_stays_text():
    drift = drift_since(
        "r1", None, {"lda": []}, {"lda": [named(0, SPACE, "<img src=x onerror=alert(1)> | *x*")]}
    )
    text = drift_markdown(drift)
    assert "- emerged: &lt;img src=x onerror=alert(1)&gt; \\| \\*x\\* (topic 0, 10 docs)" in text
