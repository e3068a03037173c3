"""The run directory's files: their names and the one place that reads and writes them
(their shapes are in :mod:`.run_shapes`).

A run directory holds ``topics.json``, ``assignments.parquet`` (and ``.csv``),
``metrics.json``, ``manifest.json``, ``report.html`` and ``report.md``. Every model the
run fitted appears under its registry name: as a key of ``topics.json``, of
``metrics.json``'s ``models`` (and ``labels``, ``stability``, ``drift``), and as the
assignment columns ``<name>_topic`` and ``<name>_prob``. Nothing here names a model.

from topicflow.pipelines.io.run_files import load_run
run = load_run("runs/20261121-060000-news-a1b2c3")
run.model_names, run.topics[run.model_names[0]][0].words, run.metrics.comparisons
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pydantic import BaseModel, TypeAdapter, ValidationError

from topicflow.pipelines.corpus.documents import Corpus
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.io.atomic import atomic_path
from topicflow.pipelines.io.history_shapes import Drift
from topicflow.pipelines.io.run_shapes import (
    Metrics,
    ModelQuality,
    RunManifest,
    Topic,
    TopicTree,
)
from topicflow.pipelines.io.rundir import json_ready, write_json
from topicflow.pipelines.models.topicset import TopicSet

TOPICS_FILE = "topics.json"
TREE_FILE = "tree.json"
METRICS_FILE = "metrics.json"
MANIFEST_FILE = "manifest.json"
ASSIGNMENTS_FILE = "assignments.parquet"
ASSIGNMENTS_CSV_FILE = "assignments.csv"
REPORT_HTML_FILE = "report.html"
REPORT_MD_FILE = "report.md"

SNIPPET_CHARS = 200


class RunFileError(InputError):
    """A run-directory file that is missing a part or has the wrong shape."""


def topic_column(model: str) -> str:
    """The assignment column of ``model``'s topic per document (-1: unassigned)."""
    return f"{model}_topic"


def prob_column(model: str) -> str:
    """The assignment column of ``model``'s confidence per document (NaN: unassigned)."""
    return f"{model}_prob"


def leaf_column(model: str) -> str:
    """The assignment column of the document's node at the finest level of ``model``'s
    tree (``tree.json``; -1: unassigned); its topic at any level is that node's ancestor."""
    return f"{model}_leaf"


_TOPICS = TypeAdapter(dict[str, list[Topic]])  # topics.json
_TREES = TypeAdapter(dict[str, TopicTree])  # tree.json
_T = TypeVar("_T")


# --- writing -----------------------------------------------------------------------------


def write_topics(
    directory: Path,
    topic_sets: Mapping[str, TopicSet],
    trees: Mapping[str, TopicTree] | None = None,
) -> None:
    """``topics.json``: ``{"<model>": [{id, words, weights, size, name}, ...]}``, in the given
    order (``name`` when the topics were named); with ``trees``, each topic also has its
    place in its model's tree (``node``, ``parent``, ``children``, ``level``)."""
    records = {}
    for name, topics in topic_sets.items():
        records[name] = topics.records()
        tree = (trees or {}).get(name)
        if tree is not None:
            places = {node.topic: node for node in tree.nodes if node.topic is not None}
            for record in records[name]:
                node = places[record["id"]]
                record |= {
                    "node": node.id,
                    "parent": node.parent,
                    "children": node.children,
                    "level": node.level,
                }
    write_json(Path(directory) / TOPICS_FILE, records)


def write_trees(directory: Path, trees: Mapping[str, TopicTree]) -> None:
    """``tree.json``: ``{"<model>": {levels, reported, preferred, nodes}}``."""
    write_json(Path(directory) / TREE_FILE, {name: dump(tree) for name, tree in trees.items()})


