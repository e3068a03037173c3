"""Checksummed blobs: the one on-disk format of the store's cached bytes.

Layout: a 48-byte header, then the payload::

    magic     6 bytes   b"TFBLOB"
    version   2 bytes   big-endian; VERSION of the code that wrote it
    length    8 bytes   big-endian; payload size in bytes
    sha256   32 bytes   of the payload

Every cache entry can be recomputed, so :func:`read_blob` answers None ("absent") for
anything it cannot vouch for: truncated, extended, bit-flipped, another format or
another version. It logs one warning line naming the file (a missing file is silent:
that is an ordinary miss), removes the damaged file, so that the next reader (another
stage of the same run, the next run) meets an ordinary miss rather than the same
warning again, and never raises: a damaged cache costs recomputation, never a run and
never wrong results. :func:`write_blob` writes atomically, synced.

Large payloads (a model pickled at a million documents) stream both ways:
:func:`writing_blob` takes the payload in pieces and :func:`open_blob` hands out the
checked file, so neither side holds the payload whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from topicflow.pipelines.io.atomic import atomic_path, file_signature, stat_signature

MAGIC = b"TFBLOB"
VERSION = 1
_HEADER = struct.Struct(">6sHQ32s")
_CHUNK = 1 << 20  # bytes hashed at a time when a blob is checked

logger = logging.getLogger(__name__)


def write_blob(path: str | Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` behind a checksummed header (raises OSError)."""
    with writing_blob(path) as out:
        out.write(payload)


@contextlib.contextmanager
def writing_blob(path: str | Path) -> Iterator[BinaryIO]:
    """``with writing_blob(path) as out:`` write the payload to ``out`` in any number of
    pieces (``pickle.dump(value, out)``); on leaving the block it replaces ``path``
    atomically, synced. The pieces go straight to the file, hashed on the way: a model
    pickled for the store at a million documents is hundreds of megabytes, which a
    payload made in memory first held twice (the pickle, then header + pickle)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as file:
        file.write(bytes(_HEADER.size))  # the header, once the length and digest are known
        out = _Hashing(file)
        yield out
        file.seek(0)
        file.write(_HEADER.pack(MAGIC, VERSION, out.length, out.digest.digest()))


def read_blob(path: str | Path) -> bytes | None:
    """The payload of a sound blob; None when absent or not sound (then one warning)."""
    file = open_blob(path)
    if file is None:
        return None
    with file:
        return file.read()


def open_blob(path: str | Path) -> BinaryIO | None:
    """The blob open at its payload (``pickle.load(file)`` reads it as a stream), once its
    length and sha256 are checked; None when absent or not sound (then one warning)."""
    try:
        file = open(path, "rb")  # noqa: SIM115 - handed to the caller, who closes it
    except FileNotFoundError:
        return None
    except OSError as exc:  # not damage: nothing is removed
        return _unreadable(path, exc)
    try:
        read = os.fstat(file.fileno())
        reason = _unsound(file, read.st_size)
        if reason is None:
            file.seek(_HEADER.size)
            return file
    except OSError as exc:
        file.close()
        return _unreadable(path, exc)
    except BaseException:  # Ctrl-C while hashing a large blob: no open file left behind
        file.close()
        raise
    file.close()
    return _damaged(path, read, reason)


def _unsound(file: BinaryIO, size: int) -> str | None:
    """Why the blob open in ``file`` (of ``size`` bytes) cannot be vouched for, or None.
    The payload is hashed a chunk at a time, never held whole."""
    header = file.read(_HEADER.size)
    if len(header) < _HEADER.size or not header.startswith(MAGIC):
        return "not a topicflow blob"
    _, version, length, digest = _HEADER.unpack(header)
    if version != VERSION:
        return f"blob format version {version}, this code reads {VERSION}"
    stored = size - _HEADER.size
    if stored < length:
        return f"truncated: {stored} of {length} payload bytes"
    if stored > length:
        return f"{stored - length} unexpected bytes after the payload"
    hashed = hashlib.sha256()
    chunk = bytearray(_CHUNK)
    while n := file.readinto(chunk):
        hashed.update(memoryview(chunk)[:n])
    return None if hashed.digest() == digest else "sha256 mismatch"


class _Hashing:
    """A binary writer that hashes and counts what it passes on to ``file``."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.digest = hashlib.sha256()
        self.length = 0

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        self.digest.update(view)
        self.length += view.nbytes
        return self.file.write(view)

    # What a writer that takes a file object asks of it (Arrow's Parquet writer).
    @property
    def closed(self) -> bool:
        return self.file.closed

    def tell(self) -> int:
        return self.length  # positions within the payload

    def flush(self) -> None:
        self.file.flush()


def _unreadable(path: str | Path, exc: OSError) -> None:
    reason = f"unreadable ({exc.strerror or exc})"
    logger.warning("ignoring cache file %s: %s; it will be recomputed", path, reason)
    return None


def _damaged(path: str | Path, read: os.stat_result, reason: str) -> None:
    logger.warning("ignoring cache file %s: %s; it will be recomputed", path, reason)
    # Only the file that was read: another process may have replaced it meanwhile with a
    # sound entry. (A replacement in the instant between the check and the removal is
    # lost too, which costs that process's work, never a wrong result.)
    try:
        if file_signature(path) == stat_signature(read):
            os.unlink(path)
    except OSError:
        pass  # gone already, or not ours to remove: the next reader warns again
    return None
