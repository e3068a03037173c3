"""Levels of the topic trees: the one level every model is reported at, and the levels
each model's tree is shown at (``tree.json``).

Every model's tree can be cut at any number of topics up to its leaves. Models are
reported and compared at one *matched* count: the smallest count, from the smallest
count the *leading* models chose up to the largest count any model chose, that every
model has leaves for, that every model's rule finds admissible (no catch-all, diverse
words) and at which no model has a topic above ``max_topic_share`` of the documents (if
no count has that, the smallest admissible one).

The leading models are those that can only cut their tree (the embedding model): a
mixture family fits the matched count afresh (:mod:`..models.mixture`), so it reads
as well at any count, while a cut coarser than a tree's own choice merges its topics
(20 Newsgroups: the embedding model's 31 topics cut to 20 made its largest topic 1.8x
the largest newsgroup). With only mixture families, all of them lead. The smallest,
because fewer and broader topics are what an analyst reads first (BBC News: 20 topics
for 5 sections rather than 38); the finer levels stay one click down the tree. When no
count suits every model, each keeps its own choice.
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


def matched_levels(
    models: Mapping[str, TopicModel], granularity: GranularityConfig
) -> dict[str, int]:
    """The count each model is reported at (see the module docstring): the matched one,
    or each model's own choice when ``match_levels`` is off or no count suits all."""
    own = {name: model.preferred_ for name, model in models.items()}
    if not granularity.match_levels or len(models) < 2:
        return own
    leaders = [m.preferred_ for m in models.values() if not m.refits_levels] or own.values()
    top = min(max(own.values()), *(model.n_grown_leaves_ for model in models.values()))
    admitted = [
        k
        for k in range(max(min(leaders), 1), top + 1)
        if all(_admissible(model, k, granularity) for model in models.values())
    ]
    small_topics = [
        k
        for k in admitted
        if all(_largest_share(model, k) <= granularity.max_topic_share for model in models.values())
    ]
    target = next(iter(small_topics or admitted), None)
    return own if target is None else {name: target for name in models}


def match_levels(
    models: Mapping[str, TopicModel], corpus: PreparedCorpus, granularity: GranularityConfig
) -> dict[str, int]:
    """Report every model at its :func:`matched_levels` count (a model already set to
    that count is left as it is); returns each model's level."""
    for name, k in matched_levels(models, granularity).items():
        model = models[name]
        if getattr(model, "requested_level_", None) != k:
            model.set_level(k, corpus)
    return {name: model.level_ for name, model in models.items()}


def _admissible(model: TopicModel, k: int, granularity: GranularityConfig) -> bool:
    """Whether the model's rule admits ``k`` topics (a model whose count was fixed admits
    any count up to its leaves: it has no rule to consult)."""
    if model.levels_ is None:
        return k <= model.n_grown_leaves_
    level = next((lv for lv in model.levels_ if lv["n_topics"] == k), None)
    return level is not None and is_admissible(level, granularity)


def _largest_share(model: TopicModel, k: int) -> float:
    """The largest topic's share of the documents at ``k`` topics, as the model's rule
    scored the cut (0 for a model without a rule: nothing to go by)."""
    level = next((lv for lv in model.levels_ or () if lv["n_topics"] == k), None)
    return 0.0 if level is None else level["largest_share"]


def level_facts(model: TopicModel, corpus: PreparedCorpus) -> dict[str, Any]:
    """For ``metrics.json``: the leaves, the count the model's rule chose, the count the
    run asked it for (a mixture family reports fewer when its fit there has background or
    generic topics), and each cut's quality (every cut the rule scored; the shown levels
    when the count was fixed)."""
    levels = model.levels_
    if levels is None and not model.tree_.n_leaves:
        levels = []  # no topics: no cut to score
    elif levels is None:
        shown = ladder(model.level_, model.tree_.n_leaves)
        levels = level_quality(model.tree_, model.leaf_assignments_, corpus, shown)
    return {
        "n_leaves": model.tree_.n_leaves,
        "n_topics_preferred": model.preferred_,
        "n_topics_requested": model.requested_level_,
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
