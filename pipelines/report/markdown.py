"""``report.md``: the headline numbers and topic tables, for e-mail and chat."""

from __future__ import annotations

from topicflow.pipelines.io.run_files import REPORT_HTML_FILE, RunData
from topicflow.pipelines.io.run_shapes import Comparison
from topicflow.pipelines.models.registry import title
from topicflow.pipelines.report.escape import markdown_text as _cell
from topicflow.pipelines.report.headline import (
    agreement_sentence,
    drift_markdown,
    headline_markdown,
    reused_note,
)


def render_markdown(run: RunData) -> str:
    lines = [f"# topicflow report: {_cell(run.corpus_name)}", ""]
    lines.append(headline_markdown(run.manifest.corpus.model_dump(), run.metrics))
    if note := reused_note(run.manifest):
        lines.append(note + "\n")
    if run.metrics.drift is not None:
        lines.append(drift_markdown(run.metrics.drift))
    if agreement := agreement_sentence(run.metrics):
        lines.append(agreement + "\n")
    for model in run.model_names:
        lines += _topic_table(run, model)
    for comparison in run.metrics.comparisons:
        lines += _matched_topics(run, comparison)
    lines.append(f"Open {REPORT_HTML_FILE} in this directory for the interactive report.\n")
    return "\n".join(lines)


def _topic_table(run: RunData, model: str) -> list[str]:
    """A row per topic; a ``name`` column when the run named its topics."""
    quality = run.quality(model)
    npmi = quality.npmi_per_topic if quality is not None else []
    named = any(topic.name for topic in run.topics[model])
    columns = ["topic", *(["name"] if named else []), "documents", "NPMI", "top words"]
    lines = [f"## {title(model)} topics", ""]
    lines += ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    for topic in run.topics[model]:
        score = npmi[topic.id] if topic.id < len(npmi) else None
        shown = f"{score:.3f}" if isinstance(score, float) else "n/a"
        words = _cell(", ".join(topic.words[:10]))
        name = f" {_cell(topic.name or '')} |" if named else ""
        lines.append(f"| {topic.id} |{name} {topic.size:,} | {shown} | {words} |")
    lines.append("")
    return lines


def _matched_topics(run: RunData, comparison: Comparison) -> list[str]:
    primary = comparison.alignment.primary
    measure = comparison.alignment.measure()
    if measure is None:
        return []
    a, b = title(comparison.a), title(comparison.b)
    result = measure.alignment

    def topic(model: str, topic_id: int) -> str:
        """The id, and the name when the topic has one."""
        topics = run.topics.get(model, [])
        name = topics[topic_id].name if topic_id < len(topics) else None
        return f"{topic_id}: {_cell(name)}" if name else str(topic_id)

    def only(model: str, ids: list[int]) -> str:
        return "; ".join(topic(model, i) for i in ids) or "none"

    lines = [f"## Matched topics: {a} and {b} ({primary.replace('_', '-')})", ""]
    lines += [f"| {a} | {b} | similarity |", "|---|---|---|"]
    lines += [
        f"| {topic(comparison.a, m.a)} | {topic(comparison.b, m.b)} | {m.similarity:.3f} |"
        for m in result.matched
    ]
    lines += [
        "",
        f"{a}-only topics: {only(comparison.a, result.a_only)}. "
        f"{b}-only topics: {only(comparison.b, result.b_only)}.",
        "",
    ]
    return lines
