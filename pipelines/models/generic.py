"""Generic topics of a mixture model: words of conversation, not a theme.

At a few dozen topics a mixture model fitted on conversation (20 Newsgroups) spends
some of them on the words of how people write rather than what they write about:
"well work yes quite pretty great", "get day getting trying folks", "like sound look
things". Unlike a background topic (:func:`.mixture_weights.background_topics`) such a topic is
in few documents; what gives it away is that the documents it claims are about many
things. In the embedding model's space they sit nearer the documents of other topics
than of their own: of the posts a 34-topic LDA gave each such topic, 4-19 % were nearer
its own documents' centroid than another topic's, against 26-100 % for every topic with
a theme (20 Newsgroups LDA and NMF; 53 % and up on BBC News, OCTIS BBC, where no topic
was generic). :func:`generic_topics` flags a topic under ``GENERIC_OWN``; the mixture
families keep such topics out of the topics like background topics and report their
words (:mod:`.mixture`, :func:`.mixture_weights.topic_kinds`).

The test needs the documents' vectors, so it is made where a run has them: at the
reported level of a run that lists a model that reads vectors. The leaf fit runs
before the vectors exist (beside the embedding), so its leaves are not tested: a
result must not depend on which process fitted it.
"""

from __future__ import annotations

import numpy as np

from topicflow.pipelines.blocks import vector_blocks
from topicflow.pipelines.models.topicset import UNASSIGNED
from topicflow.pipelines.vectors.centroids import topic_vectors_from_documents, unit_rows

# A topic is generic when fewer than this share of its documents are nearer the centroid
# of its own documents than of another topic's: in the gap measured on 20 Newsgroups
# (generic topics 4-19 %, topics with a theme 26 % and up), far below BBC News's 53 %.
GENERIC_OWN = 0.25
# The test compares a topic with the others: with fewer topics there is nothing to
# compare, and at least this many are always kept (like background topics).
KEEP_AT_LEAST = 2
# A topic with fewer documents to judge it by is not judged (a share of three is noise).
MIN_DOCUMENTS = 10


def own_centroid_share(vectors: np.ndarray, topics: np.ndarray, n_topics: int) -> np.ndarray:
    """Each topic's share of its documents whose nearest topic centroid (cosine, over the
    centroids of every topic's documents) is its own; NaN for a topic without documents.
    A document counts in its own topic's centroid too, which favours small topics a
    little (each document of a ten-document topic is a tenth of its centroid): the test
    errs towards keeping a topic. A block of documents at a time, so vectors on disk are read
    once per pass."""
    centroids = topic_vectors_from_documents(vectors, topics, n_topics)
    sizes = np.bincount(topics[topics != UNASSIGNED], minlength=n_topics)
    empty = sizes == 0  # no centroid to be near (a zero vector would beat negative cosines)
    own = np.zeros(n_topics)
    for rows, block in vector_blocks(vectors, np.flatnonzero(topics != UNASSIGNED)):
        similarity = unit_rows(block) @ centroids.T
        similarity[:, empty] = -np.inf
        nearest = similarity.argmax(axis=1)
        mine = topics[rows]
        own += np.bincount(mine[nearest == mine], minlength=n_topics)
    return np.divide(own, sizes, out=np.full(n_topics, np.nan), where=sizes > 0)


def generic_topics(vectors: np.ndarray | None, topics: np.ndarray, n_topics: int) -> np.ndarray:
    """Which of ``n_topics`` topics are generic (see the module docstring), given each
    document's topic (``UNASSIGNED``: not one to judge by); none without vectors or with
    fewer than three topics. A topic is judged with ``MIN_DOCUMENTS`` documents or more;
    of those judged, all but ``KEEP_AT_LEAST`` at most are generic: those whose
    documents are most their own stay topics."""
    generic = np.zeros(n_topics, dtype=bool)
    if vectors is None or n_topics <= KEEP_AT_LEAST:
        return generic
    if len(vectors) != len(topics):
        raise ValueError(f"{len(vectors)} vectors for {len(topics)} documents")
    own = own_centroid_share(vectors, topics, n_topics)
    sizes = np.bincount(topics[topics != UNASSIGNED], minlength=n_topics)
    judged = sizes >= MIN_DOCUMENTS
    generic = judged & (np.where(judged, own, 1.0) < GENERIC_OWN)
    if generic.sum() > judged.sum() - KEEP_AT_LEAST:
        keep = np.argsort(-np.where(judged, own, -np.inf), kind="stable")[:KEEP_AT_LEAST]
        generic[keep] = False
    return generic
