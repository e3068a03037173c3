"""Atomic file writes: write a temporary sibling, then ``os.replace`` it over the target.

A reader sees the old file or the new one, never half of one. The temporary file sits
in the target's directory (``os.replace`` is only atomic within one file system), is
hidden (a leading dot) and ends in ``.tmp``, so a reader listing finished files by
their suffix (``*.json``, ``*.onnx``) never picks it up; it carries a random token,
so concurrent writers of the same target never share one. It is removed when the
write fails, and the error then names the target: a failed ``write()`` names no file
(``[Errno 28] No space left on device``), and a user must be told which file system
filled.

``fsync=True`` (the default) flushes the data to disk before the rename, so a power cut
cannot leave a renamed but empty file; writers whose files are themselves staged (run
directories) may skip it.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

# A temporary file untouched this long lost its writer: a live one keeps writing to it
# (a store entry is written in one go) and renames it when done.
ABANDONED_AFTER_S = 3600


@contextlib.contextmanager
def atomic_path(path: str | Path, *, fsync: bool = True) -> Iterator[Path]:
    """``with atomic_path(target) as tmp:`` write ``tmp`` by any means; on leaving the block
    it replaces ``target``. An exception in the block removes ``tmp`` and leaves ``target``.

    Nested blocks commit innermost first, which orders multi-file commits. Writers that
    add their own extension to a path they are given (``np.save``) need an open file.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield tmp
        if fsync:
            _fsync(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        named = _naming(exc, tmp, path)
        if named is exc:
            raise
        raise named from exc
    finally:
        with contextlib.suppress(OSError):  # already renamed, or never created
            tmp.unlink(missing_ok=True)


def remove_abandoned(directory: Path, idle_s: float = ABANDONED_AFTER_S) -> list[Path]:
    """Remove the temporary files under ``directory`` that a killed writer left
    (``kill -9``, the OOM killer: no ``finally`` ran), once untouched for ``idle_s``.
    A million documents' model is a temporary file of hundreds of MB."""
    removed = []
    cutoff = time.time() - idle_s
    for tmp in directory.rglob(".*.tmp"):
        with contextlib.suppress(OSError):  # renamed or removed meanwhile
            if tmp.is_file() and tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed.append(tmp)
    return removed


def atomic_write(path: str | Path, data: bytes, *, fsync: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically."""
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(
    path: str | Path, text: str, *, encoding: str = "utf-8", fsync: bool = True
) -> None:
    """Replace ``path`` with ``text`` atomically."""
    atomic_write(path, text.encode(encoding), fsync=fsync)


def _naming(exc: OSError, tmp: Path, path: Path) -> OSError:
    """``exc`` as the same kind of error (its errno) about ``path``, the target, when it
    names no file or the temporary one (gone by then); as it is when it names another file
    (a nested block's target)."""
    named = os.fspath(exc.filename) if isinstance(exc.filename, str | os.PathLike) else None
    if exc.errno is None or named not in (None, os.fspath(tmp)):
        return exc
    # os.strerror: pyarrow's messages wrap the system's ("Error writing bytes to file. ...").
    return OSError(exc.errno, os.strerror(exc.errno), str(path))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


Signature = tuple[int, int, int]


def file_signature(path: str | Path) -> Signature | None:
    """Which file is at ``path``: (inode, size, modification time), so that a replace
    (an atomic write puts another file there) or a rewrite shows; None when there is none."""
    try:
        return stat_signature(os.stat(path))
    except OSError:
        return None


def stat_signature(stat: os.stat_result) -> Signature:
    """:func:`file_signature` of a file already stat-ed (e.g. the one a reader opened)."""
    return stat.st_ino, stat.st_size, stat.st_mtime_ns
