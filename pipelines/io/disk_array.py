"""Corpus-sized arrays kept in a file rather than in the process's memory.

A run's document vectors are the largest thing it holds for its whole length (1.5 GB
for a million 384-d float32 vectors). :func:`disk_array` puts such an array in a file
mapped into memory: its pages belong to the kernel's page cache, which can write them
out and drop them under memory pressure, where anonymous memory with no swap can only
be killed for. :func:`release` unmaps the pages a pass has read (they stay in the page
cache, so reading them again costs no disk read while memory allows): a pass over the
vectors a block at a time (:func:`topicflow.pipelines.blocks.vector_blocks`) then holds
one block, not every page it has touched.

The file is unlinked as soon as it is mapped: it has no name to clean up, and its disk
space comes back when the array is garbage-collected or the process ends, however it
ends. Pickled (to a Dask worker, say), the array travels as its values.
"""

from __future__ import annotations

import errno
import mmap
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

# Written where blocks cannot be reserved (see _reserve).
_ZERO_CHUNK = 1 << 24


def disk_array(shape: tuple[int, ...], dtype: np.dtype | type, directory: Path) -> np.ndarray:
    """A zero-filled writable array of ``shape`` in an unlinked file in ``directory``
    (which must be on a disk: in a RAM-backed tmpfs it would still be memory)."""
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if nbytes == 0:  # mmap cannot map an empty file
        return np.zeros(shape, dtype)
    with tempfile.TemporaryFile(dir=directory, prefix="vectors-") as file:
        try:
            _reserve(file, nbytes, directory)
        except OSError as exc:  # it names no file: say which file system is full
            raise OSError(exc.errno, os.strerror(exc.errno), str(directory)) from None
        mapped = _SharedFile(file.fileno(), nbytes, flags=mmap.MAP_SHARED)
    # The mapping outlives the file's descriptor and name; the array keeps it alive.
    return np.frombuffer(mapped, dtype=dtype).reshape(shape)


def _reserve(file, nbytes: int, directory: Path) -> None:
    """Give ``file`` ``nbytes`` of blocks now: a full disk is then an OSError here, not
    a SIGBUS at the first write to a page the file system has no room for. Asked of the
    free space first, since a file system may fill itself up to a request it then
    refuses, and other writers would see a full disk meanwhile."""
    if shutil.disk_usage(directory).free < nbytes:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    try:
        os.posix_fallocate(file.fileno(), 0, nbytes)
        return
    except AttributeError:  # macOS has none
        pass
    except OSError as exc:  # a file system (or C library) that cannot reserve
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
            raise
    zeros = bytes(_ZERO_CHUNK)
    for start in range(0, nbytes, _ZERO_CHUNK):
        file.write(zeros[: min(_ZERO_CHUNK, nbytes - start)])
    file.flush()


# Linux's MADV_DONTNEED unmaps a shared mapping's pages and keeps their values (other
# systems treat it as a hint, or as leave to discard them): elsewhere pages stay mapped.
_DROPS_PAGES = sys.platform.startswith("linux")


class _SharedFile(mmap.mmap):
    """A :func:`disk_array`'s mapping: shared, so dropping its pages keeps their values
    (dropping those of a private copy-on-write mapping would lose what was written)."""


def is_on_disk(array: np.ndarray) -> bool:
    """Whether ``array`` is (a view of) a :func:`disk_array`."""
    return _mapping(array) is not None


def release(array: np.ndarray) -> None:
    """Let go of the pages of ``array``'s file that this process has mapped (no-op for an
    array in memory). Their values are kept: the next read maps them again."""
    mapped = _mapping(array)
    if mapped is not None and _DROPS_PAGES:
        mapped.madvise(mmap.MADV_DONTNEED)


def _mapping(array: np.ndarray) -> _SharedFile | None:
    base = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, _SharedFile) else None
