"""Run directories written atomically: built in a hidden sibling, renamed when complete.

A reader (or a later run) never sees a half-written run directory where a finished
one would be. A staging directory left behind by a killed process is recognised by
its owner file (host and pid) and removed by the next run in the same parent.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
from pathlib import Path
from typing import Any

import numpy as np

from topicflow.pipelines.io.atomic import atomic_write_text
from topicflow.pipelines.io.processes import process_alive

_STAGING_SUFFIX = ".partial"
_OWNER_FILE = ".owner"


def write_json(path: Path, data: Any) -> None:
    """Write strict JSON atomically (temporary file, then rename); NaN becomes null."""
    text = json.dumps(json_ready(data), indent=2, ensure_ascii=False, allow_nan=False, default=str)
    # Not synced: run files live in a staging directory that is renamed only when complete.
    atomic_write_text(path, text + "\n", fsync=False)


def json_ready(value: Any) -> Any:
    """JSON-ready: numpy scalars and arrays to Python, non-finite floats to None."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class RunDirectory:
    """``with RunDirectory(parent, name) as run:`` write into ``run.path``, then ``run.commit()``.

    Leaving the block without ``commit()`` (an exception, say) removes the staging
    directory, so nothing half-written remains.
    """

    def __init__(self, parent: str | Path, name: str) -> None:
        self.parent = Path(parent).expanduser().resolve()
        self.name = name
        self.final = self.parent / name
        self.path = self.parent / f".{name}{_STAGING_SUFFIX}"
        self.committed = False

    def __enter__(self) -> RunDirectory:
        self.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned_staging(self.parent)
        if self.final.exists():
            raise FileExistsError(f"run directory already exists: {self.final}")
        self.path.mkdir()
        owner = {"host": socket.gethostname(), "pid": os.getpid()}
        try:
            atomic_write_text(self.path / _OWNER_FILE, json.dumps(owner), fsync=False)
        except BaseException:  # a full disk: __exit__ will not run, so remove it here
            shutil.rmtree(self.path, ignore_errors=True)
            raise
        return self

    def commit(self) -> Path:
        (self.path / _OWNER_FILE).unlink(missing_ok=True)
        os.rename(self.path, self.final)
        self.committed = True
        return self.final

    def __exit__(self, *exc_info: object) -> None:
        if not self.committed:
            shutil.rmtree(self.path, ignore_errors=True)


def remove_abandoned_staging(parent: Path) -> list[Path]:
    """Remove staging directories whose owning process on this host is gone."""
    removed = []
    for staging in parent.glob(f".*{_STAGING_SUFFIX}"):
        try:
            owner = json.loads((staging / _OWNER_FILE).read_text("utf-8"))
            pid = int(owner.get("pid", 0))  # none recorded: 0, no process
        except (OSError, ValueError, TypeError, AttributeError):
            continue  # being created right now, or not ours: leave it
        if owner.get("host") == socket.gethostname() and not process_alive(pid):
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
    return removed
