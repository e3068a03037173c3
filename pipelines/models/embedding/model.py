"""The ``embedding`` model: topics from clusters of document vectors (see :mod:`.topics`).

Besides the topics, the fitted model keeps what it needs to place new documents
without refitting: each topic's centroid in the embedding space and how close the
topic's own documents were to it. A new document joins its nearest topic when the
cosine reaches the outlier threshold (the rule outliers are reassigned by), and is
*novel* when it is less similar to that topic than :data:`NOVELTY_PERCENTILE` % of
the topic's own documents were: a bar relative to each topic (and to the embedding
model's scale of cosines), not one absolute number.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.evaluate.alignment import topic_vectors_from_documents, unit_rows
from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.embedding.cluster import document_map
from topicflow.pipelines.models.embedding.config import EmbeddingTopicsConfig
from topicflow.pipelines.models.embedding.topics import fit_embedding_topics
from topicflow.pipelines.models.topicset import UNASSIGNED

NOVELTY_PERCENTILE = 5


class EmbeddingTopicModel(TopicModel):
    """UMAP + HDBSCAN on the corpus's vectors, topics described on the shared vocabulary.

    Fitted state: ``topics_``, ``centroids_`` (unit-length mean vector of each topic),
    ``novelty_floor_`` (per topic, its members' cosine to the centroid at the
    :data:`NOVELTY_PERCENTILE`-th percentile) and ``reduced_`` (UMAP's view of the
    documents, which the report's map is drawn from).
    """

    needs_vectors = True

    def fit(self, corpus: PreparedCorpus, y=None) -> EmbeddingTopicModel:
        self.check_corpus(corpus)
        config = self.config or EmbeddingTopicsConfig()
        # MMR compares candidate words in the model's space: only then is the encoder used.
        encoder = corpus.encoder if config.mmr_diversity > 0 else None
        topics, clusterer = fit_embedding_topics(
            corpus.vectors,
            corpus.tokens,
            corpus.vocabulary,
            config,
            self.random_state,
            self.top_words,
            word_embedder=encoder,
        )
        self.topics_ = topics
        self.reduced_ = clusterer.reduced_  # the clusterer itself is large and not needed later
        vectors, labels = corpus.vectors, topics.assignments
        self.centroids_ = unit_rows(topic_vectors_from_documents(vectors, labels, topics.n_topics))
        self.novelty_floor_ = _novelty_floor(vectors, labels, self.centroids_)
        return self

    def transform(self, corpus: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
        """Each document's nearest topic centroid and that cosine; ``UNASSIGNED`` where
        even the best cosine is below the outlier threshold."""
        check_is_fitted(self, "topics_")
        self.check_corpus(corpus)
        if len(corpus) == 0 or len(self.centroids_) == 0:
            return np.full(len(corpus), UNASSIGNED), np.full(len(corpus), np.nan)
        best, cosine = self._nearest(corpus.vectors)
        threshold = (self.config or EmbeddingTopicsConfig()).outliers.threshold
        return np.where(cosine >= threshold, best, UNASSIGNED), cosine

    def novel(self, corpus: PreparedCorpus) -> np.ndarray:
        check_is_fitted(self, "centroids_")
        if len(corpus) == 0 or len(self.centroids_) == 0:
            return np.ones(len(corpus), dtype=bool)
        best, cosine = self._nearest(corpus.vectors)
        return cosine < self.novelty_floor_[best]

    def document_map(self, seed: int) -> np.ndarray:
        """A second UMAP, to 2-D, of the space the documents were clustered in."""
        check_is_fitted(self, "reduced_")
        neighbours = (self.config or EmbeddingTopicsConfig()).umap.n_neighbors
        return document_map(self.reduced_, seed, neighbours)

    def _nearest(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        similarity = unit_rows(vectors) @ self.centroids_.T
        best = similarity.argmax(axis=1)
        return best, similarity[np.arange(len(vectors)), best]


def _novelty_floor(vectors: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    cosine = unit_rows(vectors) @ centroids.T
    floor = np.full(len(centroids), np.inf)  # an empty topic fits nothing new
    for topic in range(len(centroids)):
        members = cosine[labels == topic, topic]
        if len(members):
            floor[topic] = np.percentile(members, NOVELTY_PERCENTILE)
    return floor
