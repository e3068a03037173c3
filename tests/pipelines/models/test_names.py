"""Topic names: candidates checked against the text, shortlists, distinct 2-4-word names.

Fast tests use no model (the KL score ranks) or a tiny deterministic bag-of-words
encoder; the planted-phrase test runs the real embedding model.
"""

from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np
import pytest

from topicflow.pipelines import blocks
from topicflow.pipelines.analysis.pipeline import name_topics, prepare, prepared_corpus
from topicflow.pipelines.config import Config
from topicflow.pipelines.models.names.choice import name_topics as name_model
from topicflow.pipelines.models.names.phrases import PhraseIndex, document_phrases, word_count
from topicflow.pipelines.models.names.shortlist import topic_shortlists
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet

# Each theme's documents share one distinctive phrase among varied theme words.
THEMES = {
    "money": ("Bank of England", ["market", "shares", "profit", "investor", "trade", "prices"]),
    "space": ("space station crew", ["rocket", "orbit", "launch", "planet", "nasa", "moon"]),
    "sport": ("World Cup final", ["match", "goal", "team", "season", "coach", "league"]),
}
PLANTED_CONFIG = {
    "preprocess": {"no_below": 2, "bigrams": False},
    "embedder": {"backend": "torch"},
}


def planted(per_theme: int = 16, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    texts, truth = [], []
    for i in range(per_theme * len(THEMES)):
        topic = i % len(THEMES)
        phrase, words = list(THEMES.values())[topic]
        picked = " ".join(rng.choice(words, size=4, replace=False))
        texts.append(f"Report {i}: the {phrase} and {picked}. Then {rng.choice(words)} news.")
        truth.append(topic)
    return texts, np.array(truth)


def bag_of_words(texts: list[str]) -> np.ndarray:
    """A tiny deterministic encoder: each word a fixed random direction, a text their sum."""
    out = np.zeros((len(texts), 32))
    for row, text in enumerate(texts):
        for word in text.lower().split():
            out[row] += np.random.default_rng(zlib.crc32(word.encode())).normal(size=32)
    return out


def _named(texts, truth, encoder=None, vectors=None, **settings) -> list[str]:
    cfg = Config.model_validate(PLANTED_CONFIG)
    prepared = prepare(texts, cfg)
    index = PhraseIndex.build(prepared.texts, prepared.tokens)
    return name_model(
        index, truth, int(truth.max()) + 1, vectors=vectors, encoder=encoder, **settings
    )


def test_phrases_are_runs_of_tokens_that_stand_together_in_the_text():
    text = "The Bank of England raised rates. England won; the bank-holiday trade fell."
    found = dict(document_phrases(text, ["bank", "england", "raised", "rates", "england",
                                         "won", "bank", "holiday", "trade", "fell"]))  # fmt: skip
    assert found["bank england"] == "Bank of England"  # connectors kept in the spelling
    assert found["bank england raised"] == "Bank of England raised"
    assert "rates england" not in found  # a full stop ends a phrase
    assert "england won" in found and "won bank" not in found  # so does a semicolon
    assert found["bank holiday trade"] == "bank-holiday trade"  # a hyphen joins
    assert all(len(key.split()) <= 3 for key in found)


def test_a_bigram_token_is_spelt_as_the_text_spells_it_or_plainly():
    text = "Talks in New York. The new. York"
    assert list(document_phrases(text, ["talks", "new_york", "new_york"])) == [
        ("talks", "Talks"),
        ("talks new_york", "Talks in New York"),
        ("new_york", "New York"),
        ("new_york", "new york"),  # across a full stop: spelt plainly, joined to nothing
    ]


def test_the_index_counts_documents_and_spells_as_most_documents_do():
    texts = ["ISLAMIC LAW. ISLAMIC LAW. ISLAMIC LAW.", "Islamic law today", "islamic law"]
    tokens = [["islamic", "law"] * 3, ["islamic", "law", "today"], ["islamic", "law"]]
    index = PhraseIndex.build(texts, tokens)
    assert "today" not in index.keys  # one document only
    j = index.keys.index("islamic law")
    assert index.documents[:, j].toarray().ravel().tolist() == [1, 1, 1]  # once per document
    # Three spellings, one document each: shouting loses, then lower case wins the tie.
    assert index.spellings[j] == "islamic law"


def test_the_index_is_the_same_built_a_few_documents_at_a_time(monkeypatch):
    """Known answer: each document's row holds exactly the kept phrases it uses, whether
    the documents are taken in one block or in blocks of two (the last one short)."""
    texts, _ = planted(per_theme=3)
    texts = [*texts, "", "Bank of England"]  # a document with no phrase, one with one
    prepared = prepare(texts, Config.model_validate(PLANTED_CONFIG))
    whole = PhraseIndex.build(prepared.texts, prepared.tokens)
    monkeypatch.setattr(blocks, "ROW_BLOCK", 2)
    blocked = PhraseIndex.build(prepared.texts, prepared.tokens)
    assert blocked.keys == whole.keys and blocked.spellings == whole.spellings
    assert (blocked.documents != whole.documents).nnz == 0 and blocked.documents.has_sorted_indices
    for row, (text, doc) in enumerate(zip(prepared.texts, prepared.tokens, strict=True)):
        used = {key for key, _ in document_phrases(text, list(doc), 3)} & set(whole.keys)
        assert {whole.keys[j] for j in whole.documents[row].indices} == used
    assert whole.documents[-2].nnz == 0 and "bank england" in whole.keys


def test_shortlists_from_the_one_byte_index_are_those_of_float_ones():
    texts, truth = planted(per_theme=3)
    prepared = prepare(texts, Config.model_validate(PLANTED_CONFIG))
    index = PhraseIndex.build(prepared.texts, prepared.tokens)
    assert index.documents.dtype == np.uint8  # 1 byte a (document, phrase), not 8
    floats = replace(index, documents=index.documents.astype(np.float64))
    labels = np.asarray(truth)
    small, big = topic_shortlists(index, labels, 3, 5), topic_shortlists(floats, labels, 3, 5)
    assert all(small[0]) and small[0] == big[0]
    assert all(np.array_equal(a, b) for a, b in zip(small[1], big[1], strict=True))


def test_a_phrase_few_of_a_large_topic_s_documents_use_is_no_candidate():
    # Two of 200 space reports (1 %) share "flux capacitor"; two of 50 sport ones (4 %)
    # share "penalty shootout". Both phrases are in no other document.
    space = [f"Report {i}: the space station crew and rocket orbit." for i in range(200)]
    sport = [f"Report {i}: the World Cup final and match goal." for i in range(50)]
    money = [f"Report {i}: the Bank of England and market shares." for i in range(200)]
    for texts, phrase in ((space, "flux capacitor"), (sport, "penalty shootout")):
        texts[0] += f" A {phrase} story."
        texts[1] += f" The {phrase} again."
    truth = np.array([0] * 200 + [1] * 50 + [2] * 200)
    prepared = prepare(space + sport + money, Config.model_validate(PLANTED_CONFIG))
    index = PhraseIndex.build(prepared.texts, prepared.tokens)
    shortlists, _ = topic_shortlists(index, truth, 3, 30)
    spelled = [{index.spellings[j].lower() for j in short} for short in shortlists]
    assert "space station crew" in spelled[0] and "flux capacitor" not in spelled[0]
    assert "penalty shootout" in spelled[1]


def test_names_without_a_model_contain_each_topics_phrase_and_are_distinct():
    texts, truth = planted()
    names = _named(texts, truth)
    assert [p.lower() in n.lower() for n, (p, _) in zip(names, THEMES.values(), strict=True)] == [
        True,
        True,
        True,
    ], names
    assert len(set(names)) == 3 and all(2 <= word_count(n) <= 4 for n in names)


def test_names_are_deterministic_and_distinct_when_topics_share_their_documents():
    texts, truth = planted()
    twins = np.where(truth == 2, 2 + np.arange(len(truth)) % 2, truth)  # sport, twice
    first = _named(texts, twins, encoder=bag_of_words, vectors=bag_of_words(texts))
    again = _named(texts, twins, encoder=bag_of_words, vectors=bag_of_words(texts))
    assert first == again
    assert len(set(map(str.lower, first))) == 4, first
    assert all(2 <= word_count(n) <= 4 for n in first)


def test_a_topic_no_phrase_fits_is_named_from_its_words_or_its_id():
    texts, truth = planted()
    assignments = np.where(truth == 2, UNASSIGNED, truth)  # topics 2 and 3 have no documents
    cfg = Config.model_validate(PLANTED_CONFIG)
    prepared = prepare(texts, cfg)
    index = PhraseIndex.build(prepared.texts, prepared.tokens)
    words = [["bank"], ["rocket"], ["new_york", "times"], []]
    names = name_model(index, assignments, 4, topic_words=words)
    assert names[2:] == ["new york", "topic 3"]
    assert all(2 <= word_count(n) <= 4 for n in names)


def test_the_pipeline_names_every_model_and_records_carry_the_names():
    texts, truth = planted()
    cfg = Config.model_validate(PLANTED_CONFIG)
    corpus = prepared_corpus(prepare(texts, cfg))
    sets = {
        "a": TopicSet([["w"]] * 3, [[1.0]] * 3, truth),
        "b": TopicSet([["w"]] * 2, [[1.0]] * 2, np.minimum(truth, 1)),
    }
    named = name_topics(sets, corpus, cfg)
    assert [len(t.names) for t in named.values()] == [3, 2]
    assert [r["name"] for r in named["a"].records()] == named["a"].names
    assert "name" not in sets["a"].records()[0]  # the input is left as it was
    with pytest.raises(ValueError, match="2 names for 3 topics"):
        TopicSet([["w"]] * 3, [[1.0]] * 3, truth, names=["x y", "y z"]).records()


@pytest.mark.slow
def test_the_real_model_names_each_planted_topic_by_its_phrase():
    from topicflow.pipelines.vectors.encoder import LazyEncoder

    texts, truth = planted()
    cfg = Config.model_validate(PLANTED_CONFIG)
    encoder = LazyEncoder(cfg.embedder)
    vectors = encoder(texts)
    names = _named(texts, truth, encoder=encoder, vectors=vectors)
    assert _named(texts, truth, encoder=encoder, vectors=vectors) == names  # deterministic
    for name, (phrase, _) in zip(names, THEMES.values(), strict=True):
        assert phrase.lower() in name.lower(), names
    assert len(set(names)) == 3 and all(2 <= word_count(n) <= 4 for n in names)
