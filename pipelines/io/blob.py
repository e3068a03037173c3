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
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
from pathlib import Path

from topicflow.pipelines.io.atomic import atomic_write, file_signature, stat_signature

MAGIC = b"TFBLOB"
VERSION = 1
_HEADER = struct.Struct(">6sHQ32s")

logger = logging.getLogger(__name__)


def write_blob(path: str | Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` behind a checksummed header (raises OSError)."""
    header = _HEADER.pack(MAGIC, VERSION, len(payload), hashlib.sha256(payload).digest())
    atomic_write(path, header + payload)


def read_blob(path: str | Path) -> bytes | None:
    """The payload of a sound blob; None when absent or not sound (then one warning)."""
    try:
        with open(path, "rb") as file:
            read = os.fstat(file.fileno())
            data = file.read()
    except FileNotFoundError:
        return None
    except OSError as exc:  # not damage: nothing is removed
        reason = f"unreadable ({exc.strerror or exc})"
        logger.warning("ignoring cache file %s: %s; it will be recomputed", path, reason)
        return None
    if len(data) < _HEADER.size or not data.startswith(MAGIC):
        return _damaged(path, read, "not a topicflow blob")
    _, version, length, digest = _HEADER.unpack_from(data)
    payload = data[_HEADER.size :]
    if version != VERSION:
        return _damaged(path, read, f"blob format version {version}, this code reads {VERSION}")
    if len(payload) < length:
        return _damaged(path, read, f"truncated: {len(payload)} of {length} payload bytes")
    if len(payload) > length:
        return _damaged(path, read, f"{len(payload) - length} unexpected bytes after the payload")
    if hashlib.sha256(payload).digest() != digest:
        return _damaged(path, read, "sha256 mismatch")
    return payload


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
