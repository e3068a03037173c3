"""Transformer topics: UMAP + HDBSCAN clusters of document vectors, described by words."""

from topicflow.pipelines.models.embedding.config import EmbeddingTopicsConfig
from topicflow.pipelines.models.spec import ModelSpec

SPEC = ModelSpec(
    name="embedding",
    title="Embedding",
    config=EmbeddingTopicsConfig,
    estimator="topicflow.pipelines.models.embedding.model:EmbeddingTopicModel",
    needs_vectors=True,
    description="sentence-transformer vectors clustered by UMAP + HDBSCAN",
    # Before models were pluggable these were top-level sections.
    moved_keys={
        "umap": "embedding.umap",
        "hdbscan": "embedding.hdbscan",
        "embedding_topics": "embedding",
    },
)