def write_assignments(
    directory: Path,
    documents: Corpus,
    topic_sets: Mapping[str, TopicSet],
    coordinates: np.ndarray,
    leaves: Mapping[str, np.ndarray] | None = None,
    texts: Sequence[str] | None = None,
) -> pa.Table:
    """``assignments.parquet`` and ``.csv``: ``doc_id``; per model ``<model>_topic`` (-1
    unassigned), ``<model>_prob`` (NaN unassigned) and, with ``leaves``, ``<model>_leaf``
    (the document's node at the finest level of the model's tree); ``map_x``, ``map_y``; ``label``
    when the corpus has labels; and a ``snippet`` of each text, so the report and
    notebooks need only the run directory. The snippets come from ``texts``, the
    cleaned texts the models read (default: the documents' own), so an analyst never
    sees what preprocessing removed (e.g. USENET headers)."""
    n = len(documents)
    coordinates = np.asarray(coordinates, dtype=np.float64)
    if coordinates.shape != (n, 2):
        raise ValueError(f"coordinates must be {n} x 2, got {coordinates.shape}")
    data: dict[str, Any] = {"doc_id": pa.array(documents.ids, type=pa.string())}
    for name, topics in topic_sets.items():
        assigned = np.asarray(topics.assignments, dtype=np.int64)
        if assigned.shape != (n,):
            raise ValueError(f"{name}: {assigned.shape[0]} assignments for {n} documents")
        if topics.probabilities is None:
            probs = np.full(n, np.nan)
        else:
            probs = np.round(np.asarray(topics.probabilities, dtype=np.float64), 6)
        data[topic_column(name)] = pa.array(assigned, type=pa.int64())
        data[prob_column(name)] = pa.array(probs, type=pa.float64())
        if leaves is not None and name in leaves:
            nodes = np.asarray(leaves[name], dtype=np.int64)
            data[leaf_column(name)] = pa.array(nodes, type=pa.int64())
    data["map_x"] = pa.array(coordinates[:, 0], type=pa.float64())
    data["map_y"] = pa.array(coordinates[:, 1], type=pa.float64())
    if documents.labels is not None:
        data["label"] = pa.array(documents.labels, type=pa.string())
    shown = documents.texts if texts is None else texts
    if len(shown) != n:
        raise ValueError(f"{len(shown)} texts for {n} documents")
    data["snippet"] = pa.array([snippet(text) for text in shown], type=pa.string())
    table = pa.table(data)
    # Through atomic_path (unsynced: the directory is staged): a failed write names its file.
    with atomic_path(Path(directory) / ASSIGNMENTS_FILE, fsync=False) as tmp:
        pq.write_table(table, tmp)
    with atomic_path(Path(directory) / ASSIGNMENTS_CSV_FILE, fsync=False) as tmp:
        pacsv.write_csv(table, tmp)
    return table


