"""Step 2 of naming: each topic's shortlist of candidate phrases, by pointwise KL.

A topic's candidates are the phrases at least two of its documents, and ``MIN_SHARE``
of them, use and that are at least ``MIN_LIFT`` times as common among them as in the
corpus; a shorter phrase gives
way to a longer one that says the same and more (``SUBSUMED``). They are ranked as
:mod:`models.words` ranks topic words, by pointwise KL on document shares.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from topicflow.pipelines.models.names.phrases import KEY_JOIN, MIN_DOCUMENTS, PhraseIndex

# A candidate must be this many times more common among the topic's documents than in the
# corpus: phrases every topic uses ("last year", "get") name none of them. Waived for a
# topic with fewer than two such phrases (a topic holding most of the corpus cannot reach it).
MIN_LIFT = 3.0
# A candidate must be used by at least this share of the topic's documents: a phrase that
# a handful of a large topic's documents share names them, not the topic. Measured on 20
# Newsgroups (LDA at 33 topics): the names used by under 2 % of their topic's posts were
# the misleading ones, such as "know near UV" (2 of 332 posts use "near UV") for a topic of
# "know, heard, let, sure, curious", while the names of coherent topics had 2.5-45 %.
MIN_SHARE = 0.02
# A phrase gives way to a longer candidate that contains it and that at least this share
# of the documents using it also use ("mobile" to "mobile phone", "bank" to "Bank of
# England"): the longer one says the same and more.
SUBSUMED = 0.75


def topic_shortlists(
    index: PhraseIndex, assignments: np.ndarray, n_topics: int, size: int
) -> tuple[list[list[int]], list[np.ndarray]]:
    """Each topic's best ``size`` phrases by pointwise KL on document shares (as
    :func:`models.words.pointwise_kl_from_class_counts` scores words), among those at
    least ``MIN_DOCUMENTS`` and ``MIN_SHARE`` of its documents use (and ``MIN_LIFT``),
    with their scores.
    Sparse throughout: a large corpus has hundreds of thousands of phrases."""
    labels = np.where(assignments < n_topics, assignments, -1)
    member = labels >= 0
    membership = sp.csr_matrix(
        (np.ones(int(member.sum())), (labels[member], np.flatnonzero(member))),
        shape=(n_topics, len(labels)),
    )
    per_topic = (membership @ index.documents).tocsr()  # documents of each topic using each
    per_topic.sort_indices()
    units = np.bincount(labels[member], minlength=n_topics)
    corpus_share = np.asarray(per_topic.sum(axis=0)).ravel() / max(int(units.sum()), 1)
    lists, kept = [], []
    for topic in range(n_topics):
        row = slice(per_topic.indptr[topic], per_topic.indptr[topic + 1])
        columns, documents = per_topic.indices[row], per_topic.data[row]
        usable = documents >= max(MIN_DOCUMENTS, MIN_SHARE * units[topic])
        columns, documents = columns[usable], documents[usable]
        share = documents / max(int(units[topic]), 1)
        lift = share / np.maximum(corpus_share[columns], 1e-12)
        if np.count_nonzero(lift >= MIN_LIFT) >= 2:
            strong = lift >= MIN_LIFT
            columns, documents, share, lift = (a[strong] for a in (columns, documents, share, lift))
        closed = _closed(index, columns, documents)
        columns, share, lift = columns[closed], share[closed], lift[closed]
        scores = share * np.log(np.maximum(lift, 1.0)) + _UNINFORMATIVE * share
        # Best first; ties by the phrase's place in the sorted keys, so it is deterministic.
        best = np.argsort(-scores, kind="stable")[:size]
        lists.append([int(j) for j in columns[best]])
        kept.append(scores[best])
    return lists, kept


# As in models.words: a phrase no more common in the topic than in the corpus keeps a tiny
# score, so that it ranks after every informative one.
_UNINFORMATIVE = 1e-9


def _closed(index: PhraseIndex, columns: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """Which of ``columns`` remain once a longer phrase among them that at least
    ``SUBSUMED`` of their documents also use takes their place."""
    where = {index.keys[j]: k for k, j in enumerate(columns)}
    keep = np.ones(len(columns), dtype=bool)
    for key, k in where.items():
        tokens = key.split(KEY_JOIN)
        for n in range(1, len(tokens)):
            for start in range(len(tokens) - n + 1):
                part = where.get(KEY_JOIN.join(tokens[start : start + n]))
                if part is not None and documents[k] >= SUBSUMED * documents[part]:
                    keep[part] = False
    return keep
