"""Headline numbers of a run as Markdown: the Prefect artifact and the top of report.md."""

from __future__ import annotations

from typing import Any

_ROWS = (
    ("topics", "n_topics", "{:d}"),
    ("NPMI (c_npmi, top 10)", "npmi", "{:.3f}"),
    ("topic diversity", "diversity", "{:.3f}"),
    ("unassigned documents", "unassigned_share", "{:.1%}"),
)


def headline_markdown(corpus: dict[str, Any], metrics: dict[str, Any]) -> str:
    """A two-column table (LDA | embedding) of the numbers an analyst looks at first."""
    models = [("LDA", metrics.get("lda", {})), ("Embedding", metrics.get("embedding", {}))]
    lines = [
        f"**{corpus.get('name', 'corpus')}**: {corpus.get('documents', 0):,} documents",
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
