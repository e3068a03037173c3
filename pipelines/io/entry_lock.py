"""One computation per cache entry, however many runs need it at once.

Two runs started together on one store (a scheduler's retries, two users, two cron
jobs) would otherwise both miss an entry, both compute it and both write it: twice
the time, and whichever rename comes last wins. :func:`load_or_compute` makes the
second wait for the first and read its entry instead: check, lock, check again,
compute, save (atomically), unlock.

The lock is ``fcntl.flock`` on a hidden file beside the entry, ``.<entry name>.lock``.
The kernel releases it when its holder's process ends however it ends (``kill -9``,
the OOM killer), so a killed run never leaves a lock that others wait on; the file it
leaves is empty and harmless, and the next holder removes it. flock conflicts between
separate opens of the file, so threads of one process wait for each other like
processes (Dask's workers, two runs). It holds on one host; on a network file system
it is only as good as that system's flock.

Deadlocks: a holder computes and saves one entry; the only lock it may wait for
meanwhile is the int8 model's (computing with the embedding model loads it), whose
holder builds the model and waits for nothing. One order, so no cycle. A run waiting
for another run's entry counts the wait in its stage's time (``limits.stage_timeout_s``).

Everything under ``cache/`` stays safe to delete between runs: a lock file is removed
by its holder when it is done, and a missing one is simply created again.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from topicflow.pipelines.io.atomic import file_signature

logger = logging.getLogger(__name__)

T = TypeVar("T")


def lock_path(entry: str | Path) -> Path:
    """The lock file of ``entry``: hidden, so readers listing entries by suffix never see it."""
    entry = Path(entry)
    return entry.with_name(f".{entry.name}.lock")


def load_or_compute(
    entry: str | Path, load: Callable[[], tuple[bool, T]], compute: Callable[[], T]
) -> tuple[T, bool]:
    """``load()``'s value if it finds one, else ``compute()``'s, computed once across processes.

    ``load`` returns ``(found, value)`` for the file ``entry``; ``compute`` computes the
    value and saves it there. On a miss, ``entry``'s lock is taken and, if the file has
    changed meanwhile (another caller saved it), ``load`` is tried again: that entry is
    read, not computed again. An unchanged file is not read twice, so a damaged one costs
    one warning, as before. Returns the value and whether it was loaded.
    """
    before = file_signature(entry)
    found, value = load()
    if found:
        return value, True
    with entry_lock(entry):
        if file_signature(entry) != before:
            found, value = load()
            if found:
                return value, True
        return compute(), False


@contextlib.contextmanager
def entry_lock(entry: str | Path) -> Iterator[None]:
    """Hold ``entry``'s exclusive lock for the block, waiting as long as another holds it.

    Where no lock file can be made (a read-only store), the block runs unlocked: nothing
    can be saved there either, so there is nothing to tear.
    """
    path = lock_path(entry)
    descriptor = _acquire(path)
    try:
        yield
    finally:
        if descriptor is not None:
            # Removed while still held: a process waiting on this file finds it gone when
            # it wakes and locks the new one, so two holders never hold different files.
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            os.close(descriptor)  # releases the lock


def _acquire(path: Path) -> int | None:
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            logger.warning(
                "cannot lock %s (%s); computing without waiting for other runs",
                path,
                exc.strerror or exc,
            )
            return None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # waits while another holds it
            if _same_file(path, descriptor):
                return descriptor
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)  # its holder removed it while we waited: lock the one there now


def _same_file(path: Path, descriptor: int) -> bool:
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)
