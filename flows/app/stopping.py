"""How a topicflow process stops early, within seconds: on SIGTERM or SIGINT, or when a
stage runs past ``limits.stage_timeout_s`` (:mod:`topicflow.flows.app.stage_limit`).

A Python signal handler runs only in the main thread, between two bytecodes. The main
thread of a run may be in one long C call, or waiting for worker threads that embed in
ONNX Runtime or torch, which no handler reaches; Prefect's own SIGTERM handler raises
in the main thread, and a raise that lands in a garbage-collector callback is swallowed
by Python (seen: a run that went on embedding after SIGTERM). So stopping does not
depend on the main thread. Python's C-level handler writes every signal's number to a
pipe (:func:`signal.set_wakeup_fd`) whatever the main thread is doing, and a thread of
this module, reading that pipe, stops the process itself:

1. the cleanups registered with :func:`on_stop` run (the run records itself as
   interrupted in the history and removes its staging directory), in a thread of their
   own: a history write stuck on a locked database must not hold the exit back;
2. meanwhile every descendant process (Prefect's API server, Dask workers, the runs and
   the local server of ``serve``) gets SIGTERM, and SIGKILL after :data:`CHILD_GRACE_S`;
3. once the children are gone, and the cleanups are done or :data:`CLEANUP_S` seconds
   have passed since the stop began, the cleanups run once more if they finished (the
   run's own thread may have written meanwhile), and the process ends with
   ``os._exit``: 128 + the signal's number (143 for SIGTERM, 130 for SIGINT), or
   :data:`EXIT_STAGE_TIMEOUT`. So a stop takes at most about five seconds.

Once the stop says why (its first line on stderr), the rest of the process no longer
writes to stderr: what other threads would say now are the stop's own consequences (a
task whose worker process was just ended "failed"), and the reason must stay the last
word a scheduler's log shows. Only the stop's own lines still get through.

The handlers Prefect and others install stay in place (the pipe sees their signals
too); the main thread may still unwind on its own meanwhile, and the process ends the
same way. Only topicflow's own processes stop like this: the CLI commands
(:func:`exit_on_signals`) and the runs ``serve`` starts (:func:`guard_run`, through
:data:`RUN_ENV`). A flow called from Python leaves signals to its caller. A C extension
that never releases the interpreter lock would hold the stop back; a ``kill -9`` then
still ends the run, and the next run reaps what it left (see
:mod:`topicflow.flows.orchestration.orphans`). POSIX only; elsewhere nothing is installed.
This module does not import Prefect.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

import psutil  # imported now: at stop time the main thread may hold the import lock

EXIT_STAGE_TIMEOUT = 124  # as GNU timeout(1)
CLEANUP_S = 4.0
CHILD_GRACE_S = 4.0
# Set (to "1") by `topicflow serve` for the runs it starts: each installs the guard too.
RUN_ENV = "TOPICFLOW_EXIT_ON_SIGNAL"

_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_REQUESTED = 0  # the byte stop() writes: no signal has number 0


def exit_code(signum: int) -> int:
    """The shell's code for a process ended by ``signum``: 143 for SIGTERM, 130 for SIGINT."""
    return 128 + signum


