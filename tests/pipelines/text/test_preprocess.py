"""The shared preprocessing: tokens, filters, bigrams, vocabulary, USENET cleaning."""

from __future__ import annotations

import pytest
from sklearn.exceptions import NotFittedError

from topicflow.pipelines.config import PreprocessConfig
from topicflow.pipelines.text.clean import strip_usenet
from topicflow.pipelines.text.preprocess import Preprocessor, preprocess_corpus


def tokenize(text: str, **params) -> list[str]:
    return Preprocessor(**params).tokenize(text)


def test_lowercases_drops_stopwords_punctuation_and_short_tokens():
    assert tokenize("The Bank of England raised RATES, again!") == [
        "bank",
        "england",
        "raised",
        "rates",
    ]


def test_numbers_urls_and_emails_are_dropped_by_default_and_can_be_kept():
    text = "Visit https://example.com/x?y=1 or mail jo@example.org before 2024 about mp3 players"
    assert tokenize(text) == ["visit", "mail", "players"]
    kept = tokenize(text, numbers="keep", urls="keep", emails="keep")
    assert "2024" in kept and "mp3" in kept and "example" in kept and "jo" in kept


def test_possessives_and_contractions():
    assert tokenize("Britain's economy isn't growing; don't panic") == [
        "britain",
        "economy",
        "growing",
        "panic",
    ]
    assert tokenize("O'Neill spoke") == ["o'neill", "spoke"]
    assert tokenize("Britain\u2019s economy") == ["britain", "economy"]  # typographic apostrophe


def test_unicode_is_normalised_and_kept():
    assert tokenize("\ufb01nance caf\u00e9 M\u00fcnchen \u6771\u4eac") == [
        "finance",
        "caf\u00e9",
        "m\u00fcnchen",
        "\u6771\u4eac",
    ]


def test_length_limits_and_extra_stopwords():
    junk = "x" * 40
    assert tokenize(f"go to the {junk} site today", min_token_length=3) == ["site", "today"]
    assert tokenize("reuters reports growth", extra_stopwords=["Reuters"]) == ["reports", "growth"]
    assert tokenize("the cat", stopwords="none") == ["the", "cat"]


def test_document_empty_after_stopwords_keeps_its_place():
    texts = ["the and of", "markets rally", "markets fall", "it is what it is"]
    tokens = Preprocessor(no_below=1, bigrams=False).fit_transform(texts)
    assert tokens == [[], ["markets", "rally"], ["markets", "fall"], []]


def test_very_long_document():
    text = "market shares " * 100_000 + "trading"
    tokens = Preprocessor(no_below=1, no_above=1.0, bigrams=False).fit_transform(
        [text, "trading desk"]
    )
    assert len(tokens[0]) == 200_001


def test_frequent_pairs_become_bigrams():
    words = ["traffic", "weather", "museum", "subway", "rents", "parks", "schools", "crime"]
    texts = [f"{words[i % 8]} new york {words[(i + 3) % 8]}" for i in range(24)]
    texts += [f"{words[i % 8]} london {words[(i + 5) % 8]}" for i in range(24)]
    pre = Preprocessor(no_below=1, bigram_min_count=5)
    tokens = pre.fit_transform(texts)
    assert tokens[0] == ["traffic", "new_york", "subway"]
    assert "new_york" in pre.vocabulary_.token2id and "new" not in pre.vocabulary_.token2id
    assert pre.transform(["crime in new york"]) == [["crime", "new_york"]]


def test_vocabulary_filters():
    texts = ["common alpha", "common beta", "common gamma", "common alpha", "rare delta"]
    pre = Preprocessor(no_below=2, no_above=0.6, bigrams=False)
    tokens = pre.fit_transform(texts)
    assert set(pre.vocabulary_.token2id) == {"alpha"}  # common: in 80 % of documents; others: once
    assert tokens == [["alpha"], [], [], ["alpha"], []]
    capped = Preprocessor(no_below=1, no_above=1.0, keep_n=2, bigrams=False).fit(texts)
    assert set(capped.vocabulary_.token2id) == {"common", "alpha"}


def short_lines() -> list[str]:
    """100 one-word lines: 80 over eight words in ten lines each; 18 over six words in
    three lines each; two share a word of two lines; and ten lines of stopwords only."""
    common = [f"common{'abcdefgh'[i % 8]}" for i in range(80)]  # no digits: they are dropped
    rare = [f"rare{'abcdef'[i // 3]}" for i in range(18)]
    return common + rare + ["pair", "pair"] + ["the and of"] * 10


def test_auto_no_below_lowers_the_filter_until_few_documents_lose_every_word():
    texts = short_lines()
    pre = Preprocessor(no_below="auto", bigrams=False, no_above=1.0)
    tokens = pre.fit_transform(texts)
    # At 5 and at 4 the 20 lines of rare words (20 % of the 100 with words) lose every
    # word; at 3 only the two "pair" lines do (2 %); stopword-only lines are not counted.
    assert pre.no_below_ == 3
    assert tokens[80] == ["rarea"] and tokens[98] == [] and tokens[100] == []
    fixed = Preprocessor(no_below=5, bigrams=False, no_above=1.0)
    assert fixed.fit_transform(texts)[80] == [] and fixed.no_below_ == 5


