"""A finished run directory made by hand: three models, hostile corpus text, every section,
each model's topic tree (:mod:`tests.synthetic_trees`; the comparison's edges and groups
here) and its topics over time (:mod:`tests.synthetic_over_time`).

Written through :mod:`topicflow.pipelines.io.run_files` and the manifest writer, with no
Prefect and no model fitted, so the report, the notebook and the run-file readers can be
tested in a second.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from tests.conftest import news_sentences
from tests.synthetic_over_time import NO_TIME_REASON, synthetic_over_time
from tests.synthetic_trees import tree_levels, write_trees
from topicflow.pipelines.corpus.documents import Corpus
from topicflow.pipelines.evaluate.alignment import align
from topicflow.pipelines.history.drift import drift_since
from topicflow.pipelines.io.manifest import Manifest
from topicflow.pipelines.io.run_files import (
    MANIFEST_FILE,
    write_assignments,
    write_metrics,
    write_topics,
)
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet

MODELS = ("lda", "nmf", "embedding")
HOSTILE_WORD = "<script>alert(1)</script>"
# Names come from the documents: one written to break out of HTML and Markdown alike.
HOSTILE_NAME = '<img src=x onerror="window.__pwned = 3"> *tax* | [credit](x)'
NAMES = {
    "lda": [HOSTILE_NAME, "space missions", "league football"],
    "embedding": ["bank profits", "rocket launch", "team season"],
}  # nmf's topics stay unnamed, as a run with naming off (or an older run) leaves them
HOSTILE_TEXTS = [
    "<script>window.__pwned = 1; alert(1)</script> markets rally bank profit shares",
    '"><img src=x onerror="window.__pwned = 2"> rocket launch orbit nasa mission',
]
EDGE_SHARE = 0.2  # an edge joins two topics sharing this much of either one's documents
DESKS = ["money", "space", "sport"]
N_DOCS = 32
_WORDS = {
    "money": ["bank", "market", "shares", "profit", "investor", "rates", "growth", "trade"],
    "space": ["rocket", "orbit", "launch", "planet", "nasa", "mission", "satellite", "moon"],
    "sport": ["match", "goal", "team", "season", "coach", "league", "score", "player"],
}


def synthetic_corpus() -> Corpus:
    texts = news_sentences(N_DOCS - len(HOSTILE_TEXTS)) + HOSTILE_TEXTS
    labels = [DESKS[i % 3] for i in range(N_DOCS - len(HOSTILE_TEXTS))] + ["money", "space"]
    ids = [f"d{i}" for i in range(N_DOCS)]
    return Corpus(name="synthetic <b>news</b>", ids=ids, texts=texts, labels=labels)


def synthetic_topics(seed: int = 0) -> dict[str, TopicSet]:
    """Three models over the three desks; ``nmf`` splits sport in two, holds a hostile
    word and has no names, ``lda`` has a hostile name, ``embedding`` leaves the last
    documents unassigned."""
    rng = np.random.default_rng(seed)
    desk = np.array([i % 3 for i in range(N_DOCS)])
    sets = {}
    for model, n_topics in zip(MODELS, (3, 4, 3), strict=True):
        words = [list(_WORDS[d]) for d in DESKS] + (
            [_WORDS["sport"][::-1]] if n_topics == 4 else []
        )
        if model == "nmf":
            words[0] = [HOSTILE_WORD, "a|b", *words[0][:6]]
        assignments = desk.copy()
        if n_topics == 4:
            assignments[(desk == 2) & (np.arange(N_DOCS) % 2 == 0)] = 3
        probabilities = np.round(rng.uniform(0.3, 1.0, N_DOCS), 6)
        if model == "embedding":
            assignments[-3:] = UNASSIGNED
            probabilities[-3:] = np.nan
        else:
            probabilities[-len(HOSTILE_TEXTS) :] = 1.0  # their topics' best documents
        weights = [list(np.round(np.linspace(0.3, 0.05, len(w)), 6)) for w in words]
        sets[model] = TopicSet(words, weights, assignments, probabilities, names=NAMES.get(model))
    return sets


def synthetic_edges(a: TopicSet, b: TopicSet) -> tuple[list[dict], list[dict]]:
    """The documents each topic pair shares (when a large part of either topic) and the
    connected groups of those edges, as the comparison writes them."""
    size_a, size_b = np.maximum(a.sizes(), 1), np.maximum(b.sizes(), 1)
    edges = []
    for i, j in itertools.product(range(a.n_topics), range(b.n_topics)):
        shared = int(((a.assignments == i) & (b.assignments == j)).sum())
        share_a, share_b = shared / size_a[i], shared / size_b[j]
        if shared and max(share_a, share_b) >= EDGE_SHARE:
            edges.append(
                {"a": i, "b": j, "documents": shared}
                | {"share_of_a": round(share_a, 6), "share_of_b": round(share_b, 6)}
            )
    groups, seen = [], set()
    for edge in edges:  # connected components, grown from each unseen edge's a-side topic
        if edge["a"] in seen:
            continue
        side_a, side_b = {edge["a"]}, set()
        while True:
            grown_b = side_b | {e["b"] for e in edges if e["a"] in side_a}
            grown_a = side_a | {e["a"] for e in edges if e["b"] in grown_b}
            if (grown_a, grown_b) == (side_a, side_b):
                break
            side_a, side_b = grown_a, grown_b
        seen |= side_a
        many_a, many_b = len(side_a) > 1, len(side_b) > 1
        kind = {(False, False): "one_to_one", (False, True): "split", (True, False): "merge"}
        groups.append(
            {"kind": kind.get((many_a, many_b), "tangle"), "a": sorted(side_a), "b": sorted(side_b)}
        )
    return edges, groups


def _background(model: str) -> dict:
    """LDA's background topic (a mixture model's words every document uses), one word
    hostile, and a generic topic (words of conversation; its documents about many
    things)."""
    if model != "lda":
        return {}
    return {
        "background": [
            {"words": ["said", "would", HOSTILE_WORD], "presence": 0.62},
            {"words": ["well", "yes", "quite"], "presence": 0.05, "kind": "generic"},
        ]
    }


def _quality(topics: TopicSet, rng: np.random.Generator) -> dict:
    per_topic = [round(float(v), 6) for v in rng.uniform(-0.1, 0.4, topics.n_topics)]
    sizes = topics.sizes()
    return {
        "n_topics": topics.n_topics,
        "topn": 10,
        "npmi": float(np.mean(per_topic)),
        "npmi_per_topic": per_topic,
        "c_v": 0.5,
        "c_v_per_topic": [0.5] * topics.n_topics,
        "u_mass": -2.0,
        "u_mass_per_topic": [-2.0] * topics.n_topics,
        "diversity": 0.9,
        "irbo": 0.95,
        "sizes": sizes,
        "size_min": min(sizes),
        "size_median": float(np.median(sizes)),
        "size_max": max(sizes),
        "size_gini": 0.1,
        "unassigned_share": topics.unassigned_share(),
        "specific_to_the_model": {"anything": [1, 2]},  # an extra, kept as it is
    }


def _contingency(rows, columns) -> dict:
    row_ids, row_index = np.unique(np.asarray(rows), return_inverse=True)
    col_ids, col_index = np.unique(np.asarray(columns), return_inverse=True)
    counts = np.zeros((len(row_ids), len(col_ids)), dtype=np.int64)
    np.add.at(counts, (row_index, col_index), 1)
    return {"rows": row_ids.tolist(), "columns": col_ids.tolist(), "counts": counts.tolist()}


def _jaccard(a: TopicSet, b: TopicSet) -> np.ndarray:
    return np.array(
        [[len(set(x) & set(y)) / len(set(x) | set(y)) for y in b.words] for x in a.words]
    )


def _comparison(name_a: str, a: TopicSet, name_b: str, b: TopicSet, vectors: bool) -> dict:
    thresholds = {"jaccard": 0.15, "jensen_shannon": 0.4, "embedding_cosine": 0.8}
    jaccard = _jaccard(a, b)
    matrices = {"jaccard": jaccard, "jensen_shannon": 0.2 + 0.7 * jaccard}
    if vectors:
        matrices["embedding_cosine"] = 0.6 + 0.4 * jaccard
    alignment = {"primary": "jensen_shannon", "thresholds": thresholds, "topn": 10}
    for measure, matrix in matrices.items():
        alignment[measure] = {
            "matrix": np.round(matrix, 6).tolist(),
            "alignment": align(matrix, thresholds[measure]),
        }
    both = (a.assignments != UNASSIGNED) & (b.assignments != UNASSIGNED)
    agreement = {
        "nmi": 0.8,
        "ami": 0.75,
        "ari": 0.7,
        "nmi_with_unassigned": 0.78,
        "ami_with_unassigned": 0.72,
        "ari_with_unassigned": 0.66,
        "documents": N_DOCS,
        "documents_compared": int(both.sum()),
        "contingency": _contingency(a.assignments, b.assignments),
    }
    edges, groups = synthetic_edges(a, b)
    return {
        "a": name_a,
        "b": name_b,
        "alignment": alignment,
        "agreement": agreement,
        "level": {name_a: a.n_topics, name_b: b.n_topics},
        "edges": edges,
        "groups": groups,
    }


def synthetic_metrics(
    corpus: Corpus, topics: dict[str, TopicSet], previous: dict | None = None, times=True
) -> dict:
    """A metrics.json of the new layout; ``previous`` (topics records) adds a drift;
    ``times``: True, topics over time; False, a corpus without times; None, a run from
    before topics over time (no ``over_time``)."""
    rng = np.random.default_rng(1)
    metrics = {
        "preprocess": {
            "vocabulary_size": 24,
            "no_below": 2,
            "repeated_lines": 0,
            "documents_with_repeated_lines": 0,
            "documents_without_tokens": 0,
            "mean_tokens_per_document": 6.5,
        },
        "models": {
            name: _quality(t, rng) | {"levels": tree_levels(name, t)} | _background(name)
            for name, t in topics.items()
        },
        "comparisons": [
            _comparison(a, topics[a], b, topics[b], vectors=(a, b) != ("lda", "nmf"))
            for a, b in itertools.combinations(topics, 2)
        ],
        "labels": {
            name: {
                "nmi": 0.9,
                "ami": 0.88,
                "ari": 0.85,
                "purity": 0.95,
                "homogeneity": 0.9,
                "completeness": 0.9,
                "documents_scored": N_DOCS,
                "documents_unlabelled": 0,
                "contingency": _contingency(corpus.labels, t.assignments),
            }
            for name, t in topics.items()
        },
        "stability": {
            "seeds": [8, 9],
            "models": {
                name: {
                    "metrics": {"npmi": {"mean": 0.1, "std": 0.01, "n": 3}},
                    "recovery": {
                        "per_topic": [1.0] * t.n_topics,
                        "mean": 1.0,
                        "runs": 2,
                        "threshold": 0.5,
                    },
                }
                for name, t in topics.items()
            },
        },
    }
    if times:
        metrics["over_time"] = synthetic_over_time(topics, metrics["comparisons"], N_DOCS)
    elif times is not None:
        metrics["over_time"] = {"available": False, "reason": NO_TIME_REASON}
    current = {name: t.records() for name, t in topics.items()}
    if previous is None:
        metrics["drift"] = drift_since(None, None, {}, current)
    else:
        since = "2026-11-20T06:00:05+00:00"
        set_aside = {
            name: quality.get("background", []) for name, quality in metrics["models"].items()
        }
        metrics["drift"] = drift_since(
            "20261120-060000-synthetic-aaaaaa", since, previous, current, set_aside=set_aside
        )
    return metrics


def write_synthetic_run(
    parent: Path,
    name: str = "20261121-060000-synthetic-abcdef",
    models=MODELS,
    trees=True,
    times=True,
) -> Path:
    """A complete run directory (without its report) under ``parent``, of ``models``;
    ``trees=False`` leaves out what a run from before topic trees lacks (``tree.json``,
    the topics' places in it, the leaf columns, comparison levels, edges and groups);
    ``times``: as :func:`synthetic_metrics`."""
    path = Path(parent) / name
    path.mkdir(parents=True)
    corpus = synthetic_corpus()
    topics = {m: t for m, t in synthetic_topics().items() if m in models}
    config = {"seed": 7, "models": list(models)}
    manifest = Manifest(path / MANIFEST_FILE, name, config, source="synthetic.jsonl")
    manifest.update(corpus={**corpus.summary(), "history_name": "synthetic"})
    for stage in ("ingest", "preprocess", *models, "compare"):
        manifest.record_stage(stage, "2026-11-21T06:00:00", "2026-11-21T06:00:01", 1.0, "miss")
    write_topics(path, topics)
    coordinates = np.random.default_rng(2).normal(size=(N_DOCS, 2))
    write_assignments(path, corpus, topics, coordinates)
    previous = {name: t.records()[:-1] for name, t in synthetic_topics(seed=3).items()}
    previous["nmf"] = previous["nmf"][1:]  # the hostile topic emerged since
    # An LDA topic of words this run's LDA sets aside as background (one of them hostile).
    background = ["said", "would", HOSTILE_WORD]
    previous["lda"].append({"id": 3, "words": background, "weights": [0.2, 0.1, 0.1], "size": 5})
    previous = {name: records for name, records in previous.items() if name in models}
    metrics = synthetic_metrics(corpus, topics, previous, times=times)
    if trees:
        write_trees(path, topics)
    else:
        for comparison in metrics["comparisons"]:
            del comparison["level"], comparison["edges"], comparison["groups"]
        for quality in metrics["models"].values():
            del quality["levels"]
    write_metrics(path, metrics)
    manifest.finish()
    return path
