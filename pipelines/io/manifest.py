"""``manifest.json``: what ran, on what, with which versions, and how long each stage took."""

from __future__ import annotations

import datetime as dt
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from topicflow.pipelines.io.rundir import write_json

# The libraries whose versions can change a run's numbers.
TRACKED_PACKAGES = (
    "topicflow",
    "numpy",
    "scikit-learn",
    "gensim",
    "torch",
    "sentence-transformers",
    "transformers",
    "onnxruntime",
    "umap-learn",
    "pynndescent",
    "numba",
    "hdbscan",
    "pyarrow",
    "prefect",
)


def package_versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Manifest:
    """A manifest kept on disk from the start of a run and rewritten after every stage."""

    def __init__(self, path: Path, run_id: str, config: dict[str, Any], **facts: Any) -> None:
        self.path = path
        self.data: dict[str, Any] = {
            "run_id": run_id,
            "status": "running",
            "started_at": now(),
            "finished_at": None,
            "seed": config.get("seed"),
            "config": config,
            "versions": package_versions(),
            **facts,
            "stages": {},
        }
        self.save()

    def record_stage(
        self, name: str, started_at: str, finished_at: str, seconds: float, cache: str | None = None
    ) -> None:
        """``cache`` is "hit", "miss", or None for stages that do not cache."""
        self.data["stages"][name] = {
            "started_at": started_at,
            "finished_at": finished_at,
            "seconds": round(seconds, 3),
            "cache": cache,
        }
        self.save()

    def update(self, **facts: Any) -> None:
        self.data.update(facts)
        self.save()

    def finish(self) -> None:
        self.update(status="complete", finished_at=now())

    def save(self) -> None:
        write_json(self.path, self.data)