def test_auto_no_below_keeps_five_when_documents_share_common_words():
    texts = [f"{line} common{'abcdefgh'[i % 8]}" for i, line in enumerate(short_lines()[:100])]
    pre = Preprocessor(no_below="auto", bigrams=False, no_above=1.0).fit(texts)
    assert pre.no_below_ == 5 and "rarea" not in pre.vocabulary_.token2id


def test_auto_no_below_counts_words_no_above_drops_as_absent():
    # "ubiquitous" is in every line, so no_above=0.5 drops it: it places no line.
    texts = [f"{line} ubiquitous" for line in short_lines()[:100]]
    assert Preprocessor(no_below="auto", bigrams=False, no_above=1.0).fit(texts).no_below_ == 5
    assert Preprocessor(no_below="auto", bigrams=False, no_above=0.5).fit(texts).no_below_ == 3


def test_auto_no_below_stops_at_two():
    texts = [f"once{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(50)] + ["twice", "twice"]
    pre = Preprocessor(no_below="auto", bigrams=False, no_above=1.0)
    assert pre.fit_transform(texts)[-1] == ["twice"] and pre.no_below_ == 2


@pytest.mark.parametrize("bad", [0, "sometimes", 2.5])
def test_no_below_must_be_auto_or_a_positive_integer(bad):
    with pytest.raises(ValueError, match="no_below"):
        Preprocessor(no_below=bad).fit(["a text"])


def test_transform_matches_fit_transform():
    texts = ["central bank rates", "bank rates rise", "rates fall at the bank"] * 3
    pre = Preprocessor(no_below=1, bigrams=False)
    assert pre.fit_transform(texts) == pre.transform(texts)


def test_not_fitted_and_bad_parameters():
    with pytest.raises(NotFittedError):
        Preprocessor().transform(["text"])
    with pytest.raises(ValueError, match=r"numbers must be one of \('drop', 'keep'\), got 'strip'"):
        Preprocessor(numbers="strip").fit(["text"])


POST = """From: jo@cs.example.edu (Jo Bloggs)
Subject: Re: Best orbit for a weather satellite?
Organization: Example University
Lines: 12

In article <1993Apr1.123@news.example.com> sam@example.com writes:
> Geostationary is the only sensible choice.
> Anything else is a waste.

Polar orbits give global coverage for weather imaging,
which geostationary satellites cannot.

--
Jo Bloggs   | "Opinions are my own"
Dept. of CS | jo@cs.example.edu
"""


def test_usenet_cleaner_strips_headers_quotes_and_signature():
    body = strip_usenet(POST)
    assert "Subject" not in body and "Organization" not in body
    assert "Geostationary is the only" not in body and "writes:" not in body
    assert "Opinions" not in body
    assert "Polar orbits give global coverage" in body


def test_usenet_cleaner_leaves_plain_text_alone():
    text = "Summary: plain prose\n\nA paragraph.\n\nThe last paragraph stays."
    assert strip_usenet("A paragraph.\n\nThe last paragraph stays.") == (
        "A paragraph.\n\nThe last paragraph stays."
    )
    assert "The last paragraph stays." in strip_usenet(text)


def test_cleaning_keeps_the_very_string_of_a_text_it_does_not_change():
    # The run holds the documents and the cleaned texts: unchanged ones are not copies.
    texts = ["A paragraph.\n\nThe last paragraph stays.", POST]
    cleaned = preprocess_corpus(texts, PreprocessConfig(no_below=1, clean_usenet=True)).texts
    assert cleaned[0] is texts[0]
    assert cleaned[1] != texts[1]


def test_preprocess_corpus_cleans_only_when_asked():
    texts = [POST, POST.replace("weather", "storm"), POST.replace("Polar", "Sun-synchronous")]
    settings = {"no_below": 1, "no_above": 1.0, "bigrams": False}
    raw = preprocess_corpus(texts, PreprocessConfig(**settings))
    clean = preprocess_corpus(texts, PreprocessConfig(**settings, clean_usenet=True))
    assert "organization" in raw.vocabulary.token2id
    assert "organization" not in clean.vocabulary.token2id
    assert clean.texts[0].strip().startswith("Polar orbits give global coverage")
    assert clean.summary()["vocabulary_size"] == len(clean.vocabulary)


def test_usenet_cleaning_drops_encoded_attachments_and_keeps_prose():
    uuencoded = [
        'M0DTV5P<    #8$   H    ( ,  %@"   !  @' + " " * 21,
        'M,;, TD4I /ZGB0!)#UH (0A.  "6E@ I !@ 4B!I " !  !BBZX #!E1 )BV',
    ]
    base64 = "TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuTWFueSBoYW5kcyBtYWtlIGxpZ2h0"
    prose = "MY MODEM IS A HAYES COMPATIBLE ONE, DOES ANYONE KNOW THE INIT STRING"
    post = "\n".join(["Here is the picture:", "begin 666 pic.bmp", *uuencoded, base64, prose])
    body = strip_usenet(post)
    assert body.splitlines() == ["Here is the picture:", "begin 666 pic.bmp", prose]


def test_every_occurrence_of_a_word_is_one_string_in_memory():
    texts = ["markets rallied as markets opened", "markets fell", "rain fell on markets"] * 3
    preprocessor = Preprocessor(no_below=1, no_above=1.0)
    docs = preprocessor.fit_transform(texts) + preprocessor.transform(["markets again fell"])
    occurrences = [token for doc in docs for token in doc]
    assert occurrences.count("markets") == 13
    assert len({id(token) for token in occurrences}) == len(set(occurrences))