class _Guard:
    """The pipe, the thread that reads it and the cleanups of one installed guard."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.write_fd, False)  # set_wakeup_fd requires it
        self.cleanups: list[Callable[[str], None]] = []
        self.lock = threading.Lock()
        self.request: tuple[str, int, bool] | None = None  # reason, exit code, is an error
        self.requested = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="topicflow-stop", daemon=True)

    def ask(self, reason: str, code: int, error: bool) -> None:
        with self.lock:
            if self.request is None:
                self.request = (reason, code, error)
        self.requested.set()

    def _watch(self) -> None:
        while True:
            try:
                data = os.read(self.read_fd, 64)
            except InterruptedError:
                continue
            if not data:
                return  # uninstalled
            for byte in data:
                if byte in _SIGNALS:
                    name = signal.Signals(byte).name
                    self.ask(f"interrupted by {name}", exit_code(byte), error=False)
            if self.request is not None:
                self._stop(*self.request)

    def _stop(self, reason: str, code: int, error: bool) -> None:
        _quiet_the_others()
        _say(f"topicflow: {'error: ' if error else ''}{reason}")
        deadline = time.monotonic() + CLEANUP_S
        cleaning = threading.Thread(target=self._clean, args=(reason,), daemon=True)
        cleaning.start()
        _end_processes(_descendants(), CHILD_GRACE_S)
        cleaning.join(timeout=max(0.0, deadline - time.monotonic()))
        if not cleaning.is_alive():
            self._clean(reason)
        os._exit(code)

    def _clean(self, reason: str) -> None:
        for cleanup in list(self.cleanups):
            try:
                cleanup(reason)
            except Exception as exc:  # noqa: BLE001 - the others must still run
                _say(f"topicflow: while stopping: {type(exc).__name__}: {exc}")


_guard: _Guard | None = None


def guarded() -> bool:
    """Whether this process stops itself on signals (and on stage limits)."""
    return _guard is not None


@contextlib.contextmanager
def exit_on_signals(own_handlers: bool = True) -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT stop the process as the module says.

    ``own_handlers``: replace the Python handlers of both signals with one that does
    nothing more (the CLI: no KeyboardInterrupt traceback, and Prefect's handler, when it
    hands SIGTERM back after its own, finds this one instead of the default that would
    kill the process before the cleanups); otherwise install it only where a signal has
    no Python handler. An ignored signal stays ignored. Outside the main thread, off
    POSIX, or when already installed, this does nothing.
    """
    global _guard
    if (
        _guard is not None
        or os.name != "posix"
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    guard = _Guard()
    previous_fd = signal.set_wakeup_fd(guard.write_fd)
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    for signum, handler in previous.items():
        if handler is not signal.SIG_IGN and (own_handlers or not callable(handler)):
            signal.signal(signum, _noted)
    _guard = guard
    guard.thread.start()
    try:
        yield
    finally:
        if guard.requested.is_set():
            guard.thread.join()  # it ends the process
        _guard = None
        signal.set_wakeup_fd(previous_fd)
        for signum, handler in previous.items():
            if signal.getsignal(signum) is _noted:  # not replaced meanwhile by someone else
                signal.signal(signum, handler)
        os.close(guard.write_fd)  # the thread reads the end of the pipe and leaves
        guard.thread.join()
        os.close(guard.read_fd)


def guard_run() -> contextlib.AbstractContextManager[None]:
    """For a run: the guard, when :data:`RUN_ENV` asks for it (a run ``serve`` started),
    leaving Prefect's handlers in place; else nothing."""
    if os.environ.get(RUN_ENV) == "1":
        return exit_on_signals(own_handlers=False)
    return contextlib.nullcontext()


def _noted(signum: int, frame: object) -> None:
    """The Python-level handler: the wakeup pipe has already carried the signal."""


@contextlib.contextmanager
def on_stop(cleanup: Callable[[str], None]) -> Iterator[None]:
    """Within the block, a stop calls ``cleanup(reason)``, from another thread, twice
    (it must be idempotent) and not necessarily to the end."""
    guard = _guard
    if guard is None:
        yield
        return
    guard.cleanups.append(cleanup)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            guard.cleanups.remove(cleanup)


def stop(reason: str, code: int) -> None:
    """Stop the process, as on a signal, with ``reason`` as its error and exit ``code``.
    Returns at once; does nothing without a guard."""
    guard = _guard
    if guard is None:
        return
    guard.ask(reason, code, error=True)
    with contextlib.suppress(BlockingIOError):
        os.write(guard.write_fd, bytes([_REQUESTED]))


def stop_reason(wait_s: float = 0.0) -> str | None:
    """Why the process is stopping, waiting up to ``wait_s`` seconds for a stop that a
    signal has begun (the main thread may see its signal first); None if it is not."""
    guard = _guard
    if guard is None or not guard.requested.wait(wait_s):
        return None
    return guard.request[0] if guard.request else None


def _descendants() -> list[psutil.Process]:
    try:
        return psutil.Process().children(recursive=True)
    except psutil.Error:
        return []


def _end_processes(processes: list[psutil.Process], grace_s: float) -> None:
    """SIGTERM to all at once, SIGKILL to those still there after ``grace_s`` seconds, or
    as soon as only those that ignore SIGTERM are left (multiprocessing's resource
    tracker, which Dask's workers start, waits for its pipe to close instead)."""
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    heeding = [p for p in processes if not _ignores_sigterm(p.pid)]
    psutil.wait_procs(heeding, timeout=grace_s)
    _, alive = psutil.wait_procs(processes, timeout=0)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=1.0)


def _ignores_sigterm(pid: int) -> bool:
    """From Linux's /proc (the SigIgn mask: bit n - 1 is signal n); False where unknown."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("SigIgn:"):
                    return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    except (OSError, ValueError, IndexError):
        pass
    return False


_stderr = 2  # where the stop's own lines go: fd 2 until the stop quiets it


def _quiet_the_others() -> None:
    """Point fd 2 at /dev/null for every other writer; keep a copy for :func:`_say`."""
    global _stderr
    with contextlib.suppress(OSError):
        saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
        _stderr = saved


def _say(line: str) -> None:
    # os.write, not print: sys.stderr's lock may be held by the thread this one stops.
    with contextlib.suppress(OSError):
        os.write(_stderr, (line + "\n").encode())
