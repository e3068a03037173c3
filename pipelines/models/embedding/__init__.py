"""Transformer topics: UMAP + HDBSCAN clusters of document vectors, described by words."""
