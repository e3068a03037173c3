"""One rule picks every model's number of topics: a cut of the model's topic tree.

Every family fits leaf topics and merges them into a tree (:mod:`.tree`); any
number of topics up to the leaves is a cut of it. The rule scores each cut from
``min_topics`` to ``max_topics`` the same way for every model, on the shared
reference:

1. each topic is described by the words its documents share (the top-10 class
   TF-IDF words of the documents it claims), not by the model's own word weights:
   a topic that absorbs the documents of several themes keeps coherent-looking words
   of its own, while the words of its documents show the mixture;
2. the cut's score is the mean NPMI of those words, each topic weighted by its
   documents;
3. a cut is *admissible* when no topic holds more than ``max_topic_share`` of the
   documents (a topic holding a quarter of a corpus tells an analyst little; the
   tree keeps the coarser view one level up) and its topic diversity is at least
   ``min_diversity`` (topics that repeat each other's words are one topic);
4. the chosen count is the *smallest* admissible one whose score is within
   ``tolerance`` of the best admissible score. Past the data's own granularity,
   splitting a theme into sub-themes keeps the score flat (their words still
   co-occur), so the tolerance makes the choice parsimonious instead of arbitrary.

When no cut is admissible, the one with the smallest largest topic is taken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from topicflow.pipelines.evaluate.coherence import topic_diversity, weighted_mean
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.topicset import UNASSIGNED
from topicflow.pipelines.models.words import class_tfidf, top_terms

if TYPE_CHECKING:
    from topicflow.pipelines.models.base import PreparedCorpus
    from topicflow.pipelines.models.tree import TopicTree

SCORE_WORDS = 10


def level_quality(
    tree: TopicTree, leaf_assignments: np.ndarray, corpus: PreparedCorpus, counts: list[int]
) -> list[dict[str, Any]]:
    """Score, diversity and largest topic share of the tree cut at each of ``counts``."""
    n_documents = max(len(leaf_assignments), 1)
    described = []
    for k in counts:
        labels = cut_assignments(tree, leaf_assignments, k)
        words, _ = top_terms(class_tfidf(corpus.counts, labels, k), corpus.vocabulary, SCORE_WORDS)
        sizes = np.bincount(labels[labels != UNASSIGNED], minlength=k)
        described.append((k, words, sizes))
    # One coherence pass for every cut: gensim counts the windows once for all topics.
    npmi = corpus.reference.npmi([w for _, words, _ in described for w in words])
    levels, start = [], 0
    for k, words, sizes in described:
        scores = npmi[start : start + k]
        start += k
        levels.append(
            {
                "n_topics": k,
                "npmi": round(weighted_mean(scores, sizes), 6),
                "diversity": round(topic_diversity(words), 6),
                "largest_share": round(float(sizes.max(initial=0)) / n_documents, 6),
            }
        )
    return levels


def choose_level(
    tree: TopicTree, leaf_assignments: np.ndarray, corpus: PreparedCorpus, config: GranularityConfig
) -> tuple[int, list[dict[str, Any]]]:
    """The rule of the module docstring: the chosen count and every cut's numbers."""
    top = min(config.max_topics, tree.n_leaves)
    counts = list(range(min(config.min_topics, top), top + 1))
    levels = level_quality(tree, leaf_assignments, corpus, counts)
    admissible = [
        level
        for level in levels
        if level["largest_share"] <= config.max_topic_share
        and level["diversity"] >= config.min_diversity
        and np.isfinite(level["npmi"])
    ]
    if admissible:
        best = max(level["npmi"] for level in admissible)
        chosen = next(lv for lv in admissible if lv["npmi"] >= best - config.tolerance)
    else:
        chosen = min(levels, key=lambda lv: (lv["largest_share"], -lv["n_topics"]))
    for level in levels:
        level["chosen"] = level is chosen
    return chosen["n_topics"], levels


def cut_assignments(tree: TopicTree, leaf_assignments: np.ndarray, n_topics: int) -> np.ndarray:
    """Each document's topic at the cut: the topic its leaf falls in (unassigned stays)."""
    groups = tree.partition(n_topics)
    leaves = np.asarray(leaf_assignments)
    return np.where(leaves == UNASSIGNED, UNASSIGNED, groups[np.maximum(leaves, 0)])
