"""The Prefect artifacts a finished run leaves in the UI: its headline numbers, a link
to its run directory and what changed since the corpus's last run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.artifacts import create_link_artifact, create_markdown_artifact

from topicflow.pipelines.report.headline import drift_markdown, headline_markdown


def publish_artifacts(run_dir: Path, corpus: dict[str, Any], metrics: dict[str, Any]) -> None:
    """Prefect artifacts: the headline numbers and where the run's files are."""
    summary = headline_markdown(corpus, metrics) + f"\nRun directory: `{run_dir}`\n"
    create_markdown_artifact(
        key="topic-analysis-summary", markdown=summary, description="Headline metrics"
    )
    create_link_artifact(key="topic-analysis-run", link=run_dir.as_uri(), link_text=run_dir.name)
    create_markdown_artifact(
        key="topic-analysis-drift",
        markdown=drift_markdown(metrics["drift"]),
        description=(
            "Topics that persisted, emerged, vanished, were set aside, split or merged "
            "since the last run"
        ),
    )
