"""Every number that compares models: quality, alignment, agreement, labels, stability.

Pure functions of topics, assignments and the shared reference; nothing here reads
or writes files. Topic alignment (similarity matrices, Hungarian matching) lives in
:mod:`evaluate.alignment` and is re-exported here. :mod:`report.glossary`
defines each metric in a line for the report.

Unassigned documents (topic -1) are never dropped silently: agreement between the
models is scored on the documents both assign and, besides, with -1 as a group of
its own; against gold labels -1 is always a group of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn import metrics

from topicflow.pipelines.evaluate.alignment import (
    DEFAULT_THRESHOLDS,
    MEASURES,
    PRIMARY,
    align,
    compare_topics,
    embedding_similarity_matrix,
    jaccard_matrix,
    js_similarity_matrix,
    topic_word_distributions,
)
from topicflow.pipelines.evaluate.coherence import (
    Reference,
    jackknife_error,
    mean,
    topic_diversity,
    word_cosine,
)
from topicflow.pipelines.evaluate.edges import topic_edges
from topicflow.pipelines.models.base import Encoder, PreparedCorpus
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.vectors.centroids import topic_vectors_from_documents

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MEASURES",
    "PRIMARY",
    "align",
    "compare_topics",
    "contingency",
    "document_agreement",
    "embedding_similarity_matrix",
    "gini",
    "inverted_rbo",
    "jaccard_matrix",
    "js_similarity_matrix",
    "label_scores",
    "model_quality",
    "models_quality",
    "rbo",
    "summarize_runs",
    "topic_recovery",
    "topic_vectors_from_documents",
    "topic_word_distributions",
]

COHERENCE = {"npmi": "c_npmi", "c_v": "c_v", "u_mass": "u_mass"}  # our key -> gensim measure


def model_quality(
    topics: TopicSet, reference: Reference, topn: int = 10, encoder: Encoder | None = None
) -> dict:
    """One model's numbers on the shared reference.

    Coherence of each topic's first ``topn`` words under NPMI (``c_npmi``), C_V and
    UMass (``u_mass``: document co-occurrence; gensim builds the bag-of-words corpus
    from the reference tokens itself), and, given the run's ``encoder``, word cosine
    (:func:`.coherence.word_cosine`: no co-occurrence needed, so it still speaks on
    documents of a few words), each as the mean over topics (NaN ignored) and per
    topic; diversity; inverted RBO; topic sizes and how unequal they are.
    """
    return models_quality({"model": topics}, reference, topn, encoder)["model"]


def models_quality(
    models: Mapping[str, TopicSet],
    reference: Reference,
    topn: int = 10,
    encoder: Encoder | None = None,
) -> dict[str, dict]:
    """:func:`model_quality` of several models, each coherence measure computed in one pass
    over the reference for all their topics rather than one pass per model (and their
    words embedded in one call).

    A topic's score does not depend on the topics scored beside it (gensim counts every
    window of the reference, whatever words it holds), so the numbers are the same.
    """
    names = list(models)
    joined = [words for name in names for words in models[name].words]
    counts = [len(models[name].words) for name in names]
    starts = np.cumsum([0, *counts])
    per_model: dict[str, dict[str, list[float]]] = {name: {} for name in names}
    replicates: list[list[float]] = []
    for key, measure in COHERENCE.items():
        if key == "npmi" and reference.sampled:
            scores, replicates = reference.npmi_replicates(joined, topn)
        else:
            scores = reference.coherence(joined, measure, topn)
        for name, start, count in zip(names, starts, counts, strict=False):
            per_model[name][key] = scores[start : start + count]
    if encoder is not None:
        scores = word_cosine(joined, encoder, topn)
        for name, start, count in zip(names, starts, counts, strict=False):
            per_model[name]["word_cosine"] = scores[start : start + count]
    quality = {name: _quality(models[name], per_model[name], topn) for name in names}
    for name, start, count in zip(names, starts, counts, strict=False):
        # The sample's error on each model's NPMI; none when the reference is the corpus.
        full = per_model[name]["npmi"]
        means = [_mean_where_finite(scores[start : start + count], full) for scores in replicates]
        quality[name]["npmi_se"] = round(jackknife_error(means), 6) if replicates else None
    return quality


def _mean_where_finite(replicate: Sequence[float], full: Sequence[float]) -> float:
    """A replicate's mean over the topics the full estimate scored (a topic left with
    one word in a replicate would otherwise change what is averaged)."""
    kept = [r for r, f in zip(replicate, full, strict=True) if np.isfinite(f) and np.isfinite(r)]
    return mean(kept)


def _quality(topics: TopicSet, coherence: Mapping[str, list[float]], topn: int) -> dict:
    result: dict[str, Any] = {"n_topics": topics.n_topics, "topn": topn}
    for key, per_topic in coherence.items():
        result[key] = round(mean(per_topic), 6)
        result[f"{key}_per_topic"] = [round(v, 6) for v in per_topic]
    sizes = topics.sizes()
    result |= {
        "diversity": round(topic_diversity(topics.words, topn), 6),
        "irbo": round(inverted_rbo(topics.words, topn), 6),
        "sizes": sizes,
        "size_min": int(min(sizes)) if sizes else None,
        "size_median": float(np.median(sizes)) if sizes else None,
        "size_max": int(max(sizes)) if sizes else None,
        "size_gini": round(gini(sizes), 6),
        "unassigned_share": round(topics.unassigned_share(), 6),
    }
    return {**result, **topics.extra}


def rbo(a: Sequence[str], b: Sequence[str], p: float = 0.9) -> float:
    """Rank-biased overlap, extrapolated form (Webber et al. 2010, eq. 32; as OCTIS uses).

    Agreement of two rankings, weighting depth d by ``p ** (d - 1)``: 1 for identical
    lists, 0 for disjoint ones. The extrapolation assumes the agreement seen at the
    end of the lists continues past it, so a list that is a prefix of the other scores
    1. Lists of unequal length are handled; an empty list agrees with nothing (0).
    """
    short, long_ = (list(a), list(b)) if len(a) <= len(b) else (list(b), list(a))
    s, n = len(short), len(long_)
    if s == 0:
        return 0.0
    seen_short, seen_long, overlap = set(), set(), 0
    overlaps = []  # X_d: size of the intersection of the two prefixes of depth d
    for d in range(n):
        if d < s:
            word = short[d]
            overlap += word in seen_long
            seen_short.add(word)
        word = long_[d]
        overlap += word in seen_short
        seen_long.add(word)
        overlaps.append(overlap)
    x_s, x_l = overlaps[s - 1], overlaps[-1]
    total = sum(overlaps[d - 1] / d * p**d for d in range(1, n + 1))
    total += sum(x_s * (d - s) / (s * d) * p**d for d in range(s + 1, n + 1))
    return float((1 - p) / p * total + ((x_l - x_s) / n + x_s / s) * p**n)


def inverted_rbo(topics: Sequence[Sequence[str]], topn: int = 10, p: float = 0.9) -> float:
    """IRBO (OCTIS): 1 - mean RBO over all pairs of topics' top-``topn`` lists.

    0 when all topics list the same words in the same order, 1 when no two share a
    word; unlike diversity, a shared word counts more the higher both topics rank it.
    Topics without words are left out; NaN with fewer than two topics.
    """
    lists = [list(words[:topn]) for words in topics if len(words)]
    pairs = [rbo(x, y, p) for x, y in itertools.combinations(lists, 2)]
    return 1 - float(np.mean(pairs)) if pairs else float("nan")


def gini(values: Sequence[float]) -> float:
    """Gini coefficient: 0 when all values are equal, (n-1)/n when one holds everything.

    NaN for no values, 0 when all are zero.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(x), float(np.sum(x))
    if n == 0:
        return float("nan")
    if total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float(2 * np.sum(ranks * x) / (n * total) - (n + 1) / n)


