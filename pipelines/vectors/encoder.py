"""Embed short texts (topic words, candidate names) on demand, in the documents' space.

A :class:`LazyEncoder` is cheap to create and to send to another process: the model
is loaded on the first call only, and then from the process's loaded models
(:mod:`vectors.loaded`), so one the run already loaded for the documents is reused.

With the store's embedding cache (``vectors_cache``), texts embedded before are read
from it like documents, and a call whose texts are all there loads no model at all:
renaming the topics of a re-run whose vectors came from the cache costs no model load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from topicflow.pipelines.config import EmbedderConfig
from topicflow.pipelines.vectors.cache import EmbeddingCache


class LazyEncoder:
    """``encoder(texts) -> vectors`` with the run's embedding model and settings."""

    def __init__(
        self,
        config: EmbedderConfig,
        model_cache: Path | None = None,
        vectors_cache: Path | None = None,
    ) -> None:
        self.config = config
        self.model_cache = model_cache
        self.vectors_cache = vectors_cache if config.cache else None
        self._embedder = None

    def __call__(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if self.vectors_cache is not None and self._embedder is None:
            from topicflow.pipelines.vectors.embedder import cached_vectors
            from topicflow.pipelines.vectors.identity import embedding_identity

            identity = embedding_identity(**self.config.identity_params())
            vectors = cached_vectors(texts, EmbeddingCache.shared(self.vectors_cache / identity))
            if vectors is not None:
                return vectors
        if self._embedder is None:
            from topicflow.pipelines.vectors.loaded import loaded_embedder

            params = self.config.estimator_params()
            self._embedder = loaded_embedder(params, self.model_cache)
        # All texts in one call, as without a cache: the vectors a first run computes and
        # stores are exactly those it uses.
        vectors = self._embedder.transform(texts)
        if self.vectors_cache is not None and len(texts):
            cache = EmbeddingCache.shared(self.vectors_cache / self._embedder.identity_)
            cache.put([EmbeddingCache.text_key(t) for t in texts], vectors)
        return vectors

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_embedder": None}  # the loaded model never travels
