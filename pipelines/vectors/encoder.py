"""Embed short texts (topic words, candidate names) on demand, in the documents' space.

A :class:`LazyEncoder` is cheap to create and to send to another process: the model
is loaded on the first call only, and then from the process's loaded models
(:mod:`vectors.loaded`), so one the run already loaded for the documents is reused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from topicflow.pipelines.config import EmbedderConfig


class LazyEncoder:
    """``encoder(texts) -> vectors`` with the run's embedding model and settings."""

    def __init__(self, config: EmbedderConfig, model_cache: Path | None = None) -> None:
        self.config = config
        self.model_cache = model_cache
        self._embedder = None

    def __call__(self, texts: list[str]) -> np.ndarray:
        if self._embedder is None:
            from topicflow.pipelines.vectors.loaded import loaded_embedder

            params = self.config.estimator_params()
            self._embedder = loaded_embedder(params, self.model_cache)
        return self._embedder.transform(list(texts))

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_embedder": None}  # the loaded model never travels
