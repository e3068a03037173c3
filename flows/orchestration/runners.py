"""Where the flow's tasks run: threads in this process, or a Dask cluster (prefect-dask)."""

from __future__ import annotations

from typing import Any

RUNNERS = ("threads", "dask")


def task_runner(
    kind: str = "threads", dask_address: str | None = None, dask_workers: int = 2
) -> Any:
    """A Prefect task runner. ``dask`` without an address starts a ``LocalCluster`` of
    ``dask_workers`` single-threaded worker processes for the run and stops it afterwards."""
    if kind == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner()
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1, "processes": True}
    )