def contingency(rows: Sequence, columns: Sequence) -> dict:
    """Cross-tabulation of two labellings of the same documents, ids sorted."""
    row_ids, row_index = np.unique(np.asarray(rows), return_inverse=True)
    col_ids, col_index = np.unique(np.asarray(columns), return_inverse=True)
    counts = np.zeros((len(row_ids), len(col_ids)), dtype=np.int64)
    np.add.at(counts, (row_index.ravel(), col_index.ravel()), 1)
    return {"rows": row_ids.tolist(), "columns": col_ids.tolist(), "counts": counts.tolist()}


def document_agreement(a_labels: np.ndarray, b_labels: np.ndarray) -> dict:
    """How far the two models put the same documents together (dominant LDA topic vs cluster).

    NMI, AMI and ARI are symmetric and ignore topic ids. The headline scores use only
    the documents both models assign, so one model's outliers do not count as
    disagreement about topics; ``*_with_unassigned`` repeats them on all documents
    with -1 as a group of its own. The contingency table covers all documents.
    """
    a, b = np.asarray(a_labels, dtype=np.int64), np.asarray(b_labels, dtype=np.int64)
    if a.shape != b.shape:
        raise ValueError(f"label arrays differ in length: {len(a)} and {len(b)}")
    both = (a != UNASSIGNED) & (b != UNASSIGNED)
    assigned = _partition_scores(a[both], b[both])
    everything = _partition_scores(a, b)
    return {
        **assigned,
        **{f"{key}_with_unassigned": value for key, value in everything.items()},
        "documents": len(a),
        "documents_compared": int(both.sum()),
        "contingency": contingency(a, b),
    }


