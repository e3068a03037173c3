"""Where a run will write, checked before it starts: can files be created there, and has
the file system room for what the run writes?

``os.access`` cannot answer the first question: it says yes to root whatever the
permission bits, and yes to anyone on a read-only mount. So a probe file is created,
written (one byte: a full file system refuses the first block) and removed, in the
directory or, when it is still to be created, in its nearest existing ancestor. Free
space is ``statvfs``'s ``f_bavail``: what an unprivileged process may still use.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROBE_PREFIX = ".topicflow-probe-"


def existing_ancestor(path: Path) -> Path:
    """``path`` itself if it exists, else its nearest ancestor that does."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def unwritable(path: Path) -> str | None:
    """Why files cannot be written in the directory ``path`` (or where it would be created),
    as the end of a sentence about ``path``; None when they can. Creates nothing that stays."""
    base = existing_ancestor(path)
    where = "" if base == Path(path).absolute() else f"cannot be created: {base} "
    if not base.is_dir():
        return f"{where}is not a directory"
    try:
        descriptor, probe = tempfile.mkstemp(prefix=PROBE_PREFIX, dir=base)
    except OSError as exc:
        return f"{where}is not writable ({exc.strerror})"
    try:
        os.write(descriptor, b"\0")
    except OSError as exc:
        return f"{where}is not writable ({exc.strerror})"
    finally:
        os.close(descriptor)
        os.unlink(probe)
    return None


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged process may still write on the file system of ``path``."""
    stats = os.statvfs(existing_ancestor(path))
    return stats.f_bavail * stats.f_frsize


@dataclass(frozen=True)
class Need:
    """``size`` bytes that a run will write under ``path``, which a user knows as ``label``."""

    label: str
    path: Path
    size: int


def lacking_room(needs: Sequence[Need]) -> str | None:
    """A one-line message about the first file system that has less free space than the
    needs on it add up to (places on one file system share its room); None when all fit."""
    groups: dict[int, list[Need]] = {}
    for need in needs:
        groups.setdefault(os.stat(existing_ancestor(need.path)).st_dev, []).append(need)
    for group in groups.values():
        wanted, free = sum(need.size for need in group), free_bytes(group[0].path)
        if free < wanted:
            names = " and ".join(f"{need.label} {need.path}" for need in group)
            has = "has" if len(group) == 1 else "(one file system) have"
            return (
                f"{names} {has} {human_size(free)} free; this run needs about {human_size(wanted)}"
            )
    return None


def human_size(size: int) -> str:
    """``size`` bytes in decimal units, two or three significant digits: '8.2 KB', '45 MB'."""
    if size < 1000:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):  # noqa: B007 - the unit the loop stops at is used
        value /= 1000
        if value < 1000:
            break
    return f"{value:.1f} {unit}" if value < 9.95 else f"{value:.0f} {unit}"
