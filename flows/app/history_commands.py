"""``topicflow history`` and ``topicflow show``: the run history, read without Prefect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from topicflow.flows.app.exits import fail
from topicflow.flows.app.options import CorpusNameOpt, HistoryUrlOpt, StoreOpt
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.history.database import RunHistory
from topicflow.pipelines.history.lineage import parse_topic_spec
from topicflow.pipelines.history.view import format_run, format_runs, format_topic_line


def history(
    corpus_name: CorpusNameOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many runs.")] = 20,
    store: StoreOpt = None,
    history_url: HistoryUrlOpt = None,
    topic: Annotated[
        str | None,
        typer.Option(
            metavar="RUN_ID:MODEL:TOPIC",
            help="Print this topic's line through the runs instead, oldest first "
            "(e.g. 20261121-060000:lda:3; a run id prefix is enough).",
        ),
    ] = None,
) -> None:
    """List recorded runs, newest first, with their headline numbers and topic changes."""
    if topic is not None and corpus_name is not None:
        fail(InputError("--topic takes the corpus from its run: leave out --corpus-name"))
    try:
        spec = parse_topic_spec(topic) if topic is not None else None
    except InputError as exc:
        fail(exc)
    recorded = _open_history(store, history_url)
    recorded.reap_interrupted()
    if spec is None:
        typer.echo(format_runs(recorded.runs(corpus_name, limit)))
        return
    try:
        line = recorded.topic_line(spec)
    except InputError as exc:
        fail(exc)
    typer.echo(format_topic_line(line, limit))


def show(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one.")],
    store: StoreOpt = None,
    history_url: HistoryUrlOpt = None,
) -> None:
    """Print one recorded run: its headline numbers and its topics."""
    try:
        record = _open_history(store, history_url).get(run_id)
    except InputError as exc:
        fail(exc)
    typer.echo(format_run(record))


def _open_history(store: Path | None, url: str | None) -> RunHistory:
    from topicflow.pipelines.io.store import resolve_store

    try:
        return RunHistory.for_store(resolve_store(store), url)
    except InputError as exc:
        fail(exc)
