"""Reduce embeddings with UMAP and cluster them with HDBSCAN, both seeded.

UMAP with a ``random_state`` runs single-threaded and is then deterministic, so
the same embeddings and seed give the same clusters. Above ``fit_sample`` documents
(20,000 by default) UMAP is fitted on a seeded sample of that many and applied to the
rest, for the clustering and for the document map alike: the neighbour graph, the
expensive part in time and memory, then grows with the sample, not the corpus.

HDBSCAN's ``min_cluster_size: auto`` (the default) is 10 documents up to 20,000 and a
2,000th of the corpus above: with a fixed 10, the leaf clusters grew with the corpus
(185 on 20 Newsgroups, 660 on 200,000 sentences), and with them the topic tree (its
merging is cubic in the leaves), the names of every level and the report, for topics of
0.005 % of the documents that no analyst reads. ``min_samples`` (the density estimate)
stays at 10 then: core distances for 500 neighbours of a million points would take
gigabytes.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
from functools import cache

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.io.disk_array import release
from topicflow.pipelines.models.embedding.config import AUTO_CLUSTER_FLOOR, AUTO_CLUSTER_SHARE

# Rows UMAP maps at once after fitting on a sample (each call reseeds: deterministic).
TRANSFORM_BLOCK = 100_000


def cluster_sizes(
    min_cluster_size: int | str, min_samples: int | None, n: int
) -> tuple[int, int | None]:
    """HDBSCAN's ``min_cluster_size`` and ``min_samples`` for ``n`` documents (see the
    module docstring for ``auto``); never more than ``n``."""
    if min_cluster_size != "auto":
        return min(int(min_cluster_size), n), min_samples
    size = max(AUTO_CLUSTER_FLOOR, math.ceil(n / AUTO_CLUSTER_SHARE))
    samples = min_samples if min_samples is not None else AUTO_CLUSTER_FLOOR
    return min(size, n), min(samples, n)


@cache
def _persist_umap_kernels() -> None:
    """Have numba keep UMAP's and PyNNDescent's compiled kernels on disk.

    Neither library asks numba to cache its kernels, so every new process compiles
    them again: about 14 s of a run on BBC News, more than UMAP itself then takes, and
    from 4,096 documents, where UMAP finds neighbours with PyNNDescent, about 20 s more.
    Cached (numba's own on-disk cache, which a change of the library's code
    invalidates), they compile once per installation. The results do not change.

    Kernels that take another kernel as an argument (PyNNDescent's distance, ``dist``,
    or its ``kernel``) stay uncached: numba keys their entries by that kernel's identity
    in this process, so it would compile them anyway and store a new copy every run.
    """
    import pynndescent
    from numba.core.registry import CPUDispatcher
    from umap import distances, layouts, umap_, utils

    modules = [umap_, utils, layouts, distances]
    for found in pkgutil.iter_modules(pynndescent.__path__):
        modules.append(importlib.import_module(f"pynndescent.{found.name}"))
    for module in modules:
        for kernel in vars(module).values():
            if not isinstance(kernel, CPUDispatcher) or _takes_a_kernel(kernel):
                continue
            try:
                kernel.enable_caching()
            except (RuntimeError, OSError):  # nowhere writable to keep them: compile
                return


def _takes_a_kernel(kernel) -> bool:
    return bool({"dist", "kernel"} & set(inspect.signature(kernel.py_func).parameters))


def _umap(n_samples: int, **params):
    from umap import UMAP  # imported late: numba compiles on first import (seconds)

    _persist_umap_kernels()
    # n_neighbors must stay below the number of points UMAP sees.
    params["n_neighbors"] = max(2, min(params["n_neighbors"], n_samples - 1))
    # A seed makes UMAP run on one thread (and warn that it does, when asked for more).
    params["n_jobs"] = 1 if params.get("random_state") is not None else -1
    return UMAP(**params)


class EmbeddingClusterer(BaseEstimator):
    """UMAP to ``n_components`` dimensions, then HDBSCAN; noise points get label -1.

    Fitted state: ``reduced_`` (documents x n_components), ``labels_``,
    ``probabilities_`` (HDBSCAN membership strength), ``reducer_``, ``clusterer_``.
    """

    def __init__(
        self,
        *,
        n_neighbors: int = 30,
        n_components: int = 5,
        min_dist: float = 0.0,
        metric: str = "cosine",
        fit_sample: int | None = None,
        min_cluster_size: int | str = "auto",
        min_samples: int | None = None,
        selection_method: str = "eom",
        random_state: int | None = None,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_dist = min_dist
        self.metric = metric
        self.fit_sample = fit_sample
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.selection_method = selection_method
        self.random_state = random_state

    def fit(self, embeddings: np.ndarray, y=None) -> EmbeddingClusterer:
        embeddings = np.asarray(embeddings, dtype=np.float32)
        n = len(embeddings)
        if n < 3:
            raise ValueError(f"clustering needs at least 3 documents, got {n}")
        sample = sample_rows(n, self.fit_sample, self.random_state)
        reducer = _umap(
            len(sample),
            n_neighbors=self.n_neighbors,
            n_components=min(self.n_components, len(sample) - 2),
            min_dist=self.min_dist,
            metric=self.metric,
            random_state=self.random_state,
        )
        reduced = _reduce(reducer, embeddings, sample)
        size, samples = cluster_sizes(self.min_cluster_size, self.min_samples, n)
        clusterer = _hdbscan(size, samples, self.selection_method)
        self.min_cluster_size_ = size
        self.labels_ = clusterer.fit_predict(reduced).astype(np.int64)
        self.probabilities_ = np.asarray(clusterer.probabilities_, dtype=np.float64)
        self.reduced_ = np.asarray(reduced, dtype=np.float32)
        self.reducer_ = reducer
        self.clusterer_ = clusterer
        return self

    def soft_membership(self) -> np.ndarray:
        """Documents x clusters membership probabilities (HDBSCAN soft clustering)."""
        import hdbscan

        check_is_fitted(self, "clusterer_")
        if self.labels_.max() < 0:
            return np.zeros((len(self.labels_), 0))
        vectors = hdbscan.all_points_membership_vectors(self.clusterer_)
        return np.asarray(vectors, dtype=np.float64).reshape(len(self.labels_), -1)


def _hdbscan(min_cluster_size: int, min_samples: int | None, selection_method: str):
    import hdbscan

    return hdbscan.HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_method=selection_method,
        prediction_data=True,
        # Its default, 4, computes the core distances of more than 16,384 points in 4
        # joblib worker processes that then idle for the rest of the run, 830 MB of
        # them, to save nothing: in one process 0.5 s on 18,657 5-d points, in four
        # 3.4 s (they start cold).
        core_dist_n_jobs=1,
    )


def sample_rows(n: int, fit_sample: int | None, random_state: int | None) -> np.ndarray:
    """The rows UMAP is fitted on: all of them, or a seeded sample of ``fit_sample``."""
    if not fit_sample or n <= fit_sample:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=fit_sample, replace=False))


def _reduce(reducer, data: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``reducer`` fitted on ``rows`` of ``data``, and every row mapped (``data``'s pages
    let go of as they are read, when it is on disk: :func:`release`)."""
    if len(rows) == len(data):
        reduced = reducer.fit_transform(data)
        release(data)
        return reduced
    reducer.fit(data[rows])
    release(data)
    # A block at a time: UMAP's transform holds about 2 KB per row while it optimises
    # (neighbours, graph, epoch schedules), 2 GB at once for a million documents.
    blocks = []
    for start in range(0, len(data), TRANSFORM_BLOCK):
        blocks.append(reducer.transform(data[start : start + TRANSFORM_BLOCK]))
        release(data)
    return np.concatenate(blocks)


def document_map(
    reduced: np.ndarray,
    random_state: int | None,
    n_neighbors: int = 15,
    fit_sample: int | None = None,
) -> np.ndarray:
    """2-D coordinates for the report's document map, from the already reduced vectors
    (the 2-D UMAP fitted on ``fit_sample`` of them, as the first, when there are more)."""
    if len(reduced) < 4:
        return np.zeros((len(reduced), 2), dtype=np.float32)
    rows = sample_rows(len(reduced), fit_sample, random_state)
    reducer = _umap(
        len(rows),
        n_neighbors=n_neighbors,
        n_components=2,
        min_dist=0.1,
        random_state=random_state,
    )
    return np.asarray(_reduce(reducer, reduced, rows), dtype=np.float32)
