"""Multi-word names as one token: two gensim ``Phrases`` passes with connector words.

One pass of ``Phrases`` joins pairs only, and greedily from the left, so "osama bin
laden" became ``osama_bin`` + ``laden``. A second pass over the first one's output
joins a phrase with its neighbour (``osama_bin`` + ``laden`` -> ``osama_bin_laden``).
Connector words (gensim's: of, the, for, and, ...) may sit inside a phrase but never
start or end one, so "Bank of England" becomes ``bank_of_england``; a connector left
standing alone afterwards is dropped (it is a stopword). The second pass keeps only
phrases of at most ``max_words`` words not counting connectors, so two frequent
names side by side do not fuse into one long token. Both passes count in corpus
order and score with NPMI: the result depends on the tokens only (deterministic).
"""

from __future__ import annotations

from collections.abc import Sequence

from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phrases

DELIMITER = "_"  # tokens never contain it (see preprocess._TOKEN), so a phrase splits back exactly
CONNECTORS = ENGLISH_CONNECTOR_WORDS
# gensim splits a phrase on its delimiter to score it, so the second pass must not see
# that delimiter inside its (already joined) tokens: each pass joins with a character
# no token contains, replaced by DELIMITER afterwards.
_PASS_DELIMITER = "+"


class PhraseModel:
    """Fitted phrase passes; calling it on a token list returns the phrased tokens."""

    def __init__(self, passes: list[FrozenPhrases], connectors: frozenset[str]) -> None:
        self.passes = passes
        self.connectors = connectors

    @classmethod
    def fit(
        cls,
        tokens: Sequence[Sequence[str]],
        *,
        min_count: int,
        threshold: float,
        max_words: int,
        connectors: frozenset[str] = CONNECTORS,
    ) -> PhraseModel:
        passes: list[FrozenPhrases] = []
        current = tokens
        for _ in range(2 if max_words > 2 else 1):
            frozen = Phrases(
                current,
                min_count=min_count,
                threshold=threshold,
                scoring="npmi",
                delimiter=_PASS_DELIMITER,
                connector_words=connectors,
            ).freeze()
            frozen.phrasegrams = {
                phrase: score
                for phrase, score in frozen.phrasegrams.items()
                if content_words(phrase, connectors) <= max_words
            }
            passes.append(frozen)
            current = [_apply(frozen, doc) for doc in current]
        return cls(passes, connectors)

    def join(self, doc: Sequence[str]) -> list[str]:
        """The phrased tokens, connectors still in place (each output token is one or
        more input tokens joined by ``DELIMITER``, in order)."""
        out = list(doc)
        for frozen in self.passes:
            out = _apply(frozen, out)
        return out

    def __call__(self, doc: Sequence[str]) -> list[str]:
        return [t for t in self.join(doc) if t not in self.connectors]


def content_words(phrase: str, connectors: frozenset[str]) -> int:
    parts = phrase.replace(_PASS_DELIMITER, DELIMITER).split(DELIMITER)
    return sum(1 for part in parts if part not in connectors)


def _apply(frozen: FrozenPhrases, doc: Sequence[str]) -> list[str]:
    return [token.replace(_PASS_DELIMITER, DELIMITER) for token in frozen[list(doc)]]
