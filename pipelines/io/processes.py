"""Is a process on this host still running? Used to reap the leftovers of killed runs."""

from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int) -> bool:
    """True while process ``pid`` is running, whoever owns it; False when there is no
    such process, when it is a zombie (it has exited and only awaits its parent's
    ``wait``: it will never finish its work), or when ``pid`` names no single process
    (0 and negative numbers address process groups in ``kill``).

    Zombies are told apart through ``/proc`` where it shows the process (Linux); where
    it does not (another system, or ``/proc`` mounted to hide other users' processes)
    a zombie counts as running. So does a pid the system has reused for another
    process. Either way the cost is a leftover kept, never a live run's work lost.
    """
    if pid <= 0 or not _exists(pid):
        return False
    state = _proc_state(pid)
    if state is None:  # /proc cannot tell, or the process was reaped just now
        return _exists(pid)
    return state not in ("Z", "X")  # zombie, dead


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: existence and permission check only, nothing is sent
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists; it belongs to another user
    return True


def _proc_state(pid: int) -> str | None:
    """The state letter ``/proc/<pid>/stat`` gives (R, S, D, Z, ...), None when unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (command) state ...": the command may itself hold spaces and parentheses.
    fields = stat.rpartition(")")[2].split()
    return fields[0] if fields else None
