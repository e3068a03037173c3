"""Ways a checksummed blob (pipelines/io/blob.py) gets damaged on disk, for the tests of
each of its users. Each takes a sound blob file and damages it in place."""

from __future__ import annotations

import struct
from pathlib import Path

from topicflow.pipelines.io import blob


def flip_byte(path: Path) -> None:
    """One bit flipped in the middle of the payload: sizes and header stay valid."""
    data = bytearray(path.read_bytes())
    middle = (len(data) + blob._HEADER.size) // 2
    data[middle] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    """The tail cut off, as by a full disk or an interrupted copy."""
    data = path.read_bytes()
    path.write_bytes(data[: (len(data) + blob._HEADER.size) // 2])


def wrong_version(path: Path) -> None:
    """A sound blob of another format version (a newer or older topicflow)."""
    data = bytearray(path.read_bytes())
    data[len(blob.MAGIC) : len(blob.MAGIC) + 2] = struct.pack(">H", blob.VERSION + 1)
    path.write_bytes(bytes(data))


DAMAGE = {"flipped byte": flip_byte, "truncated": truncate, "wrong version": wrong_version}
# What the one warning line says for each kind of damage.
REASON = {
    "flipped byte": "sha256 mismatch",
    "truncated": "truncated",
    "wrong version": "blob format version",
}
