"""Run-directory outputs other than the manifest: one row per document, topics, metrics."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from topicflow.pipelines.corpus.documents import Corpus
from topicflow.pipelines.io.rundir import write_json
from topicflow.pipelines.models.topicset import TopicSet

SNIPPET_CHARS = 200


def write_assignments(
    directory: Path,
    documents: Corpus,
    topic_sets: Mapping[str, TopicSet],
    coordinates: np.ndarray,
) -> pa.Table:
    """``assignments.parquet`` and ``.csv``: ``doc_id``, ``<model>_topic`` and ``<model>_prob``
    per model, the map position, ``label`` and a ``snippet`` of each text, so the report
    and notebooks need only the run directory."""
    data: dict[str, Any] = {"doc_id": documents.ids}
    for name, topics in topic_sets.items():
        data[f"{name}_topic"] = topics.assignments
        data[f"{name}_prob"] = np.round(np.asarray(topics.probabilities, dtype=float), 6)
    data["map_x"], data["map_y"] = coordinates[:, 0], coordinates[:, 1]
    if documents.labels is not None:
        data["label"] = documents.labels
    data["snippet"] = [
        " ".join(text[: SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS] for text in documents.texts
    ]
    table = pa.table(data)
    pq.write_table(table, directory / "assignments.parquet")
    pacsv.write_csv(table, directory / "assignments.csv")
    return table


def write_topics(directory: Path, models: dict[str, TopicSet]) -> None:
    """``topics.json``: ``{"lda": [...], ...}``, each topic ``{id, words, weights, size}``."""
    write_json(directory / "topics.json", {name: t.records() for name, t in models.items()})


def write_metrics(directory: Path, metrics: dict[str, Any]) -> None:
    write_json(directory / "metrics.json", metrics)
