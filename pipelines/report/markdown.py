"""``report.md``: the headline numbers and topic tables, for e-mail and chat."""

from __future__ import annotations

from topicflow.pipelines.io.run_data import RunData
from topicflow.pipelines.report.escape import markdown_text
from topicflow.pipelines.report.headline import drift_markdown, headline_markdown, reused_note


def render_markdown(run: RunData) -> str:
    corpus = run.manifest.get("corpus", {})
    lines = [f"# topicflow report: {markdown_text(run.corpus_name)}", ""]
    lines.append(headline_markdown(corpus, run.metrics))
    if note := reused_note(run.manifest):
        lines.append(note + "\n")
    if run.metrics.get("drift"):
        lines.append(drift_markdown(run.metrics["drift"]))
    agreement = run.metrics.get("agreement", {})
    if agreement:
        lines.append(
            f"Document agreement between the models: NMI {agreement.get('nmi', 0):.3f}, "
            f"ARI {agreement.get('ari', 0):.3f}.\n"
        )
    for key, title in (("lda", "LDA topics"), ("embedding", "Embedding topics")):
        npmi = run.metrics.get(key, {}).get("npmi_per_topic", [])
        lines += [
            f"## {title}",
            "",
            "| topic | documents | NPMI | top words |",
            "|---|---|---|---|",
        ]
        for topic in run.topics.get(key, []):
            score = npmi[topic["id"]] if topic["id"] < len(npmi) else None
            shown = f"{score:.3f}" if isinstance(score, float) else "n/a"
            words = markdown_text(", ".join(topic["words"][:10]))
            lines.append(f"| {topic['id']} | {topic['size']:,} | {shown} | {words} |")
        lines.append("")
    alignment = run.metrics.get("alignment", {})
    primary = alignment.get("primary")
    if primary:
        result = alignment[primary]["alignment"]
        lines += [f"## Matched topics ({primary.replace('_', '-')})", ""]
        lines += ["| LDA | embedding | similarity |", "|---|---|---|"]
        lines += [f"| {m['a']} | {m['b']} | {m['similarity']:.3f} |" for m in result["matched"]]
        lines += [
            "",
            f"LDA-only topics: {', '.join(map(str, result['a_only'])) or 'none'}. "
            f"Embedding-only topics: {', '.join(map(str, result['b_only'])) or 'none'}.",
            "",
        ]
    lines.append("Open report.html in this directory for the interactive report.\n")
    return "\n".join(lines)
