"""Prefect settings for topicflow's runs; applied before Prefect is first imported.

Prefect reads its settings from the environment when it is imported, so the CLI
calls :func:`prepare_prefect` first. A user's own ``PREFECT_HOME`` or
``PREFECT_API_URL`` is respected; otherwise Prefect's database and results live
in the topicflow store, not in ``~/.prefect``.
"""

from __future__ import annotations

import os
from pathlib import Path

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


def prepare_prefect(store: Path) -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("PREFECT_HOME", str(store / "prefect"))