def label_scores(assignments: np.ndarray, gold: Sequence[str | None]) -> dict:
    """Topics against gold labels: NMI, AMI, ARI, purity, homogeneity, completeness.

    Documents whose gold label is None are left out. Unassigned documents (-1) stay
    in as one more cluster: a model cannot raise its score by setting aside the
    documents it finds hard, and a large mixed outlier group counts against it.
    Purity: each topic's most common gold label, summed over topics, over documents.
    """
    assignments = np.asarray(assignments, dtype=np.int64)
    if len(assignments) != len(gold):
        raise ValueError(f"{len(assignments)} assignments but {len(gold)} gold labels")
    keep = np.array([g is not None for g in gold], dtype=bool)
    predicted = assignments[keep]
    truth = np.array([g for g in gold if g is not None])
    table = contingency(truth, predicted)
    n = len(predicted)
    scores = _partition_scores(truth, predicted)
    if n:
        counts = np.asarray(table["counts"])
        scores |= {
            "purity": round(float(counts.max(axis=0).sum() / n), 6),
            "homogeneity": round(float(metrics.homogeneity_score(truth, predicted)), 6),
            "completeness": round(float(metrics.completeness_score(truth, predicted)), 6),
        }
    else:
        scores |= dict.fromkeys(("purity", "homogeneity", "completeness"), float("nan"))
    return {
        **scores,
        "documents_scored": n,
        "documents_unlabelled": int(len(gold) - n),
        "contingency": table,
    }


def topic_recovery(
    reference_words: list[list[str]],
    runs_words: list[list[list[str]]],
    threshold: float = 0.5,
    topn: int = 10,
) -> dict:
    """Per reference topic, the share of other runs (other seeds) in which it reappears.

    A topic reappears when :func:`align` over :func:`jaccard_matrix` matches it one
    to one to a topic of that run at ``threshold`` (0.5: at least 7 of 10 top words
    shared). NaN when there are no other runs.
    """
    found = np.zeros(len(reference_words))
    for words in runs_words:
        matching = align(jaccard_matrix(reference_words, words, topn), threshold)
        for pair in matching["matched"]:
            found[pair["a"]] += 1
    shares = found / len(runs_words) if runs_words else np.full(len(found), np.nan)
    return {
        "per_topic": [round(float(v), 6) for v in shares],
        "mean": round(mean(shares.tolist()), 6),
        "runs": len(runs_words),
        "threshold": threshold,
    }


