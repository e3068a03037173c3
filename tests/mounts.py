"""Small file systems for the storage tests: a tmpfs of a given size, read-only if asked,
always unmounted. Mounting needs root or CAP_SYS_ADMIN; without either, a test that asks
for one skips and says why. Tests that use these start processes (mount, umount): mark
them ``subprocess``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(path: Path, size: int, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of ``size`` bytes (whole 4 KB pages) mounted at ``path`` for the block."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command here: the storage tests need a tmpfs")
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        reason = (mounted.stderr.strip().splitlines() or [f"exit code {mounted.returncode}"])[-1]
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {reason}")
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            # Still in use (a process the failed test left): detached now, freed when it ends.
            subprocess.run(["umount", "--lazy", str(path)], check=True)


def fill(directory: Path, leave: int = 0) -> Path:
    """Take the free space of ``directory``'s file system with one file, all but ``leave``
    bytes (a multiple of 4 KB on a tmpfs, which counts whole pages)."""
    stats = os.statvfs(directory)
    filler = directory / "filler"
    filler.write_bytes(bytes(stats.f_bavail * stats.f_frsize - leave))
    return filler


def without_permission_override() -> list[str]:
    """A command prefix under which permission bits bind, as for any user: nothing for a
    user who is not root; for root, ``setpriv`` without CAP_DAC_OVERRIDE (root ignores
    ``chmod`` otherwise). Root keeps its uid, so the virtual environment, the temporary
    directories and the Prefect home stay readable. Skips when that cannot be had."""
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores chmod, and setpriv (util-linux) is missing to drop that power")
    tried = subprocess.run([*prefix, "true"], capture_output=True, text=True)
    if tried.returncode != 0:
        pytest.skip(f"root ignores chmod, and setpriv cannot drop CAP_DAC_OVERRIDE: {tried.stderr}")
    return prefix
