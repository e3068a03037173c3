"""The ``topicflow`` command line.

Bad input or bad config ends with one line on stderr and exit code 2, before any
flow run starts and before any run directory exists. The last line a successful
``run`` prints on stdout is the path of the finished run directory.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from topicflow.flows.app import history_commands
from topicflow.flows.app.exits import EXIT_BAD_INPUT, EXIT_RUN_FAILED, fail, storage_errors
from topicflow.flows.app.options import (
    ConfigOpt,
    CorpusNameOpt,
    CorpusOpt,
    DaskAddressOpt,
    DaskWorkersOpt,
    FieldOpt,
    FormatOpt,
    LabelFieldOpt,
    OutOpt,
    RecomputeOpt,
    RunnerOpt,
    SeedOpt,
    StoreOpt,
    TextFieldOpt,
)
from topicflow.flows.app.preflight import check_room, check_writable, prepare
from topicflow.flows.app.stopping import RUN_ENV, exit_on_signals
from topicflow.flows.orchestration.prefect_env import (
    configured_api_url,
    prefect_api,
    prepare_prefect,
)
from topicflow.pipelines import __version__
from topicflow.pipelines.config import Config
from topicflow.pipelines.corpus.documents import require_documents
from topicflow.pipelines.corpus.ingest import read_corpus
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.history.database import open_history
from topicflow.pipelines.io.store import cached_corpus, read_corpus_cached
from topicflow.pipelines.models.expected_warnings import ignore_nmf_convergence

app = typer.Typer(
    name="topicflow",
    help="Compare classical LDA topics with transformer-embedding topics on a text corpus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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
    # Registered before a command imports Prefect and the models, so it runs after their
    # exit hooks: Python's last garbage collection, once the modules are torn down, walks
    # every object of torch, Prefect and the rest, seconds at each exit (3 s on a busy
    # 2-core machine), to free memory that the process's end frees anyway. Frozen, it skips.
    atexit.register(gc.freeze)
    ignore_nmf_convergence()  # before any thread: see pipelines/models/expected_warnings.py


def _overrides(
    seed,
    format,
    text_field,
    id_field,
    label_field,
    time_field,
    name=None,  # noqa: A002
) -> dict[str, Any]:
    return {
        "seed": seed,
        "corpus": {
            "name": name,
            "format": format,
            "text_field": text_field,
            "id_field": id_field,
            "label_field": label_field,
            "time_field": time_field,
        },
    }


def _settle(
    corpus: str | None, config: str | None, overrides: dict[str, Any], store: Path | None
) -> tuple[Config, str, Path]:
    """The validated config, the corpus source and the store; bad config exits here."""
    try:
        return prepare(corpus, config, overrides, str(store) if store else None)
    except InputError as exc:
        fail(exc)


# A corpus of up to this many records is read whole before Prefect starts; of a longer
# one only this head (5,000 posts of 20 Newsgroups take 0.3 s), so that the server's start
# is not held back for long. The rest is read while the server boots.
HEAD_RECORDS = 5_000


def _check_storage(cfg: Config, out: Path, store: Path) -> None:
    """A read-only or unwritable ``--out`` or ``--store`` fails here, before anything is
    created or the corpus is read (see flows/app/preflight.py)."""
    try:
        check_writable(cfg, out, store)
    except InputError as exc:
        fail(exc)


def _check_inputs(cfg: Config, source: str, store: Path, out: Path) -> bool:
    """Check what a user can get wrong before Prefect starts, so that a mistake costs one
    line at once, not a server's start and stop (seconds), and leaves no run directory:
    the corpus's path, format, encoding and fields from its first records, its size and
    the room it needs when that was all of it, and the history database. Returns whether
    the room was checked."""
    try:
        head = read_corpus(source, cfg.corpus, limit=HEAD_RECORDS)
        whole = head.stats.records < HEAD_RECORDS
        if whole:
            require_documents(head, cfg.required_documents())
            cached = cached_corpus(source, cfg.corpus, store) is not None
            check_room(cfg, head, out, store, cached)  # before the history creates its file
        with storage_errors(EXIT_BAD_INPUT):
            history = open_history(store, cfg.history)  # a bad URL fails here, not mid-run
        if history is not None:
            history.close()
    except InputError as exc:
        fail(exc)
    return whole


def _read_corpus(cfg: Config, source: str, store: Path, out: Path, room_checked: bool) -> None:
    """Read the whole corpus into the store's corpus cache, which the flow's ingest stage
    then reads; a mistake past the head :func:`_check_inputs` read ends here, still before
    the flow starts, and so does a corpus too large for the room left."""
    try:
        with storage_errors(EXIT_BAD_INPUT):
            documents, cached = read_corpus_cached(source, cfg.corpus, store)
        require_documents(documents, cfg.required_documents())
        if not room_checked:
            check_room(cfg, documents, out, store, cached)
    except InputError as exc:
        fail(exc)


def _answer_unchanged(
    cfg: Config, source: str, store: Path, out: Path, corpus: str | None, config_file: str | None
) -> Path | None:
    """The run directory of a run answered from the corpus's last run, before Prefect
    starts; None when something changed (see flows/reuse.py)."""
    from topicflow.flows.app.preflight import corpus_name
    from topicflow.flows.app.reuse import answer_unchanged, reuse_message

    try:
        name = corpus_name(cfg, corpus)
        with storage_errors(EXIT_RUN_FAILED):  # its run writes a run directory too
            answered = answer_unchanged(cfg, source, store, str(out), name, config_file)
    except InputError as exc:
        fail(exc)
    if answered is None:
        return None
    run_dir, previous = answered
    typer.echo(f"topicflow: {reuse_message(previous)}; --recompute runs it again", err=True)
    return run_dir


def _check_runner(runner: str, dask_address: str | None, dask_workers: int) -> None:
    from topicflow.flows.orchestration.runners import RUNNERS

    if runner not in RUNNERS:
        fail(InputError(f"--runner must be one of {', '.join(RUNNERS)}, got '{runner}'"))
    if runner != "dask" and dask_address:
        fail(InputError("--dask-address needs --runner dask"))
    if dask_workers < 1:
        fail(InputError(f"--dask-workers must be at least 1, got {dask_workers}"))


def _check_cluster(address: str, store: Path) -> None:
    """An existing Dask cluster that cannot run the flow's tasks fails here, in one line,
    before the run starts (see flows/orchestration/dask_cluster.py)."""
    from topicflow.flows.orchestration.dask_cluster import check_cluster

    try:
        notice = check_cluster(address, configured_api_url(store))
    except InputError as exc:
        fail(exc)
    if notice:
        typer.echo(f"topicflow: {notice}", err=True)


def _stops_on_signals(command: Callable[..., None]) -> Callable[..., None]:
    """The command stops within seconds on SIGTERM or SIGINT, its run and child
    processes with it, and exits 143 or 130 (see flows/app/stopping.py)."""

    @functools.wraps(command)
    def stoppable(*args: Any, **kwargs: Any) -> None:
        with exit_on_signals():
            command(*args, **kwargs)

    return stoppable


@app.command()
@_stops_on_signals
def run(
    corpus: CorpusOpt = None,
    config: ConfigOpt = None,
    text_field: TextFieldOpt = None,
    id_field: FieldOpt = None,
    label_field: LabelFieldOpt = None,
    time_field: FieldOpt = None,
    format: FormatOpt = None,  # noqa: A002 - the flag is --format
    seed: SeedOpt = None,
    corpus_name: CorpusNameOpt = None,
    out: OutOpt = Path("runs"),
    store: StoreOpt = None,
    runner: RunnerOpt = "threads",
    dask_address: DaskAddressOpt = None,
    dask_workers: DaskWorkersOpt = 2,
    recompute: RecomputeOpt = False,
) -> None:
    """Run the whole analysis and print the path of the run directory."""
    _check_runner(runner, dask_address, dask_workers)
    overrides = _overrides(seed, format, text_field, id_field, label_field, time_field, corpus_name)
    config_file = str(config) if config else None
    cfg, source, store_path = _settle(corpus, config_file, overrides, store)
    _check_storage(cfg, out, store_path)
    if not recompute and (
        reused := _answer_unchanged(cfg, source, store_path, out, corpus, config_file)
    ):
        typer.echo(reused)
        return
    room_checked = _check_inputs(cfg, source, store_path, out)
    if dask_address:
        _check_cluster(dask_address, store_path)
    with prefect_api(store_path) as api_ready:  # it boots while the corpus is read
        _read_corpus(cfg, source, store_path, out, room_checked)
        from topicflow.flows.orchestration.runners import task_runner
        from topicflow.flows.orchestration.topic_analysis import topic_analysis

        flow = topic_analysis.with_options(
            task_runner=task_runner(runner, dask_address, dask_workers)
        )
        api_ready()
        try:
            with storage_errors(EXIT_RUN_FAILED):
                run_dir = flow(
                    corpus=corpus,
                    config=config_file,
                    overrides=overrides,
                    out=str(out),
                    store=str(store_path),
                    reuse=not recompute,
                )
        except InputError as exc:
            fail(exc)
    typer.echo(run_dir)


@app.command()
@_stops_on_signals
def serve(
    cron: Annotated[
        str, typer.Option(help='When to run, as a cron expression in UTC, e.g. "0 6 * * *".')
    ],
    corpus: CorpusOpt = None,
    config: ConfigOpt = None,
    text_field: TextFieldOpt = None,
    id_field: FieldOpt = None,
    label_field: LabelFieldOpt = None,
    time_field: FieldOpt = None,
    format: FormatOpt = None,  # noqa: A002 - the flag is --format
    seed: SeedOpt = None,
    corpus_name: CorpusNameOpt = None,
    out: OutOpt = Path("runs"),
    store: StoreOpt = None,
    name: Annotated[str, typer.Option(help="Deployment name.")] = "scheduled",
) -> None:
    """Serve the analysis as a Prefect deployment that runs on a cron schedule (until stopped).

    The corpus is re-read at every run, so a file or folder that grows is analysed anew.
    """
    overrides = _overrides(seed, format, text_field, id_field, label_field, time_field, corpus_name)
    # Absolute paths: scheduled runs must not depend on where the server process started.
    corpus_path = str(Path(corpus).expanduser().resolve()) if corpus else None
    config_file = str(config.expanduser().resolve()) if config else None
    _check_cron(cron)
    cfg, source, store_path = _settle(corpus_path, config_file, overrides, store)
    _check_storage(cfg, out, store_path)
    room_checked = _check_inputs(cfg, source, store_path, out)
    _read_corpus(cfg, source, store_path, out, room_checked)
    prepare_prefect(store_path)
    os.environ[RUN_ENV] = "1"  # the runs, processes of their own, stop on signals too
    from topicflow.flows.orchestration.local_server import local_prefect_server

    # Prefect's on-demand API cannot schedule: without a server of the user's own, start one.
    own_server = bool(os.environ.get("PREFECT_API_URL"))
    with (
        nullcontext(os.environ["PREFECT_API_URL"]) if own_server else local_prefect_server() as api
    ):
        os.environ["PREFECT_API_URL"] = api
        typer.echo(f"topicflow: serving on the Prefect API at {api}", err=True)
        _serve(name, cron, corpus_path, config_file, overrides, out, store_path)


def _check_cron(cron: str) -> None:
    # cronsim (a Prefect dependency) checks without importing Prefect, which must not be
    # imported before PREFECT_API_URL is final: it reads its settings once, at import.
    from cronsim import CronSim, CronSimError

    try:
        CronSim(cron, datetime.now())
    except CronSimError as exc:
        fail(InputError(f'invalid --cron "{cron}" ({exc}); expected e.g. "0 6 * * *"'))


def _serve(name, cron, corpus_path, config_file, overrides, out, store_path) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    from topicflow.flows.orchestration.topic_analysis import topic_analysis

    topic_analysis.serve(
        schedules=[CronSchedule(cron=cron, timezone="UTC")],
        name=name,
        parameters={
            "corpus": corpus_path,
            "config": config_file,
            "overrides": overrides,
            "out": str(out.expanduser().resolve()),
            "store": str(store_path),
        },
        description="topicflow: LDA and embedding topics, compared, with a report per run.",
        tags=["topicflow"],
    )


app.command()(history_commands.history)
app.command()(history_commands.show)
