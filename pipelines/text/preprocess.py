"""One preprocessing for every consumer: LDA input, embedding-topic words, coherence reference.

Both model families and every coherence number use the tokens and the vocabulary
this step produces, so their scores are comparable. The embedding branch embeds
the (cleaned) text itself, never these tokens.

Steps, in order: Unicode NFKC normalisation, URL / e-mail removal, lower-casing,
tokenisation into runs of letters and digits (internal apostrophes kept, a
trailing "'s" dropped), number and length filters, stopwords, optional
lemmatisation (:mod:`.lemmatize`), phrases (:mod:`.phrases`: multi-word names such as
``osama_bin_laden`` or ``bank_of_england``), then the vocabulary filter
(``no_below``, ``no_above``, ``keep_n``; ``no_below="auto"`` is :func:`auto_no_below`).

With lemmas the tokens are lemmas, which read oddly as topic words ("tax_rate" for
what the texts call "tax rates"). ``surface_`` maps each vocabulary token that reads
differently in the texts to its most frequent surface form, for display only: the
tokens themselves (LDA's input, the coherence reference) stay lemmas.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from gensim.corpora import Dictionary
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.config import PreprocessConfig
from topicflow.pipelines.evaluate.coherence import Reference, bounded_reference
from topicflow.pipelines.text.clean import Cleaner
from topicflow.pipelines.text.lemmatize import LEMMATIZERS, lemmatizer
from topicflow.pipelines.text.packed import PackedTokens
from topicflow.pipelines.text.phrases import CONNECTORS, DELIMITER, PhraseModel
from topicflow.pipelines.text.stopwords import ENGLISH

_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_DIGIT = re.compile(r"\d")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "`": "'"})
BIGRAM_DELIMITER = DELIMITER

# no_below="auto" tries these, largest first: gensim's default (5) suits documents of
# dozens of words; two is the least a word needs to say anything about co-occurrence.
AUTO_NO_BELOW = (5, 4, 3, 2)
# ... and takes the first that leaves at most this share of the documents with words
# but no vocabulary word (such a document is unassigned by every word-based model).
MAX_WORDLESS_SHARE = 0.05


class Preprocessor(BaseEstimator):
    """Texts to token lists over a learned vocabulary, sklearn style.

    ``fit`` learns phrases (``phrases_``, a :class:`.phrases.PhraseModel`), the
    vocabulary (``vocabulary_``, a gensim ``Dictionary``) and the display forms of
    lemmatised tokens (``surface_``); ``transform`` maps texts to tokens in that
    vocabulary. A text can come out empty (all stopwords, say): it keeps its place.
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
        lemmatize: str = "none",
        bigrams: bool = True,
        bigram_min_count: int = 5,
        bigram_threshold: float = 0.5,
        max_phrase_words: int = 3,
        phrase_connectors: bool = True,
        no_below: int | str = 5,
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
        self.lemmatize = lemmatize
        self.bigrams = bigrams
        self.bigram_min_count = bigram_min_count
        self.bigram_threshold = bigram_threshold
        self.max_phrase_words = max_phrase_words
        self.phrase_connectors = phrase_connectors
        self.no_below = no_below
        self.no_above = no_above
        self.keep_n = keep_n

    # --- sklearn API ---------------------------------------------------------------------

    def fit(self, texts: Sequence[str], y=None) -> Preprocessor:
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str], y=None) -> list[list[str]]:
        return _in_vocabulary(self._fit_tokens(texts), self.vocabulary_.token2id)

    def fit_pack(self, texts: Sequence[str]) -> PackedTokens:
        """:meth:`fit_transform`, the tokens packed (a corpus's worth: see :mod:`.packed`)."""
        return PackedTokens.pack(self._fit_tokens(texts), self.vocabulary_)

    def _fit_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Fit on ``texts``; their tokens, before the vocabulary filter."""
        self._validate()
        pairs = [self._surface_and_tokens(text) for text in texts]
        tokens = [doc for _, doc in pairs]
        self.phrases_ = self._fit_phrases(tokens)
        if self.phrases_ is not None:
            tokens = [self.phrases_.join(doc) for doc in tokens]
        surfaces = _surface_counts(pairs, tokens) if self.lemmatize != "none" else {}
        if self.phrases_ is not None:
            connectors = self.phrases_.connectors
            tokens = [[t for t in doc if t not in connectors] for doc in tokens]
        vocabulary = Dictionary(tokens)
        no_below = self.no_below
        if no_below == "auto":
            no_below = auto_no_below(vocabulary, tokens, self.no_above)
        self.no_below_ = no_below
        # gensim's no_below counts documents; it cannot exceed the corpus size.
        vocabulary.filter_extremes(
            no_below=min(no_below, max(1, len(tokens))),
            no_above=self.no_above,
            keep_n=self.keep_n,
        )
        vocabulary.compactify()
        self.vocabulary_ = vocabulary
        self.n_documents_ = len(tokens)
        known = vocabulary.token2id
        self.surface_ = _most_frequent_surfaces(surfaces, known)
        return tokens

    def transform(self, texts: Iterable[str]) -> list[list[str]]:
        check_is_fitted(self, "vocabulary_")
        docs = []
        for text in texts:
            doc = self._surface_and_tokens(text)[1]
            docs.append(self.phrases_(doc) if self.phrases_ is not None else doc)
        return _in_vocabulary(docs, self.vocabulary_.token2id)

    def display(self, words: Iterable[str]) -> list[str]:
        """``words`` (tokens) as the texts spell them: lemmas become their most frequent
        surface form; every other token is returned as it is."""
        surface = getattr(self, "surface_", {})
        return [surface.get(w, w) for w in words]

    # --- steps ---------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[str]:
        """Stateless part: normalise, tokenise, filter, lemmatise (no phrases, no vocabulary)."""
        connectors = self._connectors()
        return [t for t in self._surface_and_tokens(text)[1] if t not in connectors]

    def _surface_and_tokens(self, text: str) -> tuple[list[str], list[str]]:
        """The kept words as written (lower-cased) and as tokens (lemmas when lemmatising),
        one to one; connector words stay in place for the phrase step."""
        text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
        if self.urls == "drop":
            text = _URL.sub(" ", text)
        if self.emails == "drop":
            text = _EMAIL.sub(" ", text)
        if self.lowercase:
            text = text.lower()
        stop = self._stopword_set()
        connectors = self._connectors()
        lemma = lemmatizer(self.lemmatize)
        low, high = self.min_token_length, self.max_token_length
        drop_numbers = self.numbers == "drop"
        surfaces, tokens = [], []
        for word in _TOKEN.findall(text):
            # One string per distinct word, not one per occurrence: the token lists of a
            # million short texts hold ten million words (600 MB as separate strings).
            word = sys.intern(word.removesuffix("'s"))
            if word in connectors:
                surfaces.append(word)
                tokens.append(word)
                continue
            if not low <= len(word) <= high or word in stop:
                continue
            if drop_numbers and _DIGIT.search(word):
                continue
            token = sys.intern(lemma(word)) if lemma is not None else word
            if token in stop:  # "told" -> "tell"
                continue
            surfaces.append(word)
            tokens.append(token)
        return surfaces, tokens

    def _connectors(self) -> frozenset[str]:
        # Only stopwords connect: with stopwords off, "of" is an ordinary token.
        if not (self.bigrams and self.phrase_connectors):
            return frozenset()
        return CONNECTORS & self._stopword_set()

    def _fit_phrases(self, tokens: list[list[str]]) -> PhraseModel | None:
        if not self.bigrams:
            return None
        return PhraseModel.fit(
            tokens,
            min_count=self.bigram_min_count,
            threshold=self.bigram_threshold,
            max_words=self.max_phrase_words,
            connectors=self._connectors(),
        )

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
            "lemmatize": LEMMATIZERS,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if not 1 <= self.min_token_length <= self.max_token_length:
            raise ValueError("need 1 <= min_token_length <= max_token_length")
        if self.no_below != "auto" and not (isinstance(self.no_below, int) and self.no_below >= 1):
            raise ValueError(f"no_below must be 'auto' or an integer >= 1, got {self.no_below!r}")
        if not 0 < self.no_above <= 1:
            raise ValueError(f"no_above must be in (0, 1], got {self.no_above}")
        if self.max_phrase_words < 2:
            raise ValueError(f"max_phrase_words must be at least 2, got {self.max_phrase_words}")


def auto_no_below(vocabulary: Dictionary, docs: Sequence[Sequence[str]], no_above: float) -> int:
    """The largest of :data:`AUTO_NO_BELOW` that leaves at most :data:`MAX_WORDLESS_SHARE`
    of the documents that have tokens without a word in the vocabulary.

    On documents of dozens of words this is 5 (gensim's default): each holds some common
    word. Short texts (titles, subject lines: two or three tokens after stopwords) are
    different: 13 % of 20 Newsgroups subject lines hold no word of five lines, so LDA and
    NMF could place none of them; at 2 it is 4 %. ``vocabulary`` is unfiltered (document
    frequencies of every token of ``docs``); words ``no_above`` drops count as absent, and
    ``keep_n`` is left out (it caps vocabularies far larger than the words this concerns).
    """
    frequency = np.zeros(len(vocabulary), dtype=np.int64)
    for token_id, df in vocabulary.dfs.items():
        frequency[token_id] = df
    frequency[frequency > int(no_above * vocabulary.num_docs)] = 0  # as filter_extremes
    ids, counts = vocabulary.token2id, frequency.tolist()  # lists index fastest
    # Per document with tokens, the document frequency of its most widespread kept word.
    best = np.fromiter((max(counts[ids[t]] for t in doc) for doc in docs if doc), dtype=np.int64)
    if best.size == 0:
        return AUTO_NO_BELOW[0]
    for no_below in AUTO_NO_BELOW:
        if np.mean(best < no_below) <= MAX_WORDLESS_SHARE:
            return no_below
    return AUTO_NO_BELOW[-1]


def _surface_counts(
    pairs: list[tuple[list[str], list[str]]], joined: list[list[str]]
) -> dict[str, Counter]:
    """For each token, how often each surface spelling produced it: a phrase of n parts
    consumed n surface words, in order (phrases only join, never reorder)."""
    counts: dict[str, Counter] = {}
    for (surface, _), doc in zip(pairs, joined, strict=True):
        at = 0
        for token in doc:
            n = token.count(DELIMITER) + 1
            counts.setdefault(token, Counter())[DELIMITER.join(surface[at : at + n])] += 1
            at += n
    return counts


def _most_frequent_surfaces(counts: dict[str, Counter], known: dict[str, int]) -> dict[str, str]:
    """Token -> its most frequent spelling (ties: alphabetical), where that differs."""
    out = {}
    for token, spellings in counts.items():
        if token in known:
            best = min(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            if best != token:
                out[token] = best
    return out


def _in_vocabulary(docs: list[list[str]], known: Mapping[str, int]) -> list[list[str]]:
    """Each document's tokens in the vocabulary, every occurrence of a word one shared
    string: the tokenizer makes a new one per occurrence, 1.4 M strings (80 MB) for the
    25,000 words of 20 Newsgroups. Pickling keeps the sharing (cached, or sent to a worker)."""
    shared = {word: word for word in known}
    return [[shared[t] for t in doc if t in shared] for doc in docs]


@dataclass
class Preprocessed:
    """The shared preprocessing of a corpus: what every later stage reads."""

    texts: list[str]  # the cleaned text: what the embedding model reads
    tokens: PackedTokens  # per document, in the vocabulary: LDA input and coherence reference
    vocabulary: Dictionary
    preprocessor: Preprocessor | None = None  # fitted: tokenises documents added later
    cleaner: Cleaner | None = None  # fitted: cleans documents added later
    # how many of the documents cleaned here lost repeated lines (None: not cleaned here)
    documents_with_repeated_lines: int | None = None

    def __post_init__(self) -> None:
        self.tokens = PackedTokens.of(self.tokens, self.vocabulary)

    @property
    def reference(self) -> Reference:
        return bounded_reference(self.tokens, self.vocabulary)

    def summary(self) -> dict:
        lengths = self.tokens.lengths()
        return {
            "vocabulary_size": len(self.vocabulary),
            # the no_below used (``auto`` resolved); None for a corpus built without one
            "no_below": getattr(self.preprocessor, "no_below_", None),
            # lines found in many documents (signatures, greetings) and the documents
            # that lost them; None without a fitted cleaner
            "repeated_lines": None if self.cleaner is None else len(self.cleaner.repeated_),
            "documents_with_repeated_lines": self.documents_with_repeated_lines,
            "documents_without_tokens": int(np.sum(lengths == 0)),
            "mean_tokens_per_document": round(int(lengths.sum()) / max(1, len(lengths)), 2),
        }


def preprocess_corpus(texts: Sequence[str], config: PreprocessConfig) -> Preprocessed:
    """Clean every document with one fitted :class:`.clean.Cleaner` and tokenise it with
    one fitted :class:`Preprocessor`."""
    cleaner = Cleaner(usenet=config.clean_usenet, repeated_lines=config.repeated_lines)
    cleaned = cleaner.fit_transform(texts)
    preprocessor = Preprocessor(**config.estimator_params())
    tokens = preprocessor.fit_pack(cleaned)
    vocabulary = preprocessor.vocabulary_
    return Preprocessed(cleaned, tokens, vocabulary, preprocessor, cleaner, cleaner.changed_)
