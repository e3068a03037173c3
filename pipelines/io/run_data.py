"""Load a finished run directory: the public helper behind the report and the notebook.

from topicflow.pipelines.io.run_data import load_run
run = load_run("runs/20261121-060000-news-a1b2c3")
run.topics["lda"][0]["words"], run.metrics["alignment"], run.assignments.to_pandas()
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass
class RunData:
    path: Path
    manifest: dict[str, Any]
    topics: dict[str, list[dict[str, Any]]]
    metrics: dict[str, Any]
    assignments: pa.Table

    @property
    def has_labels(self) -> bool:
        return "label" in self.assignments.column_names

    def column(self, name: str) -> list:
        return self.assignments.column(name).to_pylist()

    @property
    def corpus_name(self) -> str:
        return self.manifest.get("corpus", {}).get("name", "corpus")


def load_run(path: str | Path) -> RunData:
    """Read a run directory written by ``topicflow run`` (FileNotFoundError if incomplete)."""
    path = Path(path)

    def read(name: str) -> Any:
        return json.loads((path / name).read_text(encoding="utf-8"))

    return RunData(
        path=path,
        manifest=read("manifest.json"),
        topics=read("topics.json"),
        metrics=read("metrics.json"),
        assignments=pq.read_table(path / "assignments.parquet"),
    )