def snippet(text: str) -> str:
    """The first ``SNIPPET_CHARS`` characters of a text, whitespace collapsed."""
    return " ".join(text[: SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS]


def write_metrics(directory: Path, metrics: Metrics | Mapping[str, Any]) -> Metrics:
    """``metrics.json``, checked against :class:`Metrics` first (:class:`RunFileError` if it
    does not fit, and nothing is written). Returns the checked metrics."""
    checked = as_metrics(metrics)
    write_json(Path(directory) / METRICS_FILE, dump(checked))
    return checked


def dump(model: BaseModel) -> dict[str, Any]:
    """A run-file model as the plain JSON the file holds (optional parts left out)."""
    return _drop_absent(model.model_dump(mode="json", by_alias=True, exclude_unset=True))


def _drop_absent(value: Any) -> Any:
    """Leave out optional sections that are None (``labels``, ``drift.models``...) while
    keeping null scores, which are lists' items or required keys' values."""
    if isinstance(value, dict):
        return {k: _drop_absent(v) for k, v in value.items() if not (k in _OPTIONAL and v is None)}
    if isinstance(value, list):
        return [_drop_absent(v) for v in value]
    return value


_OPTIONAL = {
    "labels",
    "stability",
    "drift",
    "lives",
    "models",
    "embedding_cosine",
    "level",
    "edges",
    "groups",
}


# --- reading -----------------------------------------------------------------------------


def as_metrics(metrics: Metrics | Mapping[str, Any], source: str = METRICS_FILE) -> Metrics:
    """``metrics`` as :class:`Metrics` (numpy values and NaN accepted in a mapping)."""
    if isinstance(metrics, Metrics):
        return metrics
    return _validate(Metrics, json_ready(dict(metrics)), source)


def as_drift(drift: Drift | Mapping[str, Any]) -> Drift:
    return drift if isinstance(drift, Drift) else _validate(Drift, json_ready(dict(drift)), "drift")


def read_topics(directory: Path) -> dict[str, list[Topic]]:
    path = Path(directory) / TOPICS_FILE
    return _validate(_TOPICS, _read_json(path), str(path))


def read_trees(directory: Path) -> dict[str, TopicTree]:
    """``tree.json``: each model's topic tree ({} for a run from before topic trees)."""
    path = Path(directory) / TREE_FILE
    if not path.exists():
        return {}
    return _validate(_TREES, _read_json(path), str(path))


def read_metrics(directory: Path) -> Metrics:
    path = Path(directory) / METRICS_FILE
    data = _read_json(path)
    if isinstance(data, dict) and "models" not in data and "alignment" in data:
        raise RunFileError(
            f"{path}: written by a topicflow from before pluggable models (top-level model "
            "keys, one 'alignment'); run the corpus again to read it here"
        )
    return _validate(Metrics, data, str(path))


def read_manifest(directory: Path) -> RunManifest:
    path = Path(directory) / MANIFEST_FILE
    return _validate(RunManifest, _read_json(path), str(path))


def read_assignments(directory: Path, model_names: list[str] | None = None) -> pa.Table:
    """``assignments.parquet``; with ``model_names``, checked to hold every column."""
    path = Path(directory) / ASSIGNMENTS_FILE
    table = pq.read_table(path)
    if model_names is not None:
        needed = ["doc_id"]
        for name in model_names:
            needed += [topic_column(name), prob_column(name)]
        needed += ["map_x", "map_y", "snippet"]
        missing = [c for c in needed if c not in table.column_names]
        if missing:
            raise RunFileError(f"{path}: missing column(s) {', '.join(missing)}")
    return table


@dataclass
class RunData:
    """A finished run directory, read and checked: the report's and notebooks' input."""

    path: Path
    manifest: RunManifest
    topics: dict[str, list[Topic]]
    metrics: Metrics
    assignments: pa.Table
    trees: dict[str, TopicTree] = field(default_factory=dict)  # {} before topic trees

    @property
    def model_names(self) -> list[str]:
        """The fitted models, in ``topics.json`` order (the config's ``models`` order)."""
        return list(self.topics)

    @property
    def has_labels(self) -> bool:
        return "label" in self.assignments.column_names

    def column(self, name: str) -> list:
        return self.assignments.column(name).to_pylist()

    @property
    def corpus_name(self) -> str:
        return self.manifest.corpus.name

    def quality(self, model: str) -> ModelQuality | None:
        return self.metrics.models.get(model)


def load_run(path: str | Path) -> RunData:
    """Read a run directory written by ``topicflow run``: FileNotFoundError if a file is
    missing, :class:`RunFileError` if one has the wrong shape or they disagree."""
    path = Path(path)
    topics = read_topics(path)
    metrics = read_metrics(path)
    if set(metrics.models) != set(topics):
        raise RunFileError(
            f"{path}: {TOPICS_FILE} has models {sorted(topics)} but {METRICS_FILE} has "
            f"{sorted(metrics.models)}"
        )
    return RunData(
        path=path,
        manifest=read_manifest(path),
        topics=topics,
        metrics=metrics,
        assignments=read_assignments(path, list(topics)),
        trees=read_trees(path),
    )


def _read_json(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")  # FileNotFoundError: the run is incomplete
    try:
        return json.loads(text)
    except ValueError as exc:
        raise RunFileError(f"{path}: not valid JSON ({exc})") from None


def _validate(shape: type[_T] | TypeAdapter[_T], data: Any, source: str) -> _T:
    check = shape.validate_python if isinstance(shape, TypeAdapter) else shape.model_validate
    try:
        return check(data)
    except ValidationError as exc:
        raise RunFileError(f"{source} does not have the expected shape: {_problems(exc)}") from None


def _problems(exc: ValidationError, limit: int = 5) -> str:
    errors = exc.errors()
    lines = [
        f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg'].lower()}"
        for e in errors[:limit]
    ]
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(lines) + more
