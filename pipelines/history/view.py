"""Plain-text views of the run history: ``topicflow history`` and ``topicflow show``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from topicflow.pipelines.history.database import RunRecord
from topicflow.pipelines.report.headline import format_value, headline_markdown

_COLUMNS = ("run id", "started (UTC)", "status", "docs", "update", "LDA", "embedding", "changes")


def format_runs(records: Sequence[RunRecord]) -> str:
    """One line per run, newest first, aligned in columns."""
    if not records:
        return "no runs recorded yet"
    rows = [_COLUMNS] + [_row(record) for record in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _row(record: RunRecord) -> tuple[str, ...]:
    headline = record.headline
    return (
        record.run_id,
        record.started_at.strftime("%Y-%m-%d %H:%M:%S"),
        record.status,
        format_value("{:,}", record.n_documents) if record.n_documents is not None else "",
        record.update_mode or "",
        _model_cell(headline.get("lda")),
        _model_cell(headline.get("embedding")),
        _changes(headline.get("drift")) if record.status == "complete" else (record.error or ""),
    )


def _model_cell(numbers: dict[str, Any] | None) -> str:
    if not numbers:
        return ""
    return (
        f"{format_value('{:d}', numbers.get('n_topics'))} topics, "
        f"NPMI {format_value('{:.3f}', numbers.get('npmi'))}"
    )


def _changes(drift: dict[str, dict[str, int]] | None) -> str:
    """E.g. ``lda +1 -0, embedding +2 -1`` (emerged, vanished), or ``first run``."""
    if not drift:
        return "first run"
    return ", ".join(
        f"{model} +{counts['emerged']} -{counts['vanished']}" for model, counts in drift.items()
    )


def format_run(record: RunRecord) -> str:
    """The headline of one run: what, when, how it ended, its numbers and top topics."""
    lines = [
        f"run {record.run_id}",
        f"corpus: {record.corpus_name} ({format_value('{:,}', record.n_documents)} documents)",
        f"source: {record.corpus_source or 'n/a'}",
        f"started: {_when(record.started_at)}",
        f"finished: {_when(record.finished_at)}",
        f"status: {record.status}" + (f" ({record.error})" if record.error else ""),
        f"update: {record.update_mode or 'n/a'}",
        f"run directory: {record.run_dir or 'n/a'}",
    ]
    if record.status == "complete":
        corpus = {"name": record.corpus_name, "documents": record.n_documents or 0}
        table = headline_markdown(corpus, record.headline).split("\n", 2)[2]  # below the title
        lines += ["", table.rstrip()]
        nmi = record.headline.get("agreement_nmi")
        lines.append(f"document agreement (NMI): {format_value('{:.3f}', nmi)}")
        lines.append(f"changes since the previous run: {_changes(record.headline.get('drift'))}")
    for model, topics in record.topics.items():
        lines += ["", f"{model} topics (id, documents, top words):"]
        lines += [f"  {t['id']:>3}  {t['size']:>7,}  {', '.join(t['words'][:8])}" for t in topics]
    return "\n".join(lines)


def _when(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else "n/a"
