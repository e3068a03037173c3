"""The ``embedding`` section of the config: topics from clusters of document vectors."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from topicflow.pipelines.config_section import Section

# min_cluster_size "auto": at least this many documents, and an AUTO_CLUSTER_SHARE-th of
# them (models.embedding.cluster says why).
AUTO_CLUSTER_FLOOR = 10
AUTO_CLUSTER_SHARE = 2_000


class UmapConfig(Section):
    n_neighbors: int = Field(30, ge=2, le=1000)
    n_components: int = Field(5, ge=1, le=100)
    min_dist: float = Field(0.0, ge=0, le=1)
    metric: Literal["cosine", "euclidean", "manhattan", "correlation"] = "cosine"
    # Above this many documents UMAP is fitted on a seeded sample of them and maps the
    # rest (its neighbour graph grows with the sample, not the corpus); None: on all.
    fit_sample: int | None = Field(20_000, ge=100, le=10_000_000)


class HdbscanConfig(Section):
    # auto: 10 documents, and a 2,000th of a corpus above 20,000 (models.embedding.cluster).
    min_cluster_size: Annotated[int, Field(ge=2, le=1_000_000)] | Literal["auto"] = "auto"
    min_samples: int | None = Field(None, ge=1, le=1_000_000)
    # leaf: the finest clusters of HDBSCAN's condensed tree. They are the topic tree's
    # leaves; merging them (models.tree) gives every coarser level, where eom would
    # have fixed one level and could return a catch-all cluster.
    selection_method: Literal["eom", "leaf"] = "leaf"


class OutlierConfig(Section):
    # centroid: the topic nearest where HDBSCAN clustered (UMAP's space) if its embedding
    # cosine reaches the threshold, else the most similar; cosine: the most similar topic
    # centroid in the embedding space (the default before 2026-12; models.embedding.topics).
    strategy: Literal["centroid", "cosine", "soft", "ctfidf", "none"] = "centroid"
    threshold: float = Field(0.25, ge=-1, le=1)


class EmbeddingTopicsConfig(Section):
    """Transformer topics: UMAP + HDBSCAN on the document vectors, then outliers, topic
    count and topic words."""

    umap: UmapConfig = UmapConfig()
    hdbscan: HdbscanConfig = HdbscanConfig()
    # auto: the granularity rule picks a cut of the tree; natural: every leaf a topic.
    n_topics: Annotated[int, Field(ge=2, le=1000)] | Literal["auto", "natural"] = "auto"
    outliers: OutlierConfig = OutlierConfig()
    count_words: Literal["per_document", "per_token"] = "per_document"
    word_score: Literal["pointwise_kl", "ctfidf"] = "pointwise_kl"
    min_word_coverage: float = Field(0.0, ge=0, le=1)
    bm25: bool = True
    reduce_frequent_words: bool = True
    mmr_diversity: float = Field(0.0, ge=0, le=1)
    mmr_candidates: int = Field(30, ge=10, le=1000)

    def min_documents(self) -> int:
        """Enough documents for HDBSCAN to find a cluster."""
        size = self.hdbscan.min_cluster_size
        return (AUTO_CLUSTER_FLOOR if size == "auto" else size) + 1
