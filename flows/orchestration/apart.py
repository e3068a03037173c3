"""A CPU-heavy computation in a process of its own, at low priority, so that it uses
what the embedding leaves instead of slowing it down.

In one process, LDA's fit (gensim's Python loop, BLAS) and ONNX Runtime's threads share
the cores and the interpreter lock: on two cores the embedding ran at 0.77x its speed
alone (``benchmarks/results/overlap.md``). A thread's priority cannot fix that: a
low-priority thread that holds the interpreter lock when it is preempted holds up every
other thread. A process of its own has no lock to share, and at a low priority (nice
:data:`NICE`) it runs on the cycles the embedding leaves: the gaps of its Python driver
(tokenising, pooling) and every core it does not use. With nothing beside it, it has
the cores to itself as before.

The child is started fresh (``spawn``: no copy of this process's threads and locks),
with one BLAS thread, and dies with its parent (``PR_SET_PDEATHSIG``): a killed run
leaves no fit running. Prefect-free; pure orchestration.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
NICE = 10  # CFS weight 110 against 1024: about a tenth of a core that the embedding wants
_PR_SET_PDEATHSIG = 1


def run_apart(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a fresh low-priority process; its result or its exception."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_lower_priority) as pool:
        return pool.submit(function, *args).result()


def _lower_priority() -> None:
    # Best effort: a platform without one of these still computes, only less politely.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.nice(NICE)
    # One branch, one core's worth of BLAS threads. threadpoolctl limits the libraries
    # loaded so far, so numpy (and its BLAS) loads first.
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