def summarize_runs(metric_dicts: list[dict], keys: Sequence[str]) -> dict:
    """Mean and sample standard deviation of each scalar metric across runs.

    A key may name a nested value with dots (``"lda.npmi"``). Runs where the value is
    missing or not finite are left out; ``n`` says how many counted. The deviation
    is NaN with fewer than two values.
    """
    summary = {}
    for key in keys:
        values = [v for v in (_lookup(d, key) for d in metric_dicts) if _is_finite_number(v)]
        summary[key] = {
            "mean": round(float(np.mean(values)), 6) if values else float("nan"),
            "std": round(float(np.std(values, ddof=1)), 6) if len(values) > 1 else float("nan"),
            "n": len(values),
        }
    return summary


def _partition_scores(labels_true: np.ndarray, labels_pred: np.ndarray) -> dict[str, float]:
    """NMI (arithmetic mean normalisation), AMI and ARI; NaN on no documents."""
    if len(labels_true) == 0:
        return dict.fromkeys(("nmi", "ami", "ari"), float("nan"))
    return {
        "nmi": round(float(metrics.normalized_mutual_info_score(labels_true, labels_pred)), 6),
        "ami": round(float(metrics.adjusted_mutual_info_score(labels_true, labels_pred)), 6),
        "ari": round(float(metrics.adjusted_rand_score(labels_true, labels_pred)), 6),
    }


def _lookup(values: dict, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(values, dict) or part not in values:
            return None
        values = values[part]
    return values


def _is_finite_number(value: Any) -> bool:
    numeric = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    return numeric and bool(np.isfinite(value))


def compare_models(
    models: Mapping[str, TopicSet],
    corpus: PreparedCorpus,
    labels: Sequence[str | None] | None = None,
    thresholds: Mapping[str, float] | None = None,
    topn: int = 10,
) -> dict:
    """Every pair of models side by side, on one vocabulary and one space, and each
    model against the gold labels (when there are labels). Besides the one-to-one
    alignment, each pair has the edges and groups of :mod:`.edges` (splits, merges).

    Topic-word distributions: the model's own (LDA's p(w|t), NMF's normalised H) where
    its TopicSet carries them, else the word counts of its documents. Topic vectors:
    the centroid of each topic's document embeddings (left out when the corpus has no
    vectors, and so is the ``embedding_cosine`` measure).
    """

    def distributions(topics: TopicSet) -> np.ndarray:
        if topics.word_distributions is not None:
            return topics.word_distributions
        return topic_word_distributions(corpus.counts, topics.assignments, topics.n_topics)

    def vectors(topics: TopicSet) -> np.ndarray | None:
        if corpus.vectors is None:
            return None
        return topic_vectors_from_documents(corpus.vectors, topics.assignments, topics.n_topics)

    comparisons = []
    for a, b in itertools.combinations(models, 2):
        alignment = compare_topics(
            models[a],
            models[b],
            a_distributions=distributions(models[a]),
            b_distributions=distributions(models[b]),
            a_vectors=vectors(models[a]),
            b_vectors=vectors(models[b]),
            thresholds=thresholds,
            topn=topn,
        )
        agreement = document_agreement(models[a].assignments, models[b].assignments)
        ta, tb = models[a], models[b]
        edges, groups = topic_edges(ta.assignments, tb.assignments, ta.n_topics, tb.n_topics)
        comparisons.append(
            {
                "a": a,
                "b": b,
                "alignment": alignment,
                "agreement": agreement,
                "level": {a: ta.n_topics, b: tb.n_topics},
                "edges": edges,
                "groups": groups,
            }
        )
    result: dict[str, Any] = {"comparisons": comparisons}
    if labels is not None:
        result["labels"] = {name: label_scores(t.assignments, labels) for name, t in models.items()}
    return result
