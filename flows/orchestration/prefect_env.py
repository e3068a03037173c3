"""Prefect settings for topicflow's runs; applied before Prefect is first imported.

Prefect reads its settings from the environment when it is imported, so the CLI
calls :func:`prepare_prefect` (or :func:`prefect_api`) first. A user's own
``PREFECT_HOME`` or ``PREFECT_API_URL`` is respected; otherwise Prefect's database
and results live in the topicflow store, not in ``~/.prefect``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from topicflow.flows.orchestration.orphans import stop_with_parent

DEFAULTS = {
    # No network here: server-side telemetry fails loudly and client analytics time out.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # The local API starts on demand (Prefect's ephemeral mode) when no server is configured.
    "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
    # Prefect gives that local API 20 s to start; on a busy 2-core machine (a scheduled
    # run beside other jobs) it can take longer, and the whole run would fail for it.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}
# The temporary server of one run records its flow and task runs (the task run recorder
# stays on) but needs no automations (triggers), no copy of every event in its database
# (the event persister) and no event stream to subscribers. Off, a restart took 4.9 CPU
# seconds instead of 6.7, and 30 s idle 0.34 instead of 0.47
# (``benchmarks/prefect_overhead.py``). Only for that server: ``topicflow serve``'s
# long-lived one streams events to its runner (cancellations), and a configured server
# is not ours to change.
TEMPORARY_SERVER = {
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED": "false",
}


def prepare_prefect(store: Path) -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("PREFECT_HOME", str(prefect_home(store)))


def prefect_home(store: Path) -> Path:
    """Prefect's home for runs on ``store``: the user's ``PREFECT_HOME``, else in the store."""
    return Path(os.environ.get("PREFECT_HOME") or store / "prefect").expanduser()


def configured_api_url(store: Path) -> str | None:
    """The Prefect API URL the user configured (environment, Prefect profile, .env,
    prefect.toml) for runs on ``store``; None when they would use Prefect's temporary
    local server."""
    prepare_prefect(store)
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


@contextlib.contextmanager
def prefect_api(store: Path) -> Iterator[Callable[[], None]]:
    """Prefect set up for ``store``, its temporary API server already booting.

    That server is a process of its own that takes seconds to start (imports, database
    migrations in a new store). Prefect would start it when the flow begins; started
    here, it boots on the other core while the caller reads the corpus and imports the
    flow. Yields a function that waits until the server answers. Prefect stops the server
    when the process exits, after its log handler has sent the run's last logs (stopping
    it sooner leaves that handler retrying a closed port for a minute). A server the user
    configured (environment, Prefect profile) is used as it is.
    """
    prepare_prefect(store)
    from prefect.settings import get_current_settings

    settings = get_current_settings()  # the environment, profiles, .env and prefect.toml
    if settings.api.url or not settings.server.ephemeral.enabled:
        yield lambda: None  # Prefect talks to the configured server, or to none
        return
    # The server process reads its settings from this environment when it starts (and
    # so does the one Prefect's client would start if this one failed).
    for name, value in TEMPORARY_SERVER.items():
        os.environ.setdefault(name, value)
    # Imported here, not in the thread: two threads importing Prefect's modules at once
    # can meet a partly initialised module.
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the instance Prefect's own client will find
    booting = threading.Thread(target=_start_quietly, args=(server,), name="prefect-api")
    booting.start()

    def ready() -> None:
        booting.join()
        if server.running:
            _share_with_children(server.api_url)

    try:
        yield ready
    finally:
        booting.join()  # never exit with a server half-started and not yet known to atexit


def _share_with_children(api_url: str) -> None:
    """Point the processes this run starts at its API server.

    A task on a Dask worker of the run's local cluster talks to Prefect from that
    worker's process. Without an API URL there, Prefect would start one more temporary
    server in every worker: seconds and a quarter of a gigabyte each, and, when the
    run is killed, servers that nothing stops (no watcher knows them). Exported
    before the cluster starts, the workers inherit it and report to this run's
    server. This process's own settings were read at import and are unchanged.
    """
    os.environ.setdefault("PREFECT_API_URL", api_url)


def _start_quietly(server) -> None:
    # A failed start is left for the flow to meet: Prefect's client starts the server
    # again when the flow begins and reports the error itself. The process of the failed
    # attempt goes first, so that it cannot outlive the run.
    try:
        server.start()
    except Exception:  # noqa: BLE001
        server.stop()
        return
    # Prefect stops the server at exit; a killed run never gets there (see .orphans).
    stop_with_parent(server.server_process.pid)
