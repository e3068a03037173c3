"""A finished run directory made by hand: three models, hostile corpus text, every section.

Written through :mod:`topicflow.pipelines.io.run_files` and the manifest writer, with no
Prefect and no model fitted, so the report, the notebook and the run-file readers can be
tested in a second.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from tests.conftest import news_sentences
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
    return {"a": name_a, "b": name_b, "alignment": alignment, "agreement": agreement}


def synthetic_metrics(
    corpus: Corpus, topics: dict[str, TopicSet], previous: dict | None = None
) -> dict:
    """A metrics.json of the new layout; ``previous`` (topics records) adds a drift."""
    rng = np.random.default_rng(1)
    metrics = {
        "preprocess": {
            "vocabulary_size": 24,
            "documents_without_tokens": 0,
            "mean_tokens_per_document": 6.5,
        },
        "models": {name: _quality(t, rng) for name, t in topics.items()},
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
    current = {name: t.records() for name, t in topics.items()}
    if previous is None:
        metrics["drift"] = drift_since(None, None, {}, current)
    else:
        since = "2026-11-20T06:00:05+00:00"
        metrics["drift"] = drift_since("20261120-060000-synthetic-aaaaaa", since, previous, current)
    return metrics


def write_synthetic_run(
    parent: Path, name: str = "20261121-060000-synthetic-abcdef", models=MODELS
) -> Path:
    """A complete run directory (without its report) under ``parent``, of ``models``."""
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
    previous = {name: records for name, records in previous.items() if name in models}
    write_metrics(path, synthetic_metrics(corpus, topics, previous))
    manifest.finish()
    return path
