"""The corpus-level cleaning: lines repeated across many documents (signatures,
greetings, bylines) are dropped before both branches read the text."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from topicflow.pipelines.analysis.incremental import (
    document_hashes,
    fitted_state,
    preprocess_incremental,
)
from topicflow.pipelines.config import PreprocessConfig
from topicflow.pipelines.text.clean import Cleaner
from topicflow.pipelines.text.preprocess import preprocess_corpus

SIGNATURE = '  Tom   Coradeschi <+> tcora@example.mil\n"Usenet is like a herd of elephants."'
TOPICS = ["orbit launch rocket", "engine clutch gearbox", "vaccine dose trial"]


def posts() -> list[str]:
    """Nine posts on three themes: six signed (the signature's spacing and case vary),
    one thanked in four posts (below five), two one-line posts."""
    signed = [
        f"{TOPICS[i % 3]} number {i}\n\n{SIGNATURE if i % 2 else SIGNATURE.upper()}"
        for i in range(6)
    ]
    thanked = [f"{TOPICS[i % 3]} question {i}\nThanks, Ann" for i in range(4)]
    return signed + thanked + ["orbit launch rocket", "orbit launch rocket"]


def test_a_line_in_five_documents_is_dropped_and_everything_else_kept():
    texts = posts()
    cleaned = Cleaner(repeated_lines=5).fit_transform(texts)
    assert cleaned[0] == f"{TOPICS[0]} number 0\n"  # the blank line stays, the signature goes
    assert all("elephants" not in text.lower() for text in cleaned)
    assert cleaned[6:10] == texts[6:10]  # "Thanks, Ann" is in four documents only
    assert all(cleaned[i] is texts[i] for i in range(6, 12))  # unchanged: the very string
    assert Cleaner(repeated_lines=4).fit_transform(texts)[6] == f"{TOPICS[0]} question 0"


def test_lines_are_split_at_newlines_only():
    # Windows line ends: the signature goes, the carriage returns of kept lines stay.
    crlf = [text.replace("\n", "\r\n") for text in posts()]
    cleaned = Cleaner(repeated_lines=5).fit_transform(crlf)
    assert cleaned[0] == f"{TOPICS[0]} number 0\r\n\r"
    # A line separator inside a line is part of it: "Thanks, Ann" after one is not a line.
    texts = [f"orbit {i}\nThanks, Ann" for i in range(5)] + ["moon\nSo\u2028Thanks, Ann"]
    cleaned = Cleaner(repeated_lines=5).fit_transform(texts)
    assert cleaned[:5] == [f"orbit {i}" for i in range(5)] and cleaned[5] is texts[5]


def test_a_document_that_is_all_repeated_lines_is_kept_whole():
    # Retweets, copies, one-line documents: repeated as a whole, they are content.
    copies = ["orbit launch rocket\nsecond line"] * 6 + ["a single line"] * 6
    cleaned = Cleaner(repeated_lines=5).fit_transform(copies)
    assert cleaned == copies


def test_keep_drops_nothing_and_a_bad_setting_is_refused():
    texts = posts()
    assert Cleaner(repeated_lines="keep").fit_transform(texts) == texts
    with pytest.raises(ValueError, match="repeated_lines must be 'keep' or an integer >= 2"):
        Cleaner(repeated_lines=1).fit(texts)
    with pytest.raises(NotFittedError):
        Cleaner().transform(texts)


def test_usenet_cleaning_comes_first():
    post = "From: a@b.c\nSubject: x\n\nOrbit launch\n> quoted line\n{}"
    texts = [post.format(f"rocket {i}") for i in range(5)]
    cleaned = Cleaner(usenet=True, repeated_lines=5).fit_transform(texts)
    # Headers and quotes go per post; "Orbit launch", in all five, goes as repeated.
    assert cleaned == [f"rocket {i}" for i in range(5)]


def test_the_run_text_and_vocabulary_lose_the_signature():
    settings = {"no_below": 1, "no_above": 1.0, "bigrams": False}
    prepared = preprocess_corpus(posts(), PreprocessConfig(**settings))
    assert "elephants" not in prepared.vocabulary.token2id
    assert "coradeschi" not in prepared.vocabulary.token2id
    assert "thanks" in prepared.vocabulary.token2id
    summary = prepared.summary()  # metrics.json's "preprocess"
    assert (summary["repeated_lines"], summary["documents_with_repeated_lines"]) == (2, 6)
    kept = preprocess_corpus(posts(), PreprocessConfig(**settings, repeated_lines="keep"))
    assert "elephants" in kept.vocabulary.token2id
    assert kept.summary()["repeated_lines"] == kept.summary()["documents_with_repeated_lines"] == 0


def test_an_incremental_update_drops_the_fit_s_repeated_lines_from_new_documents():
    texts = posts()
    settings = {"no_below": 1, "no_above": 1.0, "bigrams": False}
    prepared = preprocess_corpus(texts, PreprocessConfig(**settings))
    hashes = document_hashes(texts)
    state = fitted_state(hashes, prepared, {}, np.zeros((len(texts), 2)))
    new = f"engine clutch repair\n{SIGNATURE}"
    grown = preprocess_incremental(state, [*texts, new], [*hashes, "new"])
    assert grown.texts[:-1] == prepared.texts  # seen documents: cleaned as in the fit
    assert grown.texts[-1] == "engine clutch repair"
    assert grown.tokens[-1] == ["engine", "clutch"]  # "repair" is not in the fit's words
    # This run's count: the six signed posts seen before and the new one.
    assert grown.summary()["documents_with_repeated_lines"] == 7
    assert grown.summary()["repeated_lines"] == 2
