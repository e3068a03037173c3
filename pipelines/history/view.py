"""Plain-text views of the run history: ``topicflow history`` and ``topicflow show``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from topicflow.pipelines.history.database import RunRecord
from topicflow.pipelines.history.lineage import TopicLine
from topicflow.pipelines.models.registry import title
from topicflow.pipelines.report.headline import format_value, headline_table

_BEFORE = ("run id", "started (UTC)", "status", "docs", "update")


def headline_of(record: RunRecord) -> dict[str, Any]:
    """A record's headline numbers as ``{"models": {name: {...}}, "agreement": [{"a", "b",
    "nmi"}], "drift": {name: counts}}``. Records written before models became pluggable
    kept each model's numbers at the top level and one ``agreement_nmi`` for the pair."""
    headline = record.headline or {}
    if "models" in headline:
        return headline
    models = {k: v for k, v in headline.items() if k != "drift" and isinstance(v, dict)}
    names = list(models)
    nmi = headline.get("agreement_nmi")
    agreement = [{"a": names[0], "b": names[1], "nmi": nmi}] if len(names) == 2 else []
    return {"models": models, "agreement": agreement, **_only(headline, "drift")}


def _only(values: dict[str, Any], key: str) -> dict[str, Any]:
    return {key: values[key]} if key in values else {}


def format_runs(records: Sequence[RunRecord]) -> str:
    """One line per run, newest first, aligned in columns: one per model any run fitted."""
    if not records:
        return "no runs recorded yet"
    headlines = [headline_of(record) for record in records]
    models = list(dict.fromkeys(name for h in headlines for name in h["models"]))
    columns = (*_BEFORE, *(title(name) for name in models), "changes")
    rows = [columns] + [
        _row(record, headline, models) for record, headline in zip(records, headlines, strict=True)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _row(record: RunRecord, headline: dict[str, Any], models: list[str]) -> tuple[str, ...]:
    return (
        record.run_id,
        record.started_at.strftime("%Y-%m-%d %H:%M:%S"),
        record.status,
        format_value("{:,}", record.n_documents) if record.n_documents is not None else "",
        record.update_mode or "",
        *(_model_cell(headline["models"].get(name)) for name in models),
        _changes(headline.get("drift"), headline.get("drift_names"))
        if record.status == "complete"
        else (record.error or ""),
    )


def _model_cell(numbers: dict[str, Any] | None) -> str:
    if not numbers:
        return ""
    return (
        f"{format_value('{:d}', numbers.get('n_topics'))} topics, "
        f"NPMI {format_value('{:.3f}', numbers.get('npmi'))}"
    )


# Names of emerged and vanished topics shown per model in the changes column.
_NAMES_SHOWN = 3


def _changes(
    drift: dict[str, dict[str, int]] | None, names: dict[str, dict[str, list]] | None = None
) -> str:
    """E.g. ``LDA +1 -0 (+tax credit reform), Embedding +2 -1 (1 set aside)`` (emerged,
    vanished, the names of those topics when the run named them, and old topics whose
    words the fit set aside), or ``first run``."""
    if not drift:
        return "first run"
    cells = []
    for model, counts in drift.items():
        cell = f"{title(model)} +{counts['emerged']} -{counts['vanished']}"
        named = (names or {}).get(model, {})
        shown = [f"+{n}" for n in named.get("emerged", [])]
        shown += [f"-{n}" for n in named.get("vanished", [])]
        more = "; ..." if len(shown) > _NAMES_SHOWN else ""
        shown = shown[:_NAMES_SHOWN]
        if counts.get("set_aside"):  # runs before 2026-12 counted none
            shown.insert(0, f"{counts['set_aside']} set aside")
        if shown:
            cell += f" ({'; '.join(shown)}{more})"
        cells.append(cell)
    return ", ".join(cells)


def _agreement(pairs: list[dict[str, Any]]) -> str:
    if not pairs:
        return "n/a"
    return ", ".join(
        f"{title(p['a'])} vs {title(p['b'])} {format_value('{:.3f}', p.get('nmi'))}" for p in pairs
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
        headline = headline_of(record)
        lines += ["", headline_table(headline["models"]).rstrip()]
        lines.append(f"document agreement (NMI): {_agreement(headline['agreement'])}")
        changes = _changes(headline.get("drift"), headline.get("drift_names"))
        lines.append(f"changes since the previous run: {changes}")
    for model, topics in record.topics.items():
        named = any(t.get("name") for t in topics)
        heading = "id, documents, name: top words" if named else "id, documents, top words"
        lines += ["", f"{title(model)} topics ({heading}):"]
        lines += [f"  {t['id']:>3}  {t['size']:>7,}  {_topic_line(t)}" for t in topics]
    return "\n".join(lines)


def _topic_line(topic: dict[str, Any]) -> str:
    words = ", ".join(topic["words"][:8])
    return f"{topic['name']}: {words}" if topic.get("name") else words


def _when(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else "n/a"


_LINE_COLUMNS = ("run id", "finished (UTC)", "topic", "docs", "share")


def format_topic_line(line: TopicLine, limit: int | None = None) -> str:
    """A topic's line through the runs, one row per run, oldest first, the asked one
    marked ``*``. With ``limit``, the newest ``limit`` rows that still hold the asked one."""
    model, steps = title(line.model), line.steps
    asked = next(i for i, step in enumerate(steps) if step.key == line.start)
    first = min(max(0, len(steps) - limit), asked) if limit else 0
    shown = steps[first : first + limit] if limit else steps
    runs = "run" if len(steps) == 1 else "runs"
    lines = [f"{model} topic {line.start[1]} of run {line.start[0]} (*): {len(steps)} {runs}"]
    words = "name: top words" if any(step.name for step in shown) else "top words"
    rows = [(*_LINE_COLUMNS, words)] + [
        (
            step.run.run_id + (" *" if step.key == line.start else ""),
            step.run.finished_at.strftime("%Y-%m-%d %H:%M:%S") if step.run.finished_at else "n/a",
            str(step.topic_id),
            f"{step.size:,}",
            format_value("{:.1%}", step.share),
            _topic_line({"words": step.words, "name": step.name}),
        )
        for step in shown
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_LINE_COLUMNS))]
    lines += [
        "  ".join([*(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)), row[-1]]).rstrip()
        for row in rows
    ]
    earlier, later = first, len(steps) - first - len(shown)
    if earlier or later:
        lines.append(f"({earlier} earlier and {later} later runs not shown: --limit)")
    return "\n".join(lines)
