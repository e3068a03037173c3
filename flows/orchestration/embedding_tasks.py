"""The embedding branch's tasks: one backend decision per run, then the shards, each
through the embedding cache, merged back into one ``embed`` stage."""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from prefect import get_run_logger

from topicflow.flows.app.progress import progress_reporter
from topicflow.flows.orchestration.staged import Clock, Staged, not_an_input_error, task
from topicflow.pipelines.config import EmbedderConfig
from topicflow.pipelines.io.disk_array import disk_array, release
from topicflow.pipelines.io.store import cache_dir
from topicflow.pipelines.vectors.cache import EmbeddingCache
from topicflow.pipelines.vectors.embedder import BackendFallbackWarning, embed_once
from topicflow.pipelines.vectors.identity import embedding_identity
from topicflow.pipelines.vectors.loaded import loaded_embedder


@task(name="embed-backend")
def embedding_backend(
    config: EmbedderConfig, store: Path
) -> Staged[tuple[EmbedderConfig, str | None]]:
    """The embedder settings every shard of the run uses, and why it fell back, if it did.

    Loading the model decides the backend: the configured one, or torch when it cannot
    run here (loading builds the int8 model on first use in a store, once: shards and runs
    that need it meanwhile wait for it). Decided once, here, so that a run never embeds
    some shards with one backend and some with another.
    """
    clock = Clock("embed")
    # The run says it in its own log, below: not also as a Python warning on stderr.
    warnings.filterwarnings("ignore", category=BackendFallbackWarning)
    embedder = loaded_embedder(config.estimator_params(), cache_dir(store, "models"))
    if embedder.fallback_:
        get_run_logger().warning("embed: %s for every shard of this run", embedder.fallback_)
    decided = config.model_copy(update={"backend": embedder.backend_})
    return clock.staged((decided, embedder.fallback_))


@task(name="embed-shard", retries=1, retry_condition_fn=not_an_input_error)
def embed_shard(
    texts: list[str], config: EmbedderConfig, store: Path, shard: str
) -> Staged[tuple[np.ndarray, int]]:
    """Embed one shard with the run's backend (``config.backend``) through the cache:
    (vectors, cache hits). Texts another run is embedding are waited for and read."""
    logger = get_run_logger()
    clock = Clock("embed")

    def embedder():
        # Loaded once per process: the other shards and the topic names reuse it.
        loaded = loaded_embedder(config.estimator_params(), cache_dir(store, "models"))
        if loaded.backend_ != config.backend:  # never one shard on another backend
            raise RuntimeError(
                f"embed {shard}: this run embeds with the {config.backend} backend, "
                f"which cannot run in this process: {loaded.fallback_}"
            )
        return loaded

    if config.cache:
        cache = cache_view(config, store)
        progress = progress_reporter(logger, f"embed {shard}", len(texts))
        vectors, hits = embed_once(texts, cache, embedder, progress)
    else:
        vectors, hits = embedder().transform(texts), 0
    if hits == len(texts):
        logger.info("embed %s: all %s documents from the cache", shard, f"{len(texts):,}")
    else:
        logger.info(
            "embed %s: %s documents, %s from the cache (%s backend)",
            shard,
            f"{len(texts):,}",
            f"{hits:,}",
            config.backend,
        )
    return clock.staged((vectors, hits))


def backend_undecided(texts: list[str], config: EmbedderConfig, store: Path) -> bool:
    """Whether the run must load the model to learn which backend runs: not for torch
    (always there), nor when every text is in the cache (a re-run loads no model)."""
    if config.backend == "torch":
        return False
    if not config.cache:
        return True
    return not cache_view(config, store).holds([EmbeddingCache.text_key(t) for t in texts])


def cache_view(config: EmbedderConfig, store: Path) -> EmbeddingCache:
    """This process's view of the embedding cache of ``config``'s settings."""
    identity = embedding_identity(**config.identity_params())
    return EmbeddingCache.shared(cache_dir(store, "embeddings") / identity)


def shard_results(
    texts: list[str], size: int, submit: Callable[[list[str], str], Any], window: int | None
) -> Iterator[Staged]:
    """Each shard's result (``submit(texts, label)`` returns its future), in order, with at
    most ``window`` shards submitted and not yet read (None: all at once). A future is
    let go once read, so only the caller keeps what it took from it."""
    starts = deque(range(0, len(texts), size))

    def submit_next() -> Any:
        i = starts.popleft()
        return submit(texts[i : i + size], f"{i // size + 1}")

    running = deque(submit_next() for _ in range(min(window or len(starts), len(starts))))
    while running:
        result = running.popleft().result()
        if starts:
            running.append(submit_next())
        yield result


def merge_shards(
    shards: Iterable[Staged[tuple]],
    n_documents: int,
    cached: bool,
    decision: Staged | None = None,
    directory: Path | None = None,
) -> Staged[np.ndarray]:
    """One ``embed`` stage from its shards, in order (and the backend decision before
    them, if any): the vectors, first start to last end. Each shard's block is copied into
    place as it is read, so the run holds the vectors once, not the shards and then their
    stack (1.5 GB each for a million documents). With a ``directory``, the vectors are
    kept in a file there (:func:`disk_array`), not in the process's memory."""
    vectors, at, hits, timings = None, 0, 0, []
    for shard in shards:
        block, found = shard.value
        if vectors is None:
            shape = (n_documents, block.shape[1])
            vectors = (
                disk_array(shape, np.float32, directory)
                if directory
                else np.empty(shape, np.float32)
            )
        vectors[at : at + len(block)] = block
        release(vectors)  # written: the page cache holds them now
        at, hits = at + len(block), hits + found
        timings.append(replace(shard, value=None))
    if vectors is None or at != n_documents:
        raise ValueError(f"the shards hold {at} vectors for {n_documents} documents")
    outcome = None
    if cached:
        outcome = "hit" if hits == n_documents else "miss" if hits == 0 else "partial"
    parts = [*timings, *([decision] if decision else [])]
    started = min(s.started_at for s in parts)
    finished = max(s.finished_at for s in parts)
    # After the decision, from the first shard's start to the last one's end (they overlap).
    span = _epoch(max(s.finished_at for s in timings)) - _epoch(min(s.started_at for s in timings))
    seconds = max(span, max(s.seconds for s in timings)) + (decision.seconds if decision else 0.0)
    return Staged(vectors, started, finished, seconds, outcome)


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()
