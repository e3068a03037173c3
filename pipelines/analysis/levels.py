"""Levels of the topic trees: the one level every model is reported at, and the levels
each model's tree is shown at (``tree.json``).

Every model's tree can be cut at any number of topics up to its leaves. Models are
reported and compared at a *matched* level: the finest of the counts their rules
chose, each model capped at its own leaves (the nearest level it has). The finest,
not the coarsest: cutting a model coarser than its own rule chose could merge topics
into a catch-all, while a finer cut only splits them, and the coarser views stay one
level up in the tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from topicflow.pipelines.io.run_shapes import TopicTree as TreeShape
from topicflow.pipelines.io.run_shapes import TreeNode
from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.granularity.rule import level_quality
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.models.tree import ladder


def match_levels(
    models: Mapping[str, TopicModel], corpus: PreparedCorpus, granularity: GranularityConfig
) -> dict[str, int]:
    """Set every model to the matched level (see the module docstring); returns each
    model's level. With ``match_levels`` off, each keeps the level its rule chose."""
    if granularity.match_levels and len(models) > 1:
        target = max(model.preferred_ for model in models.values())
        for model in models.values():
            if model.level_ != min(target, model.tree_.n_leaves):
                model.set_level(target, corpus)
    return {name: model.level_ for name, model in models.items()}


def level_facts(model: TopicModel, corpus: PreparedCorpus) -> dict[str, Any]:
    """For ``metrics.json``: the leaves, the count the model's rule chose, and each cut's
    quality (every cut the rule scored; the shown levels when the count was fixed)."""
    levels = model.levels_
    if levels is None:
        shown = ladder(model.level_, model.tree_.n_leaves)
        levels = level_quality(model.tree_, model.leaf_assignments_, corpus, shown)
    return {
        "n_leaves": model.tree_.n_leaves,
        "n_topics_preferred": model.preferred_,
        "levels": levels,
    }


def tree_levels(model: TopicModel, corpus: PreparedCorpus) -> dict[int, TopicSet]:
    """The model's topics at every level its tree is shown at (:func:`models.tree.ladder`),
    coarsest first; the reported level is the model's ``topics_`` itself."""
    levels = ladder(model.level_, model.tree_.n_leaves)
    return {k: model.topics_ if k == model.level_ else model.topics_at(k, corpus) for k in levels}


def tree_shape(model: TopicModel, levels: Mapping[int, TopicSet]) -> TreeShape:
    """``tree.json``'s entry for ``model``: every level's topics as nodes with their
    parent (at the next coarser level) and children (at the next finer one)."""
    counts = sorted(levels)
    offsets = dict(zip(counts, np.cumsum([0, *counts[:-1]]).tolist(), strict=True))
    partitions = {k: model.tree_.partition(k) for k in counts}
    nodes: list[TreeNode] = []
    for i, k in enumerate(counts):
        topics = levels[k]
        coarser = counts[i - 1] if i else None
        finer = counts[i + 1] if i + 1 < len(counts) else None
        names = topics.names or [None] * topics.n_topics
        for topic, (words, size) in enumerate(zip(topics.words, topics.sizes(), strict=True)):
            leaves = partitions[k] == topic
            parent = None
            if coarser is not None:
                parent = offsets[coarser] + int(partitions[coarser][leaves][0])
            children = []
            if finer is not None:
                children = sorted(offsets[finer] + int(c) for c in set(partitions[finer][leaves]))
            nodes.append(
                TreeNode(
                    id=offsets[k] + topic,
                    level=k,
                    parent=parent,
                    children=children,
                    size=size,
                    words=words,
                    name=names[topic],
                    topic=topic if k == model.level_ else None,
                )
            )
    return TreeShape(levels=counts, reported=model.level_, preferred=model.preferred_, nodes=nodes)


def leaf_nodes(model: TopicModel, tree: TreeShape) -> np.ndarray:
    """Each document's node at the finest level of ``tree`` (``UNASSIGNED`` kept): the
    node of its leaf topic (the finest level is the leaves, numbered as the tree cut
    there numbers them)."""
    finest = max(tree.levels)
    offset = min(node.id for node in tree.nodes if node.level == finest)
    leaves = np.asarray(model.leaf_assignments_)
    topic = model.tree_.partition(finest)[np.maximum(leaves, 0)]
    return np.where(leaves == UNASSIGNED, UNASSIGNED, topic + offset)
