"""What the kernel says about file locks, for the tests of runs that wait for each other:
whether a caller is waiting is read from ``/proc/locks``, never guessed from time."""

from __future__ import annotations

import time
from pathlib import Path

WAIT_S = 120  # a guard against hanging when the code under test is broken, not a measure


def waiters(lock: Path) -> int:
    """Callers blocked on the flock of file ``lock`` right now (listed with an arrow)."""
    try:
        inode = lock.stat().st_ino
    except FileNotFoundError:
        return 0
    lines = Path("/proc/locks").read_text().splitlines()
    return sum(" -> FLOCK " in line and line.split()[-3].endswith(f":{inode}") for line in lines)


def until(condition, guard_s: float = WAIT_S) -> None:
    """Return once ``condition()`` holds (or after ``guard_s``, for the test's assertions
    to fail)."""
    deadline = time.monotonic() + guard_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
