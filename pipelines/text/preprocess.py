"""One preprocessing for every consumer: LDA input, embedding-topic words, coherence reference.

Both model families and every coherence number use the tokens and the vocabulary
this step produces, so their scores are comparable. The embedding branch embeds
the (cleaned) text itself, never these tokens.

Steps, in order: Unicode NFKC normalisation, URL / e-mail removal, lower-casing,
tokenisation into runs of letters and digits (internal apostrophes kept, a
trailing "'s" dropped), number and length filters, stopwords, gensim ``Phrases``
bigrams, then the vocabulary filter (``no_below``, ``no_above``, ``keep_n``).
There is no lemmatisation: no installed dependency lemmatises offline.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gensim.corpora import Dictionary
from gensim.models.phrases import FrozenPhrases, Phrases
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.config import PreprocessConfig
from topicflow.pipelines.evaluate.coherence import Reference
from topicflow.pipelines.text.clean import strip_usenet
from topicflow.pipelines.text.stopwords import ENGLISH

_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_DIGIT = re.compile(r"\d")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "`": "'"})
BIGRAM_DELIMITER = "_"


class Preprocessor(BaseEstimator):
    """Texts to token lists over a learned vocabulary, sklearn style.

    ``fit`` learns bigram phrases (``phrases_``) and the vocabulary (``vocabulary_``,
    a gensim ``Dictionary``); ``transform`` maps texts to tokens in that vocabulary.
    A text can come out empty (all stopwords, say): it keeps its place in the output.
    """

    def __init__(
        self,
        *,
        lowercase: bool = True,
        stopwords: str = "english",
        extra_stopwords: Sequence[str] = (),
        min_token_length: int = 2,
        max_token_length: int = 30,
        numbers: str = "drop",
        urls: str = "drop",
        emails: str = "drop",
        bigrams: bool = True,
        bigram_min_count: int = 5,
        bigram_threshold: float = 0.5,
        no_below: int = 5,
        no_above: float = 0.5,
        keep_n: int = 50_000,
    ) -> None:
        self.lowercase = lowercase
        self.stopwords = stopwords
        self.extra_stopwords = extra_stopwords
        self.min_token_length = min_token_length
        self.max_token_length = max_token_length
        self.numbers = numbers
        self.urls = urls
        self.emails = emails
        self.bigrams = bigrams
        self.bigram_min_count = bigram_min_count
        self.bigram_threshold = bigram_threshold
        self.no_below = no_below
        self.no_above = no_above
        self.keep_n = keep_n

    # --- sklearn API ---------------------------------------------------------------------

    def fit(self, texts: Sequence[str], y=None) -> Preprocessor:
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str], y=None) -> list[list[str]]:
        self._validate()
        tokens = [self.tokenize(text) for text in texts]
        self.phrases_ = self._fit_phrases(tokens)
        if self.phrases_ is not None:
            tokens = [self.phrases_[doc] for doc in tokens]
        vocabulary = Dictionary(tokens)
        # gensim's no_below counts documents; it cannot exceed the corpus size.
        vocabulary.filter_extremes(
            no_below=min(self.no_below, max(1, len(tokens))),
            no_above=self.no_above,
            keep_n=self.keep_n,
        )
        vocabulary.compactify()
        self.vocabulary_ = vocabulary
        self.n_documents_ = len(tokens)
        known = vocabulary.token2id
        return [[t for t in doc if t in known] for doc in tokens]

    def transform(self, texts: Iterable[str]) -> list[list[str]]:
        check_is_fitted(self, "vocabulary_")
        known = self.vocabulary_.token2id
        out = []
        for text in texts:
            doc = self.tokenize(text)
            if self.phrases_ is not None:
                doc = self.phrases_[doc]
            out.append([t for t in doc if t in known])
        return out

    # --- steps ---------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[str]:
        """Stateless part: normalise, tokenise, filter (no phrases, no vocabulary)."""
        text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
        if self.urls == "drop":
            text = _URL.sub(" ", text)
        if self.emails == "drop":
            text = _EMAIL.sub(" ", text)
        if self.lowercase:
            text = text.lower()
        stop = self._stopword_set()
        low, high = self.min_token_length, self.max_token_length
        drop_numbers = self.numbers == "drop"
        tokens = []
        for token in _TOKEN.findall(text):
            token = token.removesuffix("'s")
            if not low <= len(token) <= high or token in stop:
                continue
            if drop_numbers and _DIGIT.search(token):
                continue
            tokens.append(token)
        return tokens

    def _fit_phrases(self, tokens: list[list[str]]) -> FrozenPhrases | None:
        if not self.bigrams:
            return None
        phrases = Phrases(
            tokens,
            min_count=self.bigram_min_count,
            threshold=self.bigram_threshold,
            scoring="npmi",
            delimiter=BIGRAM_DELIMITER,
        )
        return phrases.freeze()

    def _stopword_set(self) -> frozenset[str]:
        cached = getattr(self, "_stop_cache", None)
        key = (self.stopwords, tuple(self.extra_stopwords), self.lowercase)
        if cached is None or cached[0] != key:
            base = ENGLISH if self.stopwords == "english" else frozenset()
            extra = {w.lower() if self.lowercase else w for w in self.extra_stopwords}
            cached = (key, base | extra)
            self._stop_cache = cached
        return cached[1]

    def _validate(self) -> None:
        choices = {
            "stopwords": ("english", "none"),
            "numbers": ("drop", "keep"),
            "urls": ("drop", "keep"),
            "emails": ("drop", "keep"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if not 1 <= self.min_token_length <= self.max_token_length:
            raise ValueError("need 1 <= min_token_length <= max_token_length")
        if not 0 < self.no_above <= 1:
            raise ValueError(f"no_above must be in (0, 1], got {self.no_above}")


@dataclass
class Preprocessed:
    """The shared preprocessing of a corpus: what every later stage reads."""

    texts: list[str]  # the cleaned text: what the embedding model reads
    tokens: list[list[str]]  # per document, in the vocabulary: LDA input and coherence reference
    vocabulary: Dictionary
    preprocessor: Preprocessor | None = None  # fitted: tokenises documents added later

    @property
    def reference(self) -> Reference:
        return Reference(self.tokens, self.vocabulary)

    def summary(self) -> dict:
        lengths = [len(doc) for doc in self.tokens]
        return {
            "vocabulary_size": len(self.vocabulary),
            "documents_without_tokens": sum(1 for n in lengths if n == 0),
            "mean_tokens_per_document": round(sum(lengths) / max(1, len(lengths)), 2),
        }


def preprocess_corpus(texts: Sequence[str], config: PreprocessConfig) -> Preprocessed:
    """Clean (optionally) and tokenise every document with one fitted :class:`Preprocessor`."""
    cleaned = [strip_usenet(t) for t in texts] if config.clean_usenet else list(texts)
    preprocessor = Preprocessor(**config.estimator_params())
    tokens = preprocessor.fit_transform(cleaned)
    return Preprocessed(cleaned, tokens, preprocessor.vocabulary_, preprocessor)
