"""Word -> lemma, offline, one word at a time (the preprocessing has no part-of-speech tags).

Two lemmatisers whose dictionaries ship in their wheels:

- ``simplemma``: a lookup table per language; it picks one lemma per form, across
  parts of speech ("better" -> "good", "us" -> "we").
- ``lemminflect``: dictionary lemmas per part of speech. Without a tagger we prefer
  the noun's lemma, then the verb's, then the adjective's and adverb's: topic words
  are mostly nouns, and a form that is a noun keeps its noun reading ("running",
  "better", "news" stay as they are; "taxes" -> "tax", "said" -> "say"). Words not in
  its dictionary (names, most jargon) stay as they are; its rule-based guesses
  ("species" -> "specy") are never used.

A lemma that is not a plain token (a space, a hyphen) is ignored: the token stays.
Results are cached per word, so a corpus costs one look-up per distinct word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

LEMMATIZERS = ("none", "simplemma", "lemminflect")
_PLAIN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")  # the tokeniser's token shape
_LEMMINFLECT_ORDER = ("NOUN", "VERB", "ADJ", "ADV", "PROPN")


def lemmatizer(name: str) -> Callable[[str], str] | None:
    """The word -> lemma function called ``name``; None for "none"."""
    if name == "none":
        return None
    if name == "simplemma":
        return _simplemma
    if name == "lemminflect":
        return _lemminflect
    raise ValueError(f"lemmatize must be one of {LEMMATIZERS}, got {name!r}")


@lru_cache(maxsize=200_000)
def _simplemma(word: str) -> str:
    import simplemma

    return _plain_or(word, simplemma.lemmatize(word, lang="en"))


@lru_cache(maxsize=200_000)
def _lemminflect(word: str) -> str:
    from lemminflect import getAllLemmas

    lemmas = getAllLemmas(word)
    for pos in _LEMMINFLECT_ORDER:
        if lemmas.get(pos):
            return _plain_or(word, lemmas[pos][0])
    return word


def _plain_or(word: str, lemma: str) -> str:
    lemma = lemma.lower() if word.islower() else lemma
    return lemma if _PLAIN.fullmatch(lemma) else word
