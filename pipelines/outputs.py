"""Run-directory outputs other than the manifest: one row per document, topics, metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipelines.corpus import Corpus


def write_assignments(directory: Path, documents: Corpus, **columns: Any) -> pa.Table:
    """``assignments.parquet`` and ``.csv``: ``doc_id``, the given model columns, ``label``."""
    data: dict[str, Any] = {"doc_id": documents.ids, **columns}
    if documents.labels is not None:
        data["label"] = documents.labels
    table = pa.table(data)
    pq.write_table(table, directory / "assignments.parquet")
    pacsv.write_csv(table, directory / "assignments.csv")
    return table
