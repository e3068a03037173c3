"""Wall time, peak memory and CPU time of a whole command, child processes included.

``getrusage(RUSAGE_CHILDREN)`` reports only the largest single descendant and never
forgets it, so it cannot tell one run's memory from the next. Instead the process tree
is sampled while the command runs: the peak of the summed resident set sizes, and each
process's CPU seconds as last seen (a process's CPU after its last sample, under 0.2 s
of it, is missed), summed by role: ``api server`` (Prefect's temporary server, a
uvicorn process), ``run`` (the command's own process) and ``other`` (e.g. Dask workers).
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.2


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    stdout: str
    cpu_seconds: dict[str, float] | None = None  # by role, see the module docstring


def run_measured(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` to completion; SystemExit with its stderr tail if it fails. Its
    output goes to files, not pipes: a pipe nobody reads fills at 64 KB and stops the
    run (a million documents log more than that)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env)
        peak = 0
        root = psutil.Process(process.pid)
        cpu: dict[int, tuple[str, float]] = {}
        while process.poll() is None:
            peak = max(peak, _tree_rss(root))
            _note_cpu(root, cpu)
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - start
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{stderr[-3000:]}")
    roles: dict[str, float] = {}
    for role, used in cpu.values():
        roles[role] = roles.get(role, 0.0) + used
    return Measured(seconds, peak / 2**20, stdout, roles)


def _note_cpu(root: psutil.Process, cpu: dict[int, tuple[str, float]]) -> None:
    """Each live process's role and CPU seconds so far (user + system), by pid."""
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            if proc.pid not in cpu:
                cpu[proc.pid] = (role(proc, root, "other"), 0.0)
            cpu[proc.pid] = (cpu[proc.pid][0], times.user + times.system)


def role(proc: psutil.Process, root: psutil.Process, child: str) -> str:
    """``run`` for the command's own process, ``api server`` for Prefect's temporary
    server (a uvicorn process), ``child`` for any other process it started."""
    if proc.pid == root.pid:
        return "run"
    return "api server" if "uvicorn" in " ".join(proc.cmdline()) else child


def _tree_rss(root: psutil.Process) -> int:
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total


def machine() -> str:
    """One line describing the machine, for result tables."""
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{platform.machine()}, {_cpu()}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, "
        f"Python {platform.python_version()}, no GPU"
    )


def _cpu() -> str:
    """The CPU's model name and whether it has VNNI: the int8 embedding runs about ten
    times faster with it (README, "CPUs without VNNI")."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return "CPU unknown"
    name = next(
        (
            line.split(":", 1)[1].strip()
            for line in info.splitlines()
            if line.startswith("model name")
        ),
        "CPU unknown",
    )
    vnni = any(flag in info for flag in ("avx512_vnni", "avx_vnni", "amx_int8"))
    return f"{name} ({'with' if vnni else 'without'} VNNI)"
