"""Topic words from a partition of documents: class-based TF-IDF over the shared vocabulary.

c-TF-IDF (Grootendorst 2022) treats all documents of one topic as a single
document: a word scores high when it is frequent in that topic and rare over the
corpus. ``tf`` is the word's share of the topic's tokens; ``idf = log(1 + A / f)``
with ``A`` the mean number of tokens per topic and ``f`` the word's corpus count.
``bm25`` uses ``log(1 + (A - f + 0.5) / (f + 0.5))`` instead, which pushes words
found in most topics to zero; ``reduce_frequent`` takes the square root of the
counts first, so a few very frequent words weigh less (both as in BERTopic).

Pointwise KL divergence (Tomokiyo and Hurst 2003, "informativeness") scores a word
by ``p(w|t) * log(p(w|t) / p(w))``: how often the topic uses it, times the log of how
much more often the topic uses it than all topics together do. On token shares it
is the word's term in the KL divergence of the topic's word distribution from the
overall one (on document shares, the same formula with document frequencies), so a
word scores high only when it is both common in the topic and concentrated there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from gensim.corpora import Dictionary

from topicflow.pipelines.text.packed import PackedTokens


def count_matrix(tokens: Sequence[Sequence[str]], vocabulary: Dictionary) -> sp.csr_matrix:
    """Documents x vocabulary term counts (words outside the vocabulary are ignored),
    each row's columns sorted, read off packed ids (:mod:`topicflow.pipelines.text.packed`):
    tokens already packed in this vocabulary's numbering are read as they are."""
    if not (isinstance(tokens, PackedTokens) and tokens.numbered_as(vocabulary.token2id)):
        tokens = PackedTokens.pack(tokens, vocabulary)
    return tokens.counts()


def class_counts(counts: sp.csr_matrix, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Summed term counts per class, ``n_classes`` x vocabulary; labels < 0 are left out."""
    labels = np.asarray(labels)
    keep = labels >= 0
    membership = sp.csr_matrix(
        (np.ones(int(keep.sum())), (labels[keep], np.flatnonzero(keep))),
        shape=(n_classes, counts.shape[0]),
    )
    return np.asarray((membership @ counts).todense())


def class_tfidf(
    counts: sp.csr_matrix,
    labels: np.ndarray,
    n_classes: int,
    *,
    bm25: bool = False,
    reduce_frequent: bool = False,
) -> np.ndarray:
    """c-TF-IDF scores, ``n_classes`` x vocabulary; labels < 0 (unassigned) are left out."""
    return ctfidf_from_class_counts(
        class_counts(counts, labels, n_classes), bm25=bm25, reduce_frequent=reduce_frequent
    )


def ctfidf_from_class_counts(
    per_class: np.ndarray, *, bm25: bool = False, reduce_frequent: bool = False
) -> np.ndarray:
    totals = per_class.sum(axis=1, keepdims=True)
    word_counts = per_class.sum(axis=0)
    mean_class_size = per_class.sum() / max(1, int((totals > 0).sum()))
    if bm25:
        idf = np.log1p(np.maximum(mean_class_size - word_counts + 0.5, 0) / (word_counts + 0.5))
    else:
        idf = np.log1p(mean_class_size / np.maximum(word_counts, 1))
    weighted = np.sqrt(per_class) if reduce_frequent else per_class
    sums = weighted.sum(axis=1, keepdims=True)
    tf = np.divide(weighted, sums, out=np.zeros_like(weighted, dtype=np.float64), where=sums > 0)
    return tf * idf


# Words a topic uses no more often than the corpus does carry no information about it;
# they keep a tiny score proportional to their frequency so that they still rank
# (after every informative word) and a topic never runs out of words.
_UNINFORMATIVE = 1e-9


def pointwise_kl_from_class_counts(per_class: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Pointwise KL scores, ``n_classes`` x vocabulary, from summed counts per class.

    ``units`` is each class's total the counts are shares of: its number of documents
    when a word counts once per document (``p(w|t)`` is then the share of the topic's
    documents that use the word), its number of tokens otherwise.
    """
    units = np.asarray(units, dtype=np.float64).reshape(-1, 1)
    p_topic = np.divide(
        per_class, units, out=np.zeros_like(per_class, dtype=np.float64), where=units > 0
    )
    p_corpus = per_class.sum(axis=0) / max(float(units.sum()), 1.0)
    used = per_class > 0
    lift = np.divide(p_topic, p_corpus, out=np.ones_like(p_topic), where=used)
    informative = p_topic * np.log(np.maximum(lift, 1.0))
    return informative + _UNINFORMATIVE * p_topic


def top_terms(
    scores: np.ndarray, vocabulary: Dictionary, n: int
) -> tuple[list[list[str]], list[list[float]]]:
    """Each row's ``n`` best-scoring words (positive scores only) and their scores."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :n]
    words, weights = [], []
    for row, ids in zip(scores, order, strict=True):
        ids = [i for i in ids if row[i] > 0]
        words.append([vocabulary[i] for i in ids])
        weights.append([float(row[i]) for i in ids])
    return words, weights
