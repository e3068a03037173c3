"""The options the ``topicflow`` commands share, typed once for typer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

CorpusOpt = Annotated[
    str | None,
    typer.Option(
        "--corpus",
        help="File, directory or glob to analyse (default: the built-in Lee news sample).",
    ),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML config (default: built-in defaults).")
]
FieldOpt = Annotated[str | None, typer.Option(help="Column or JSON field name.")]


TextFieldOpt = Annotated[
    str | None, typer.Option(help="Column or JSON field holding the text [default: text].")
]
LabelFieldOpt = Annotated[
    str | None, typer.Option(help="Column or JSON field holding a gold label, if any.")
]
FormatOpt = Annotated[
    str | None, typer.Option(help="Input format: auto, txt, lines, csv, tsv, jsonl or parquet.")
]
SeedOpt = Annotated[int | None, typer.Option(help="Random seed for every model.")]
OutOpt = Annotated[Path, typer.Option(help="Parent directory of run directories.")]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        help="Cache and history store [default: $TOPICFLOW_STORE or ~/.local/share/topicflow]."
    ),
]


CorpusNameOpt = Annotated[
    str | None,
    typer.Option(
        "--corpus-name",
        help="Name of the corpus in the run history [default: from the corpus path].",
    ),
]
HistoryUrlOpt = Annotated[
    str | None,
    typer.Option(
        help="SQLAlchemy URL of the history database "
        "[default: $TOPICFLOW_HISTORY_URL, else history/history.sqlite in the store]."
    ),
]


RunnerOpt = Annotated[
    str,
    typer.Option(help="Where tasks run: threads (this process) or dask (a Dask cluster)."),
]
DaskAddressOpt = Annotated[
    str | None,
    typer.Option(
        help="Scheduler of an existing Dask cluster, e.g. tcp://host:8786; needs PREFECT_API_URL "
        "(a Prefect server the workers reach too)."
    ),
]
DaskWorkersOpt = Annotated[
    int, typer.Option(help="Worker processes of the local Dask cluster (no --dask-address).")
]


RecomputeOpt = Annotated[
    bool,
    typer.Option(
        help="Run the analysis even when nothing changed since the corpus's last run, "
        "instead of answering from that run (the stage caches still apply)."
    ),
]
