"""Levels of the topic trees: the one level every model is reported at, and the levels
each model's tree is shown at (``tree.json``).

Every model's tree can be cut at any number of topics up to its leaves. Models are
reported and compared at one *matched* count: the finest of the counts their rules
chose, as far as every model has that many leaves, and then the largest count at or
below it that every model's rule finds admissible (no catch-all, diverse words).
The finest rather than the coarsest: a finer cut only splits topics, a coarser one
can merge them into a catch-all, and merged LDA and NMF topics read worse than fitted
ones (BBC News, LDA cut from 40 leaves to 10: NPMI 0.065, fitted at 10: 0.125;
matched at the smallest of the choices, 20 topics, LDA read 0.071 against 0.131 at the
finest, 38); the coarser views stay one level up in the tree. When no count suits
every model, each keeps its own choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from topicflow.pipelines.io.run_shapes import TopicTree as TreeShape
from topicflow.pipelines.io.run_shapes import TreeNode
from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.granularity.rule import is_admissible, level_quality
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.models.tree import cut, ladder


def match_levels(
    models: Mapping[str, TopicModel], corpus: PreparedCorpus, granularity: GranularityConfig
) -> dict[str, int]:
    """Set every model to the matched level (see the module docstring); returns each
    model's level. With ``match_levels`` off, each keeps the level its rule chose."""
    if granularity.match_levels and len(models) > 1:
        finest = max(model.preferred_ for model in models.values())
        top = min(finest, *(model.tree_.n_leaves for model in models.values()))
        suits_all = (
            k
            for k in range(top, 0, -1)
            if all(_admissible(model, k, granularity) for model in models.values())
        )
        target = next(suits_all, None)
        for model in models.values():
            k = model.preferred_ if target is None else target
            if model.level_ != k:
                model.set_level(k, corpus)
    return {name: model.level_ for name, model in models.items()}


def _admissible(model: TopicModel, k: int, granularity: GranularityConfig) -> bool:
    """Whether the model's rule admits ``k`` topics (a model whose count was fixed admits
    any count up to its leaves: it has no rule to consult)."""
    if model.levels_ is None:
        return k <= model.tree_.n_leaves
    level = next((lv for lv in model.levels_ if lv["n_topics"] == k), None)
    return level is not None and is_admissible(level, granularity)


def level_facts(model: TopicModel, corpus: PreparedCorpus) -> dict[str, Any]:
    """For ``metrics.json``: the leaves, the count the model's rule chose, and each cut's
    quality (every cut the rule scored; the shown levels when the count was fixed)."""
    levels = model.levels_
    if levels is None and not model.tree_.n_leaves:
        levels = []  # no topics: no cut to score
    elif levels is None:
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
    topics = cut(model.tree_.partition(finest), model.leaf_assignments_)
    return np.where(topics == UNASSIGNED, UNASSIGNED, topics + offset)
