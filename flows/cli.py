"""The ``topicflow`` command line.

Bad input or bad config ends with one line on stderr and exit code 2, before
Prefect starts and before any run directory exists. The last line a successful
``run`` prints on stdout is the path of the finished run directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from flows.preflight import prepare
from pipelines import __version__
from pipelines.corpus import require_documents
from pipelines.errors import InputError
from pipelines.store import read_corpus_cached

app = typer.Typer(
    name="topicflow",
    help="Compare classical LDA topics with transformer-embedding topics on a text corpus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_BAD_INPUT = 2


def _fail(exc: Exception) -> NoReturn:
    typer.echo(f"topicflow: error: {exc}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"topicflow {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Compare classical LDA topics with transformer-embedding topics on a text corpus."""


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


@app.command()
def run(
    corpus: CorpusOpt = None,
    config: ConfigOpt = None,
    text_field: Annotated[
        str | None, typer.Option(help="Column or JSON field holding the text [default: text].")
    ] = None,
    id_field: FieldOpt = None,
    label_field: Annotated[
        str | None, typer.Option(help="Column or JSON field holding a gold label, if any.")
    ] = None,
    time_field: FieldOpt = None,
    format: Annotated[  # noqa: A002 - the flag is --format
        str | None,
        typer.Option(help="Input format: auto, txt, lines, csv, tsv, jsonl or parquet."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed for every model.")] = None,
    out: Annotated[Path, typer.Option(help="Parent directory of run directories.")] = Path("runs"),
    store: Annotated[
        Path | None,
        typer.Option(
            help="Cache and history store [default: $TOPICFLOW_STORE or ~/.local/share/topicflow]."
        ),
    ] = None,
) -> None:
    """Run the whole analysis and print the path of the run directory."""
    overrides: dict[str, Any] = {
        "seed": seed,
        "corpus": {
            "format": format,
            "text_field": text_field,
            "id_field": id_field,
            "label_field": label_field,
            "time_field": time_field,
        },
    }
    config_file = str(config) if config else None
    # Everything a user can get wrong is checked here, before Prefect starts, so a
    # mistake costs one line and leaves nothing behind. Ingestion fills the store's
    # corpus cache, which the flow's ingest stage then reads.
    try:
        cfg, source, store_path = prepare(
            corpus, config_file, overrides, str(store) if store else None
        )
        documents, _ = read_corpus_cached(source, cfg.corpus, store_path)
        require_documents(documents, cfg.required_documents())
    except InputError as exc:
        _fail(exc)

    from flows.prefect_env import prepare_prefect

    prepare_prefect(store_path)
    from flows.topic_analysis import topic_analysis

    try:
        run_dir = topic_analysis(
            corpus=corpus,
            config=config_file,
            overrides=overrides,
            out=str(out),
            store=str(store_path),
        )
    except InputError as exc:
        _fail(exc)
    typer.echo(run_dir)
