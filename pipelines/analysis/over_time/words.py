"""A topic's top words in each period, so an analyst sees its vocabulary shift.

As BERTopic's ``topics_over_time``: the documents of one topic in one period form one
class, scored by class-based TF-IDF (:mod:`models.words`) on the shared vocabulary: a
word's share of the cell's tokens times ``log(1 + A / f)``, with ``f`` the word's count
in the whole corpus and ``A`` the corpus's tokens per topic. The idf is the corpus's,
not the cell's, so a period's words are comparable with the same topic's in other
periods. A cell with fewer than ``min_documents`` documents gets no words, and a word
needs :data:`MIN_WORD_DOCUMENTS` of the cell's documents: the words of one document would
read as the topic's (on the State of the Union, a small cell's top words were otherwise
single-speech rarities such as "unerring" and "affectionate"). BERTopic's other remedy,
averaging each period's scores with the topic's overall ones (``global_tuning``), was
not taken: it hides the very shift in vocabulary these words are meant to show.

All cells are summed in one sparse product (cells x documents indicator times documents
x vocabulary counts), so the cost is one pass over the counts whatever the number of
topics and periods.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from topicflow.pipelines.models.topicset import UNASSIGNED

# Documents of a (topic, period) cell that must use a word for it to be listed there.
MIN_WORD_DOCUMENTS = 2


def words_per_period(
    counts: sp.csr_matrix,
    vocabulary: Sequence[str],
    assignments: np.ndarray,
    of_document: np.ndarray,
    n_topics: int,
    n_periods: int,
    *,
    top: int = 8,
    min_documents: int = 3,
) -> list[list[list[str]]]:
    """``words[topic][period]``: the cell's best ``top`` words (only words at least
    :data:`MIN_WORD_DOCUMENTS` of its documents use, so possibly fewer than ``top``), or
    ``[]`` for a cell with fewer than ``min_documents`` documents."""
    counts = sp.csr_matrix(counts, dtype=np.float64)
    if counts.shape[1] != len(vocabulary):
        raise ValueError(f"{counts.shape[1]} count columns for {len(vocabulary)} words")
    assignments = np.asarray(assignments)
    keep = np.flatnonzero((assignments != UNASSIGNED) & (of_document >= 0))
    cells = assignments[keep].astype(np.int64) * n_periods + of_document[keep]
    n_cells = n_topics * n_periods
    membership = sp.csr_matrix(
        (np.ones(len(keep)), (cells, keep)), shape=(n_cells, counts.shape[0])
    )
    per_cell = sp.csr_matrix(membership @ counts)
    used = counts.copy()
    used.eliminate_zeros()
    used.data[:] = 1.0
    documents_using = sp.csr_matrix(membership @ used)
    cell_documents = np.bincount(cells, minlength=n_cells)

    frequency = np.asarray(counts.sum(axis=0)).ravel()
    tokens_per_topic = frequency.sum() / max(n_topics, 1)
    idf = np.log1p(tokens_per_topic / np.maximum(frequency, 1))
    totals = np.asarray(per_cell.sum(axis=1)).ravel()
    scores = sp.diags(1 / np.maximum(totals, 1)) @ per_cell @ sp.diags(idf)
    scores = sp.csr_matrix(scores.multiply(documents_using >= MIN_WORD_DOCUMENTS))
    vocabulary = list(vocabulary)

    words: list[list[list[str]]] = [[[] for _ in range(n_periods)] for _ in range(n_topics)]
    for cell in np.flatnonzero(cell_documents >= min_documents):
        start, end = scores.indptr[cell], scores.indptr[cell + 1]
        columns, values = scores.indices[start:end], scores.data[start:end]
        if len(values) > top:  # only the words scoring at least the top-th best
            floor = np.partition(values, len(values) - top)[len(values) - top]
            contenders = values >= floor
            columns, values = columns[contenders], values[contenders]
        positive = values > 0
        columns, values = columns[positive], values[positive]
        best = np.lexsort((columns, -values))[:top]  # highest score, ties by column
        words[cell // n_periods][cell % n_periods] = [str(vocabulary[c]) for c in columns[best]]
    return words
