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
   documents; on documents of a few words (titles, subject lines) it is the mean
   cosine of the words' vectors in the embedding model's space instead, see below;
3. a cut is *admissible* when it has no catch-all and its topic diversity is at
   least ``min_diversity`` (topics that repeat each other's words are one topic). A
   catch-all is a topic that holds more than ``max_topic_share`` of the documents
   *and* is incoherent: split along the tree, its parts' NPMI beats its own by more
   than ``catch_all_gain``. A large topic whose parts are as coherent as itself is
   one broad theme (a corpus of three subjects has three large topics), and stays;
4. the chosen count is the *smallest* admissible one whose score is within
   ``tolerance`` of the best admissible score. Past the data's own granularity,
   splitting a theme into sub-themes keeps the score flat (their words still
   co-occur), so the tolerance makes the choice parsimonious instead of arbitrary.

When no cut is admissible, the one with the fewest catch-alls (then the smallest
largest topic) is taken.

NPMI needs a topic's words to meet in the reference's windows. In a corpus of subject
lines (median two tokens a document) most pairs of a topic's top words never meet
at all, and each such pair scores about -1, so NPMI mostly counts how sparse the
pairs are: finer topics have rarer words, and the score falls as topics get finer
whatever their quality (20 Newsgroups subject lines: the rule chose 7 topics for 20
newsgroups). So when more than ``max_unseen_pairs`` of the word pairs scored (over
every cut, weighted by documents) share no window, the cuts are scored by word
cosine (:func:`.coherence.word_cosine`, word-embedding coherence, designed for tweets)
for the choice and the tolerance. Word vectors rate generic words ("help", "question")
as alike, so a catch-all of generic words scores as coherent as its parts there; what
gives it away is that its parts are no more alike than any two topics of the corpus. So
on such a corpus a large topic is a catch-all unless the words of its two parts are
more alike (mean cosine) than those of the other pairs of topics, by more than
``catch_all_gain`` (the halves of one broad theme are; see :func:`_parts_unrelated`).
Measured
at the cuts 3-40 (README, "Short texts"): BBC News and OCTIS BBC 0-8 % such pairs, a
4,000-post 20 Newsgroups sample 0-17 %, spans of 5-40 words 3-36 %, subject lines
47-76 %: the share is a property of the corpus more than of the model, so every model
of a run lands on the same side of the threshold.

Measured (``benchmarks/results/topic_trees.md``): NPMI of the words a cut's documents
share keeps rising slowly as topics get finer, so on corpora with a few broad classes
(BBC News: 5) the rule reports more topics than the classes (the coarser levels are one
click up the tree); a document-silhouette rule picked BBC's 5 exactly but 3 or 4
topics holding up to 45 % of a 20 Newsgroups sample, so it was not adopted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from topicflow.pipelines.evaluate.coherence import WordVectors, topic_diversity, weighted_mean
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.topicset import UNASSIGNED
from topicflow.pipelines.models.tree import cut
from topicflow.pipelines.models.words import class_tfidf, top_terms

if TYPE_CHECKING:
    from topicflow.pipelines.models.base import PreparedCorpus
    from topicflow.pipelines.models.tree import TopicTree

log = logging.getLogger(__name__)

SCORE_WORDS = 10


def level_quality(
    tree: TopicTree,
    leaf_assignments: np.ndarray,
    corpus: PreparedCorpus,
    counts: list[int],
    max_topic_share: float = 1.0,
    catch_all_gain: float = 0.0,
    max_unseen_pairs: float = 1.0,
) -> list[dict[str, Any]]:
    """Each cut's numbers: its ``score`` (the coherence the rule goes by, named in
    ``measure``), NPMI, the share of its words' pairs no window holds together, diversity,
    largest topic share and how many of its topics are catch-alls.

    The score is NPMI unless more than ``max_unseen_pairs`` of the scored word pairs
    (over every cut, weighted by documents) never share a window and the corpus has an
    encoder: then it is :func:`.coherence.word_cosine` (``measure``: ``word_cosine``).

    A topic is a catch-all when it holds more than ``max_topic_share`` of the documents
    and splitting it along the tree makes its documents' words clearly more coherent:
    its two parts' score (weighted by their documents) beats its own by more than
    ``catch_all_gain``. A large topic whose parts are as coherent as itself (one broad
    theme) is not one. Scored by word cosine, the test is whether its parts are more
    alike than the cut's topics are anyway (:func:`_parts_unrelated`). Parts are looked up
    among the finer cuts in ``counts``.
    """
    n_documents = max(len(leaf_assignments), 1)
    cuts = {}
    for k in counts:
        labels = cut_assignments(tree, leaf_assignments, k)
        words, _ = top_terms(class_tfidf(corpus.counts, labels, k), corpus.vocabulary, SCORE_WORDS)
        cuts[k] = (labels, words, np.bincount(labels[labels != UNASSIGNED], minlength=k))
    # One counting pass for every cut: the windows are counted once for all topics.
    every_topic = [w for _, words, _ in cuts.values() for w in words]
    npmi, unseen = (
        _per_cut(cuts, values) for values in corpus.reference.npmi_and_unseen(every_topic)
    )
    documents = np.concatenate([sizes for _, _, sizes in cuts.values()])
    sparse = weighted_mean(np.concatenate(list(unseen.values())), documents) > max_unseen_pairs
    if sparse and corpus.encoder is None:
        log.warning(
            "most word pairs the granularity rule scores never share a window (documents of "
            "a few words), but no encoder is at hand to score them by word vectors: NPMI used"
        )
    if sparse and corpus.encoder is not None:
        vectors = WordVectors((w for words in every_topic for w in words), corpus.encoder)
        score, measure = _per_cut(cuts, [vectors.cosine(w) for w in every_topic]), "word_cosine"
        catch_all_by_parts = _parts_unrelated(vectors, cuts, catch_all_gain)
    else:
        score, measure = npmi, "npmi"
        catch_all_by_parts = _parts_gain(cuts, score, catch_all_gain)
    partitions = {k: tree.partition(k) for k in counts}

    def is_catch_all(k: int, topic: int) -> bool:
        split = _split(k, topic, partitions)
        return split is not None and catch_all_by_parts(k, topic, *split)

    levels = []
    for k, (_, words, sizes) in cuts.items():
        levels.append(
            {
                "n_topics": k,
                "measure": measure,
                "score": round(weighted_mean(score[k], sizes), 6),
                "npmi": round(weighted_mean(npmi[k], sizes), 6),
                "unseen_pairs": round(weighted_mean(unseen[k], sizes), 6),
                "diversity": round(topic_diversity(words), 6),
                "largest_share": round(float(sizes.max(initial=0)) / n_documents, 6),
                "catch_alls": sum(
                    is_catch_all(k, t)
                    for t in np.flatnonzero(sizes > max_topic_share * n_documents)
                ),
            }
        )
    return levels


def _per_cut(cuts: dict, values: list[float]) -> dict[int, np.ndarray]:
    """Values of every cut's topics, in the order of ``cuts``, split back by cut."""
    result, start = {}, 0
    for k, (_, words, _) in cuts.items():
        result[k] = np.asarray(values[start : start + len(words)], dtype=float)
        start += len(words)
    return result


def _split(k: int, topic: int, partitions: dict) -> tuple[int, list[int]] | None:
    """The first finer cut that divides ``topic`` of cut ``k`` along the tree, and the
    topics it divides it into (None: not divided within the cuts scored)."""
    leaves = partitions[k] == topic
    for finer in sorted(m for m in partitions if m > k):
        parts = sorted(set(partitions[finer][leaves].tolist()))
        if len(parts) > 1:
            return finer, parts
    return None


def _parts_gain(cuts: dict, score: dict, margin: float):
    """Catch-all by co-occurrence: its parts (weighted by documents) are more coherent
    than itself by more than ``margin``."""

    def is_catch_all(k: int, topic: int, finer: int, parts: list[int]) -> bool:
        gain = weighted_mean(score[finer][parts], cuts[finer][2][parts]) - score[k][topic]
        return bool(gain > margin)

    return is_catch_all


def _parts_unrelated(vectors: WordVectors, cuts: dict, margin: float):
    """Catch-all by word vectors: its parts are not more alike than the cut's topics are
    to each other anyway. Alike is the mean cosine between the words of two topics; the
    parts' (over their pairs, if more than two) must beat the mean over the other pairs of
    topics of the finer cut by more than ``margin``, each pair weighted by the product of
    its topics' documents.

    Word vectors rate generic words ("help", "question", "sale") as alike, so a catch-all
    of generic words scores as coherent as its parts, and any two topics of such a
    corpus look somewhat alike: the other pairs of topics are the yardstick. The parts
    of one broad theme (two halves of football) are clearly closer to each other than
    football is to baking; the parts of a catch-all are not."""

    between = {}  # (cut, topic, topic) -> cosine: cuts share their topic pairs' numbers

    def alike(finer: int, pairs: list[tuple[int, int]]) -> float:
        words, sizes = cuts[finer][1], cuts[finer][2]
        for a, b in pairs:
            if (finer, a, b) not in between:
                between[finer, a, b] = vectors.between(words[a], words[b])
        cosines = [between[finer, a, b] for a, b in pairs]
        return weighted_mean(cosines, [sizes[a] * sizes[b] for a, b in pairs])

    def is_catch_all(k: int, topic: int, finer: int, parts: list[int]) -> bool:
        n, inside = len(cuts[finer][1]), set(parts)
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        own = [(a, b) for a, b in pairs if a in inside and b in inside]
        others = [(a, b) for a, b in pairs if not (a in inside and b in inside)]
        return bool(alike(finer, own) - alike(finer, others) <= margin)

    return is_catch_all


def choose_level(
    tree: TopicTree, leaf_assignments: np.ndarray, corpus: PreparedCorpus, config: GranularityConfig
) -> tuple[int, list[dict[str, Any]]]:
    """The rule of the module docstring: the chosen count and every cut's numbers."""
    top = min(config.max_topics, tree.n_leaves)
    counts = list(range(min(config.min_topics, top), top + 1))
    levels = level_quality(
        tree,
        leaf_assignments,
        corpus,
        counts,
        max_topic_share=config.max_topic_share,
        catch_all_gain=config.catch_all_gain,
        max_unseen_pairs=config.max_unseen_pairs,
    )
    admissible = [level for level in levels if is_admissible(level, config)]
    if not admissible:
        chosen = min(
            levels, key=lambda lv: (lv["catch_alls"], lv["largest_share"], -lv["n_topics"])
        )
    else:
        best = max(level["score"] for level in admissible)
        chosen = next(lv for lv in admissible if lv["score"] >= best - config.tolerance)
    for level in levels:
        level["chosen"] = level is chosen
    return chosen["n_topics"], levels


def is_admissible(level: dict[str, Any], config: GranularityConfig) -> bool:
    """No catch-all, diverse enough words, and a score (see the module docstring)."""
    return (
        level["catch_alls"] == 0
        and level["diversity"] >= config.min_diversity
        and bool(np.isfinite(level["score"]))
    )


def cut_assignments(tree: TopicTree, leaf_assignments: np.ndarray, n_topics: int) -> np.ndarray:
    """Each document's topic at the cut: the topic its leaf falls in (unassigned stays)."""
    return cut(tree.partition(n_topics), leaf_assignments)
