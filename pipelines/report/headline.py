"""Headline numbers of a run as Markdown: the Prefect artifact and the top of report.md."""

from __future__ import annotations

from typing import Any

from topicflow.pipelines.report.escape import markdown_text

_ROWS = (
    ("topics", "n_topics", "{:d}"),
    ("NPMI (c_npmi, top 10)", "npmi", "{:.3f}"),
    ("topic diversity", "diversity", "{:.3f}"),
    ("unassigned documents", "unassigned_share", "{:.1%}"),
)


def headline_markdown(corpus: dict[str, Any], metrics: dict[str, Any]) -> str:
    """A two-column table (LDA | embedding) of the numbers an analyst looks at first."""
    models = [("LDA", metrics.get("lda", {})), ("Embedding", metrics.get("embedding", {}))]
    name = markdown_text(corpus.get("name", "corpus"))
    lines = [
        f"**{name}**: {corpus.get('documents', 0):,} documents",
        "",
        "| | " + " | ".join(name for name, _ in models) + " |",
        "|---|" + "---|" * len(models),
    ]
    for label, key, fmt in _ROWS:
        cells = [format_value(fmt, values.get(key)) for _, values in models]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_value(fmt: str, value: Any) -> str:
    """A metric for display: ``n/a`` when missing, as it is when it does not fit ``fmt``."""
    if value is None:
        return "n/a"
    try:
        return fmt.format(value)
    except (TypeError, ValueError):
        return str(value)


def headline_numbers(metrics: dict[str, Any]) -> dict[str, Any]:
    """The numbers the run history keeps of a run (``topicflow show`` prints them)."""
    keys = [key for _, key, _ in _ROWS]
    numbers: dict[str, Any] = {
        model: {key: metrics.get(model, {}).get(key) for key in keys}
        for model in ("lda", "embedding")
    }
    numbers["agreement_nmi"] = metrics.get("agreement", {}).get("nmi")
    drift = metrics.get("drift", {})
    if drift.get("previous_run"):
        numbers["drift"] = {model: drift[model]["counts"] for model in ("lda", "embedding")}
    return numbers


_DRIFT_MODELS = (("lda", "LDA"), ("embedding", "Embedding"))


def drift_title(drift: dict[str, Any]) -> str:
    since = str(drift.get("since") or "")[:16].replace("T", " ")
    return f"What changed since {since} UTC" if since else "What changed"


def drift_markdown(drift: dict[str, Any]) -> str:
    """The report's "What changed since <date>" section (also a Prefect artifact)."""
    lines = [f"## {drift_title(drift)}", ""]
    if not drift.get("previous_run"):
        lines.append("First successful run of this corpus: nothing to compare with yet.")
        return "\n".join(lines) + "\n"
    lines.append(
        f"Compared with run `{drift['previous_run']}` of the same corpus "
        f"(topic word-weight cosine >= {drift['threshold']})."
    )
    lines.append("")
    lines += ["| | persisted | emerged | vanished | split | merged |", "|---|---|---|---|---|---|"]
    for model, label in _DRIFT_MODELS:
        counts = drift[model]["counts"]
        cells = " | ".join(
            str(counts[k]) for k in ("persisted", "emerged", "vanished", "split", "merged")
        )
        lines.append(f"| {label} | {cells} |")
    lines.append("")
    for model, label in _DRIFT_MODELS:
        # Topic words are corpus text: no markup may pass into a rendered artifact.
        safe = [markdown_text(line) for line in drift_lines(drift[model])]
        lines += [f"**{label}**", ""] + [f"- {line}" for line in safe]
        lines.append("")
    return "\n".join(lines)


def drift_lines(model_drift: dict[str, Any]) -> list[str]:
    """One plain-text line per change (emerged, vanished, split, merged, biggest growth)."""

    def words(item: dict) -> str:
        return ", ".join(item["words"])

    lines = [
        f"emerged: topic {t['id']} ({t['size']:,} docs): {words(t)}" for t in model_drift["emerged"]
    ]
    lines += [
        f"vanished: topic {t['id']} ({t['size']:,} docs): {words(t)}"
        for t in model_drift["vanished"]
    ]
    lines += [
        f"split: topic {t['previous']} into {', '.join(map(str, t['into']))}: {words(t)}"
        for t in model_drift["split"]
    ]
    lines += [
        f"merged: topics {', '.join(map(str, t['from']))} into {t['current']}: {words(t)}"
        for t in model_drift["merged"]
    ]
    grown = sorted(
        model_drift["persisted"], key=lambda t: -abs(t["size_after"] - t["size_before"])
    )[:3]
    lines += [
        f"persisted: topic {t['previous']} → {t['current']} "
        f"({t['size_before']:,} → {t['size_after']:,} docs): {words(t)}"
        for t in grown
        if t["size_after"] != t["size_before"]
    ]
    return lines or ["no change in the topics"]


def reused_note(manifest: dict[str, Any]) -> str:
    """A sentence for a run answered from an identical earlier run (empty otherwise)."""
    source = manifest.get("reused_from")
    if not source:
        return ""
    return (
        f"Nothing changed since run {source} (same documents, settings and code), so its "
        "topics, assignments and metrics are reused here. "
    )
