"""The embedding models this process has loaded, shared by every stage that embeds.

Loading costs seconds (the libraries, the weights, the ONNX session) and a run embeds
in several places: the document shards, the topic names, the embedding model's word
choice. Each asks :func:`loaded_embedder` and the first one loads; the others get the
same fitted :class:`SentenceEmbedder`. A process loads a model at most once per
identity; under Dask each worker process loads its own once (nothing loaded travels,
see :class:`vectors.encoder.LazyEncoder`).

The identity is everything that makes a different embedder: the model's files (their
fingerprint, so a name and the path it resolves to are one model), every setting,
and, for a backend that builds a model file, the directory it is cached in (a run
with another store still finds, or writes, the built model there).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from topicflow.pipelines.vectors.identity import DEFAULT_MODEL, model_fingerprint, resolve_model

_loaded: dict[tuple, Any] = {}  # identity -> fitted SentenceEmbedder
# Held while loading, so two threads that miss together load once, not twice.
_loading = threading.Lock()


def loaded_embedder(params: dict[str, Any], model_cache: str | Path | None = None):
    """The fitted embedder for ``params`` (:meth:`EmbedderConfig.estimator_params`),
    loaded on first use in this process and shared afterwards."""
    key = _identity(params, model_cache)
    with _loading:
        embedder = _loaded.get(key)
        if embedder is None:
            from topicflow.pipelines.vectors.embedder import SentenceEmbedder

            embedder = SentenceEmbedder(**params, model_cache=model_cache).fit()
            _loaded[key] = embedder  # only once loaded: a failure is retried next time
            if embedder.fallback_:
                # It is also the torch embedder of these settings, which the run asks for
                # next: its shards embed with the backend it decided on (torch now).
                torch = _identity({**params, "backend": embedder.backend_}, None)
                _loaded.setdefault(torch, embedder)
    return embedder


def forget_loaded() -> None:
    """Drop every loaded embedder (their memory goes when nothing else holds them)."""
    with _loading:
        _loaded.clear()


def _identity(params: dict[str, Any], model_cache: str | Path | None) -> tuple:
    model = params.get("model", DEFAULT_MODEL)
    fingerprint = model_fingerprint(str(resolve_model(model)))
    # torch reads nothing from the model cache, so every store shares its loaded model.
    directory = None if params.get("backend") == "torch" else model_cache
    settings = tuple(sorted((k, v) for k, v in params.items() if k != "model"))
    return fingerprint, settings, None if directory is None else str(Path(directory))
