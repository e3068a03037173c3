"""Topic trees: a model's finest topics (its *leaves*) merged bottom-up into nested levels.

Every model family fits fine-grained leaf topics and describes each by one or more
*profiles*: additive rows (a topic's word counts, its probability mass over words,
the sum of its documents' vectors) and a view of a row that two topics are compared
in: a unit vector (their distance is one minus the cosine) or a centroid in a space of
its own (the squared Euclidean distance, e.g. in the space the leaves were clustered
in). Merging two topics adds their rows, so a merged topic is described by its own
words and centroid, not by its children's (BERTopic's ``hierarchical_topics`` links on
the leaves' c-TF-IDF once and never looks at the merged topics).

The merge order is Ward's criterion on these distances: at each step the pair whose
merge adds the least spread, ``n_a * n_b / (n_a + n_b) * distance`` (``n``:
documents), is merged (for unit vectors ``1 - cosine`` is half their squared Euclidean
distance; the merged topic's view is that of its summed rows, so this is Ward-like rather
than Ward's exact update, and several profiles' distances are averaged). Plain "nearest
first" lets a large, generic topic attract everything near it and grow into a
catch-all; Ward's size factor makes large topics merge last, so every level stays
balanced where the data allows it.

Cutting the tree at ``k`` topics undoes the last ``k - 1`` merges; cuts at different
``k`` are nested by construction, which is what lets the report move between levels
and a document's topic at any level be the ancestor of its leaf.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.preprocessing import normalize

View = Callable[[np.ndarray], np.ndarray]  # additive rows -> the rows compared


@dataclass(frozen=True)
class Profile:
    """One description of the leaves: additive ``rows`` (leaves x features), the ``view``
    two rows are compared in and the ``distance`` between two views: ``cosine`` (one
    minus their dot product; the view gives unit rows) or ``squared_euclidean`` (the
    view gives centroids, e.g. :func:`centroid_view`)."""

    rows: np.ndarray
    view: View
    distance: Literal["cosine", "squared_euclidean"] = "cosine"

    def __post_init__(self) -> None:
        if self.distance not in ("cosine", "squared_euclidean"):
            raise ValueError(f"unknown distance {self.distance!r}: cosine | squared_euclidean")

    def distances(self, views: np.ndarray, to: np.ndarray) -> np.ndarray:
        """Each of ``views`` (rows) to each of ``to`` (rows)."""
        if self.distance == "cosine":
            return 1.0 - views @ to.T
        squared = (views**2).sum(axis=1)[:, None] + (to**2).sum(axis=1)[None, :]
        return np.maximum(squared - 2.0 * views @ to.T, 0.0)


def centroid_rows(points: np.ndarray, leaves: np.ndarray, n_leaves: int) -> np.ndarray:
    """Additive rows for :func:`centroid_view`: each leaf's sum of its documents' points
    (``leaves``: each document's leaf, negative for none) and, last, their count."""
    points, leaves = np.asarray(points, dtype=np.float64), np.asarray(leaves)
    placed = leaves >= 0
    rows = np.zeros((n_leaves, points.shape[1] + 1))
    np.add.at(rows[:, :-1], leaves[placed], points[placed])
    rows[:, -1] = np.bincount(leaves[placed], minlength=n_leaves)
    return rows


def centroid_view(rows: np.ndarray) -> np.ndarray:
    """The mean point of each leaf, from :func:`centroid_rows` (an empty leaf: the origin)."""
    rows = np.asarray(rows, dtype=np.float64)
    counts = np.maximum(rows[:, -1:], 1.0)
    return rows[:, :-1] / counts


def in_median_units(profile: Profile) -> Profile:
    """A squared-Euclidean ``profile`` rescaled so that the median distance between two of
    its leaves is 1: distances in a space of arbitrary units (UMAP's) can then be averaged
    with cosine distances, whose median between leaves is of that order (0.5-0.8 between
    the embedding model's leaves on the benchmark corpora)."""
    if profile.distance != "squared_euclidean":
        raise ValueError("only a squared_euclidean profile has units to rescale")
    views = profile.view(profile.rows)
    distances = profile.distances(views, views)[np.triu_indices(len(views), 1)]
    apart = distances[distances > 0]
    # Most leaves at one point (a median of 0): the typical distance of those apart.
    typical = float(np.median(distances)) if len(distances) else 0.0
    typical = typical if typical > 0 else float(apart.mean()) if len(apart) else 1.0
    scale = np.sqrt(typical)
    view = profile.view
    return Profile(profile.rows, lambda rows: view(rows) / scale, profile.distance)


def unit_view(rows: np.ndarray) -> np.ndarray:
    """Cosine similarity of the rows themselves (centroid sums, weighted counts)."""
    return normalize(np.asarray(rows, dtype=np.float64))


def distribution_view(rows: np.ndarray) -> np.ndarray:
    """The Bhattacharyya coefficient of the rows as distributions (1 - Hellinger^2):
    the cosine of their square roots. Unlike the cosine of raw probabilities it is not
    dominated by the few words every topic uses most."""
    rows = np.asarray(rows, dtype=np.float64)
    totals = rows.sum(axis=1, keepdims=True)
    shares = np.divide(rows, totals, out=np.zeros_like(rows), where=totals > 0)
    return np.sqrt(shares)


def weighted_view(weights: np.ndarray) -> View:
    """Cosine after scaling each column (e.g. by a word's idf over the leaves)."""
    weights = np.asarray(weights, dtype=np.float64)
    return lambda rows: normalize(np.asarray(rows, dtype=np.float64) * weights)


@dataclass(frozen=True)
class TopicTree:
    """The merge history of ``n_leaves`` leaf topics.

    Node ids follow scipy's linkage convention: leaves are ``0..n_leaves-1`` and merge
    ``s`` makes node ``n_leaves + s`` from ``merges[s]``. ``sizes`` are the leaves'
    document counts (they order the topics of a cut, largest first).
    """

    n_leaves: int
    merges: tuple[tuple[int, int], ...]
    distance: tuple[float, ...]  # the merged pair's distance at each step
    sizes: tuple[int, ...]

    def partition(self, n_topics: int) -> np.ndarray:
        """Each leaf's topic when the tree is cut at ``n_topics`` topics (clipped to
        ``1..n_leaves``), topics numbered by decreasing size (ties: lowest leaf first)."""
        if not self.n_leaves:
            return np.empty(0, dtype=np.int64)
        k = min(max(int(n_topics), 1), self.n_leaves)
        root = list(range(self.n_leaves))  # union-find over the leaves

        def find(i: int) -> int:
            while root[i] != i:
                root[i] = root[root[i]]
                i = root[i]
            return i

        first_leaf = [self._first_leaf(node) for node in range(self.n_leaves + len(self.merges))]
        for a, b in self.merges[: self.n_leaves - k]:
            ra, rb = find(first_leaf[a]), find(first_leaf[b])
            root[max(ra, rb)] = min(ra, rb)
        groups = np.array([find(i) for i in range(self.n_leaves)])
        sizes = np.bincount(groups, weights=np.asarray(self.sizes, dtype=float))
        order = sorted(set(groups.tolist()), key=lambda g: (-sizes[g], g))
        number = {g: i for i, g in enumerate(order)}
        return np.array([number[g] for g in groups.tolist()], dtype=np.int64)

    def _first_leaf(self, node: int) -> int:
        while node >= self.n_leaves:
            node = self.merges[node - self.n_leaves][0]
        return node


def cut(groups: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """Documents' topics at a cut: the topic ``groups`` gives each one's leaf
    (``UNASSIGNED``, -1, stays)."""
    leaves, groups = np.asarray(leaves), np.asarray(groups)
    if not len(groups):  # no topics at all (e.g. HDBSCAN found no cluster)
        return np.full(len(leaves), -1, dtype=np.int64)
    return np.where(leaves < 0, leaves, groups[np.maximum(leaves, 0)])


def build_tree(
    profiles: Sequence[Profile], sizes: Sequence[float], within: Sequence[int] | None = None
) -> TopicTree:
    """Merge the leaves by Ward's criterion on the mean distance over ``profiles``.

    ``within`` (a group per leaf) constrains the order: leaves of one group merge with
    each other before any two groups merge, so cutting the tree at the number of groups
    gives exactly the groups (a mixture model's fitted level, :mod:`.mixture`)."""
    sizes = np.asarray(sizes, dtype=np.float64)
    n = len(sizes)
    if any(len(p.rows) != n for p in profiles):
        raise ValueError("every profile needs one row per leaf")
    group = np.zeros(n, dtype=np.int64) if within is None else np.asarray(within, dtype=np.int64)
    if len(group) != n:
        raise ValueError("within needs one group per leaf")
    separate = len(set(group.tolist()))  # groups not yet merged with another
    if n == 0:
        return TopicTree(n_leaves=0, merges=(), distance=(), sizes=())
    rows = [np.array(p.rows, dtype=np.float64) for p in profiles]
    views = [p.view(r) for p, r in zip(profiles, rows, strict=True)]
    distance = (
        np.mean([p.distances(v, v) for p, v in zip(profiles, views, strict=True)], axis=0)
        if views
        else np.ones((n, n))
    )
    weight = np.maximum(sizes, 1.0)  # an empty leaf still merges somewhere
    node = list(range(n))  # the tree node each active slot currently holds
    active = np.ones(n, dtype=bool)
    merges, merged_distance = [], []
    for step in range(n - 1):
        pair = weight[:, None] * weight[None, :] / (weight[:, None] + weight[None, :])
        cost = pair * distance
        cost[~active, :] = np.inf
        cost[:, ~active] = np.inf
        np.fill_diagonal(cost, np.inf)
        if active.sum() > separate:  # some group still has two nodes: merge within groups
            cost[group[:, None] != group[None, :]] = np.inf
        else:
            separate -= 1
        a, b = np.unravel_index(int(np.argmin(cost)), cost.shape)
        a, b = (int(a), int(b)) if a < b else (int(b), int(a))
        merges.append((node[a], node[b]))
        merged_distance.append(round(float(distance[a, b]), 6))
        # Slot a holds the merged topic, slot b retires.
        for r in rows:
            r[a] += r[b]
        weight[a] += weight[b]
        active[b] = False
        node[a] = n + step
        if views:
            fresh = [p.view(r[a : a + 1])[0] for p, r in zip(profiles, rows, strict=True)]
            for v, f in zip(views, fresh, strict=True):
                v[a] = f
            distance[a] = distance[:, a] = np.mean(
                [
                    p.distances(v, f[None, :])[:, 0]
                    for p, v, f in zip(profiles, views, fresh, strict=True)
                ],
                axis=0,
            )
    return TopicTree(
        n_leaves=n,
        merges=tuple(merges),
        distance=tuple(merged_distance),
        sizes=tuple(int(s) for s in sizes),
    )


def ladder(reported: int, n_leaves: int) -> list[int]:
    """The levels a tree is shown at, coarsest first: the reported count, halved down
    to 2 and doubled up to the leaves (and the leaves themselves)."""
    reported = min(max(reported, 1), n_leaves)
    levels = {reported, n_leaves}
    k = reported
    while k // 2 >= 2:
        k //= 2
        levels.add(k)
    k = reported
    while k * 2 < n_leaves:
        k *= 2
        levels.add(k)
    return sorted(levels)
