"""Cleaner words: honorific and reporting stopwords, multi-word phrases, lemmas for display."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from topicflow.pipelines.config import PreprocessConfig, load_config
from topicflow.pipelines.corpus.ingest import sample_corpus_path
from topicflow.pipelines.text.lemmatize import lemmatizer
from topicflow.pipelines.text.preprocess import Preprocessor, preprocess_corpus

# What `topicflow run` writes for the sample corpus, every model: one file per kind of
# int8 kernels (tests/test_golden.py).
GOLDEN_SAMPLES = sorted((Path(__file__).parents[2] / "golden").glob("*/sample.json"))
HONORIFICS = {"mr", "mrs", "ms", "dr", "sir", "prof"}
REPORTING = {"said", "says", "told", "according", "reported", "added", "spokesman", "spokeswoman"}
FILLERS = ["traffic", "weather", "museum", "subway", "rents", "parks", "schools", "crime"]


@cache
def sample():
    texts = [t for t in sample_corpus_path().read_text(encoding="utf-8").splitlines() if t.strip()]
    return texts, preprocess_corpus(texts, PreprocessConfig())


def test_honorifics_and_reporting_words_are_stopwords_but_topical_words_stay():
    tokens = Preprocessor().tokenize(
        "Mr Smith told reporters, according to Dr Jones and a spokesman: the report added tax"
    )
    assert tokens == ["smith", "reporters", "jones", "report", "tax"]


def test_sample_corpus_vocabulary_has_no_honorific_or_reporting_word():
    _, prepared = sample()
    words = set(prepared.vocabulary.token2id)
    parts = {part for word in words for part in word.split("_")}
    assert not (HONORIFICS | REPORTING) & parts
    assert {"arafat", "peter_hollingworth"} <= words  # the names stay, without "mr", "dr"


def test_sample_corpus_topic_words_of_every_model_have_none():
    assert GOLDEN_SAMPLES  # the files of at least one kind of int8 kernels
    for path in GOLDEN_SAMPLES:
        topics = json.loads(path.read_text(encoding="utf-8"))
        words = {w for model in topics.values() for topic in model for w in topic["words"]}
        assert len(topics) >= 2 and words, path
        parts = {part for w in words for part in w.split("_")}
        assert not (HONORIFICS | REPORTING) & parts, path


def test_sample_corpus_osama_bin_laden_is_one_token():
    texts, prepared = sample()
    words = set(prepared.vocabulary.token2id)
    assert "osama_bin_laden" in words
    assert not {"osama_bin", "laden", "osama", "bin"} & words
    for text, tokens in zip(texts, prepared.tokens, strict=True):
        lower = text.lower()
        full = "osama bin laden" in lower
        short = re.search(r"(?<!osama )bin laden", lower) is not None
        assert ("osama_bin_laden" in tokens) == full, text[:80]
        assert ("bin_laden" in tokens) == short, text[:80]  # the whole phrase, as written


def planted(phrase: str, n: int = 24) -> list[str]:
    texts = [f"{FILLERS[i % 8]} {phrase} {FILLERS[(i + 3) % 8]}" for i in range(n)]
    return texts + [f"{FILLERS[i % 8]} london {FILLERS[(i + 5) % 8]}" for i in range(n)]


def test_a_three_word_name_becomes_one_token_not_a_pair_and_a_word():
    pre = Preprocessor(no_below=1)
    tokens = pre.fit_transform(planted("osama bin laden"))
    assert tokens[0] == ["traffic", "osama_bin_laden", "subway"]
    assert pre.transform(["crime and osama bin laden"]) == [["crime", "osama_bin_laden"]]
    pairs = Preprocessor(no_below=1, max_phrase_words=2).fit_transform(planted("osama bin laden"))
    assert pairs[0] == ["traffic", "osama_bin", "laden", "subway"]  # one pass: the old split


def test_connector_words_join_inside_a_phrase_and_are_dropped_elsewhere():
    texts = planted("bank of england")
    tokens = Preprocessor(no_below=1).fit_transform(texts)
    assert tokens[0] == ["traffic", "bank_of_england", "subway"]
    off = Preprocessor(no_below=1, phrase_connectors=False).fit_transform(texts)
    assert off[0] == ["traffic", "bank_england", "subway"]
    assert Preprocessor().tokenize("the bank of england") == ["bank", "england"]


def test_phrases_never_exceed_max_phrase_words():
    pre = Preprocessor(no_below=1)
    tokens = pre.fit_transform(planted("new york stock exchange"))
    assert all(len(t.split("_")) <= 3 for doc in tokens for t in doc)
    four = Preprocessor(no_below=1, max_phrase_words=4).fit_transform(
        planted("new york stock exchange")
    )
    assert four[0] == ["traffic", "new_york_stock_exchange", "subway"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("simplemma", ["tax", "rate", "study", "run", "news"]),
        ("lemminflect", ["tax", "rate", "study", "running", "news"]),
    ],
)
def test_lemmatisers_known_answers(name, expected):
    assert [lemmatizer(name)(w) for w in ["taxes", "rates", "studies", "running", "news"]] == (
        expected
    )


def test_lemminflect_leaves_unknown_words_and_never_guesses():
    lemma = lemmatizer("lemminflect")
    assert [lemma(w) for w in ["species", "chaos", "hollingworth"]] == [
        "species",
        "chaos",
        "hollingworth",
    ]


def test_lemmas_pool_forms_and_display_shows_the_most_frequent_spelling():
    texts = ["interest rates climbed", "interest rates fell", "the interest rate"]
    texts += ["banks and rates", "bank lending grew", "cheap loans", "loans grew", "small loans"]
    pre = Preprocessor(no_below=1, no_above=1.0, bigram_min_count=2, lemmatize="lemminflect")
    tokens = pre.fit_transform(texts)
    assert tokens[0] == ["interest_rate", "climb"] and tokens[3] == ["bank", "rate"]
    assert pre.display(["interest_rate", "climb", "bank", "rate", "loan"]) == [
        "interest_rates",
        "climbed",
        "bank",  # "banks" once, "bank" once: ties go to the alphabetically first
        "rates",
        "loans",
    ]
    assert Preprocessor(no_below=1).fit(texts).display(["rates"]) == ["rates"]


def test_bad_lemmatiser_is_a_clear_error():
    with pytest.raises(ValueError, match=r"lemmatize must be one of \('none', 'simplemma'"):
        Preprocessor(lemmatize="porter").fit(["text"])
    with pytest.raises(ValueError, match="lemmatize"):
        load_config(overrides={"preprocess": {"lemmatize": "porter"}})
