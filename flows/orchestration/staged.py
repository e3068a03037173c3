"""What every task of the flow shares: Prefect's ``@task`` without input hashing, a
stage's clock, and :class:`Staged`, the value a task returns with its stage's timing.

Tasks may run in other processes (Dask workers), so they report their timings in the
value instead of writing the manifest themselves; the flow records them.
"""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Generic, TypeVar

from prefect import task as prefect_task
from prefect.cache_policies import NO_CACHE

from topicflow.flows.app.crash_points import crash_point
from topicflow.flows.app.stage_limit import stage_ended, stage_started
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.io.manifest import Manifest, now

T = TypeVar("T")


def task(**options):
    """Prefect's ``@task`` without its default input-hashing cache: the inputs here are large
    (token lists, embedding matrices) and the expensive steps cache by keys of their own.
    A task that fails ends its stage for ``limits.stage_timeout_s`` (see :class:`Clock`)."""
    return prefect_task(cache_policy=NO_CACHE, on_failure=[_stage_failed], **options)


def _stage_failed(task, task_run, state) -> None:
    stage_ended()  # Prefect calls the hook in the task's thread


@dataclass
class Staged(Generic[T]):
    """A task's value with the timing and cache outcome the manifest records for its stage."""

    value: T
    started_at: str
    finished_at: str
    seconds: float
    cache: str | None = None  # "hit", "miss", "partial", or None for stages without a cache

    def record(self, manifest: Manifest, stage: str) -> T:
        manifest.record_stage(stage, self.started_at, self.finished_at, self.seconds, self.cache)
        crash_point(stage)  # test-only: the stage is durable here (flows/app/crash_points.py)
        return self.value


class Clock:
    """A stage's timing, started with the task; it also tells the watchdog of
    ``limits.stage_timeout_s`` (:mod:`topicflow.flows.app.stage_limit`) that ``stage`` runs."""

    def __init__(self, stage: str) -> None:
        self.started_at, self.start = now(), time.perf_counter()
        stage_started(stage)

    def staged(self, value: T, cache: str | None = None) -> Staged[T]:
        stage_ended()
        _return_free_memory()
        return Staged(value, self.started_at, now(), time.perf_counter() - self.start, cache)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: its allocator keeps what it keeps
        return None


def _return_free_memory() -> None:
    """Hand the memory a stage freed back to the system. glibc keeps freed blocks for
    reuse in each thread's arena; the stages' transients (tokenising, UMAP, NPMI's
    matrices) left ~150 MB of them in the run's process (20 Newsgroups), counted in
    its RSS while the next stage grows. Arrow's memory pool (mimalloc) keeps what it
    freed too: the buffers of reading and caching a million documents, 360 MB that
    stayed for the rest of the run. Milliseconds."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    pyarrow = sys.modules.get("pyarrow")  # only if a stage used it
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()


def outcome(hit: bool) -> str:
    return "hit" if hit else "miss"


def not_an_input_error(task, task_run, state) -> bool:
    """Retry I/O failures, never bad input: re-reading a malformed file cannot help."""
    return not isinstance(getattr(state, "data", None), InputError)
