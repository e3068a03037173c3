"""The report's "How the topics line up" section: per pair of models, the splits and
merges between their topics (when the run has edges), the similarity heatmap, the
one-to-one matches and the document agreement."""

from __future__ import annotations

from topicflow.pipelines.io.run_files import RunData
from topicflow.pipelines.io.run_shapes import Comparison
from topicflow.pipelines.models.registry import title as model_title
from topicflow.pipelines.report.escape import html_text as _esc
from topicflow.pipelines.report.headline import format_value
from topicflow.pipelines.report.tree_html import comparison_edges


def alignment_id(index: int) -> str:
    return f"alignment-{index}"


def alignments_section(run: RunData) -> str:
    """A heatmap and the matched and unmatched topics of every pair of models."""
    if not run.metrics.comparisons:
        return ""
    parts = []
    for i, comparison in enumerate(run.metrics.comparisons):
        a, b = model_title(comparison.a), model_title(comparison.b)
        drawn = bool(comparison.edges)
        parts.append(
            f"<h3>{_esc(a)} and {_esc(b)}</h3>{comparison_edges(run, comparison, i, drawn)}"
            f'<div id="{alignment_id(i)}" class="plot"></div>'
            f"{_alignment_lists(run, comparison)}"
            f"<p>{_esc(_agreement(comparison))}</p>"
        )
    return f"<section><h2>How the topics line up</h2>{''.join(parts)}</section>"


def _agreement(comparison: Comparison) -> str:
    agreement = comparison.agreement
    return (
        f"Document agreement: NMI {format_value('{:.3f}', agreement.nmi)}, "
        f"AMI {format_value('{:.3f}', agreement.ami)}, "
        f"ARI {format_value('{:.3f}', agreement.ari)} on the "
        f"{agreement.documents_compared:,} of {agreement.documents:,} documents both assign "
        f"(NMI {format_value('{:.3f}', agreement.nmi_with_unassigned)} with unassigned ones "
        "as a group)."
    )


def _alignment_lists(run: RunData, comparison: Comparison) -> str:
    primary = comparison.alignment.primary
    measure = comparison.alignment.measure()
    if measure is None:
        return f'<p class="muted">No {_esc(primary)} similarity in this run.</p>'
    result = measure.alignment

    def name(model: str, topic_id: int) -> str:
        topics = run.topics.get(model, [])
        return f"{topic_id}: {topics[topic_id].label}" if topic_id < len(topics) else str(topic_id)

    a, b = model_title(comparison.a), model_title(comparison.b)
    matched = "".join(
        f"<tr><td>{_esc(name(comparison.a, m.a))}</td><td>{_esc(name(comparison.b, m.b))}</td>"
        f"<td>{m.similarity:.3f}</td></tr>"
        for m in result.matched
    )
    a_only = ", ".join(_esc(name(comparison.a, i)) for i in result.a_only) or "none"
    b_only = ", ".join(_esc(name(comparison.b, i)) for i in result.b_only) or "none"
    return (
        f'<p class="muted">Measure: {_esc(primary)} similarity, one-to-one matching, threshold '
        f"{_fmt('{:.2f}', result.threshold)}.</p>"
        f"<table><tr><th>{_esc(a)} topic</th><th>{_esc(b)} topic</th><th>similarity</th></tr>"
        f"{matched}</table><p><b>{_esc(a)}-only:</b> {a_only}</p>"
        f"<p><b>{_esc(b)}-only:</b> {b_only}</p>"
    )


def _fmt(fmt: str, value) -> str:
    return _esc(format_value(fmt, value))
