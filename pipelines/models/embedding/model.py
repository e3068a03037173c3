"""The ``embedding`` model: topics from clusters of document vectors (see :mod:`.topics`).

Besides the topics, the fitted model keeps what it needs to place new documents
without refitting: each topic's centroid in the embedding space and how close the
topic's own documents were to it. A new document joins its most similar topic when
the cosine reaches the outlier threshold, and is
*novel* when it is less similar to that topic than :data:`NOVELTY_PERCENTILE` % of
the topic's own documents were: a bar relative to each topic (and to the embedding
model's scale of cosines), not one absolute number. The fitted model does not keep
UMAP (it is large), so a new document is placed by cosine alone, where HDBSCAN's noise
was placed by UMAP's space first (:func:`.topics.reassign_outliers`): the same text
can land in another topic as a new document than as a noise document of the fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.blocks import vector_blocks
from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.embedding.cluster import EmbeddingClusterer, document_map
from topicflow.pipelines.models.embedding.config import EmbeddingTopicsConfig
from topicflow.pipelines.models.embedding.topics import (
    centroid_similarity,
    largest_first,
    nearest_centroid,
    reassign_outliers,
    topic_words,
    word_counts,
    word_scores,
)
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.models.tree import (
    Profile,
    centroid_rows,
    centroid_view,
    cut,
    in_median_units,
    unit_view,
)
from topicflow.pipelines.vectors.centroids import (
    member_sums,
    topic_vectors_from_documents,
    unit_rows,
)

NOVELTY_PERCENTILE = 5


class EmbeddingTopicModel(TopicModel):
    """UMAP + HDBSCAN leaf clusters of the corpus's vectors, merged into a tree; topics
    described on the shared vocabulary.

    Fitted state (besides the base's): ``core_leaves_`` (each document's leaf as HDBSCAN
    placed it, -1 for its noise: topic words describe these documents only, not the
    reassigned outliers), ``reduced_`` (UMAP's view of the documents, which the
    report's map is drawn from) and, at the current level, ``centroids_`` (unit-length
    mean vector of each topic) and ``novelty_floor_`` (per topic, its members' cosine
    to the centroid at the :data:`NOVELTY_PERCENTILE`-th percentile).
    """

    needs_vectors = True

    def _config(self) -> EmbeddingTopicsConfig:
        return self.config or EmbeddingTopicsConfig()

    def _n_leaves(self) -> int:
        return self.n_leaves_

    def _fit_leaves(self, corpus: PreparedCorpus) -> None:
        config = self._config()
        clusterer = EmbeddingClusterer(
            **config.umap.model_dump(),
            **config.hdbscan.model_dump(),
            random_state=self.random_state,
        ).fit(corpus.vectors)
        core = largest_first(clusterer.labels_)
        self.n_leaves_ = int(core.max()) + 1
        self.min_cluster_size_ = clusterer.min_cluster_size_
        self.noise_share_ = round(float(np.mean(core == UNASSIGNED)), 6)
        leaves = core
        if self.n_leaves_ and config.outliers.strategy != "none":
            counts = word_counts(corpus.counts, config)
            leaves = reassign_outliers(core, corpus.vectors, counts, clusterer, config)
        self.core_leaves_ = core
        self.leaf_assignments_ = leaves
        self.reduced_ = clusterer.reduced_  # the clusterer itself is large and not needed later

    def _leaf_profiles(self, corpus: PreparedCorpus) -> list[Profile]:
        """Two descriptions, averaged: the leaves' centroids in the space HDBSCAN drew them
        in (UMAP's view of the documents; squared Euclidean distance in units of its median
        between leaves), where Ward's criterion goes on from where HDBSCAN stopped, and
        their centroids in the embedding space (cosine), which keeps the distances between
        far-apart leaves true where UMAP's layout does not (it places separate groups of
        documents arbitrarily). Against merging by the leaves' words and embedding
        centroids, label NMI at the rule's count rose on all four benchmark corpora
        (``benchmarks/results/embedding_trees.md``: subject lines 0.397 to 0.449)."""
        k, leaves = self.n_leaves_, self.leaf_assignments_
        where_clustered = Profile(
            centroid_rows(self.reduced_, leaves, k), centroid_view, distance="squared_euclidean"
        )
        return [
            in_median_units(where_clustered),
            Profile(member_sums(corpus.vectors, leaves, k), unit_view),
        ]

    def _topics_at(self, groups: np.ndarray, n_topics: int, corpus: PreparedCorpus) -> TopicSet:
        config = self._config()
        core = cut(groups, self.core_leaves_)
        assignments = cut(groups, self.leaf_assignments_)
        counts = word_counts(corpus.counts, config)
        # MMR compares candidate words in the model's space: only then is the encoder used.
        encoder = corpus.encoder if config.mmr_diversity > 0 else None
        words, weights = topic_words(
            word_scores(counts, core, n_topics, config),
            corpus.vocabulary,
            self.top_words,
            corpus.vectors,
            core,
            config,
            encoder,
        )
        extra: dict[str, Any] = {
            "hdbscan_noise_share": self.noise_share_,
            "hdbscan_min_cluster_size": self.min_cluster_size_,
            "outlier_strategy": config.outliers.strategy,
        }
        similarity = centroid_similarity(corpus.vectors, assignments)
        return TopicSet(words, weights, assignments, similarity, extra)

    def set_level(self, n_topics: int, corpus: PreparedCorpus) -> EmbeddingTopicModel:
        super().set_level(n_topics, corpus)
        labels, vectors = self.topics_.assignments, corpus.vectors
        if not self.level_:  # no cluster at all: nothing to place new documents in
            self.centroids_ = np.zeros((0, vectors.shape[1]))
            self.novelty_floor_ = np.zeros(0)
            return self
        self.centroids_ = unit_rows(topic_vectors_from_documents(vectors, labels, self.level_))
        self.novelty_floor_ = _novelty_floor(vectors, labels, self.centroids_)
        return self

    def transform(self, corpus: PreparedCorpus) -> tuple[np.ndarray, np.ndarray]:
        """Each document's nearest topic centroid and that cosine; ``UNASSIGNED`` where
        even the best cosine is below the outlier threshold."""
        check_is_fitted(self, "topics_")
        self.check_corpus(corpus)
        if len(corpus) == 0 or len(self.centroids_) == 0:
            return np.full(len(corpus), UNASSIGNED), np.full(len(corpus), np.nan)
        best, cosine = nearest_centroid(corpus.vectors, self.centroids_)
        threshold = self._config().outliers.threshold
        return np.where(cosine >= threshold, best, UNASSIGNED), cosine

    def novel(self, corpus: PreparedCorpus) -> np.ndarray:
        check_is_fitted(self, "centroids_")
        if len(corpus) == 0 or len(self.centroids_) == 0:
            return np.ones(len(corpus), dtype=bool)
        best, cosine = nearest_centroid(corpus.vectors, self.centroids_)
        return cosine < self.novelty_floor_[best]

    def document_map(self, seed: int) -> np.ndarray:
        """A second UMAP, to 2-D, of the space the documents were clustered in."""
        check_is_fitted(self, "reduced_")
        umap = self._config().umap
        return document_map(self.reduced_, seed, umap.n_neighbors, umap.fit_sample)


def _novelty_floor(vectors: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Each topic's NOVELTY_PERCENTILE of its own documents' cosines to its centroid."""
    own = np.full(len(vectors), np.nan)
    # A block at a time: a unit copy of them all is 3 GB at a million documents.
    for block, members in vector_blocks(vectors, np.arange(len(vectors))):
        similarity = unit_rows(members) @ centroids.T
        placed = labels[block] >= 0
        own[block[placed]] = similarity[np.flatnonzero(placed), labels[block][placed]]
    floor = np.full(len(centroids), np.inf)  # an empty topic fits nothing new
    for topic in range(len(centroids)):
        members = own[labels == topic]
        if len(members):
            floor[topic] = np.percentile(members, NOVELTY_PERCENTILE)
    return floor
