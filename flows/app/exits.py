"""How a ``topicflow`` command ends when it cannot go on: one line on stderr and an exit
code a scheduler can act on (the README's "Running under a scheduler" lists them)."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from typing import NoReturn

import typer

EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 1
# A write refused for want of room or of a writable file system (or a file that large):
# errors no read can give.
STORAGE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)


def fail(exc: Exception) -> NoReturn:
    typer.echo(f"topicflow: error: {exc}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


@contextlib.contextmanager
def storage_errors(code: int) -> Iterator[None]:
    """A write that the storage refused (full, over quota, read-only, too large) ends the
    command with one line naming the file (after the traceback Prefect logs for a run)
    and exit ``code``: 2 before a run starts, 1 for a run, which the history records as failed with
    the same error."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in STORAGE_ERRNOS:
            raise
        where = f"cannot write {exc.filename}" if exc.filename else "a write failed"
        typer.echo(f"topicflow: error: {where}: {os.strerror(exc.errno)}", err=True)
        raise typer.Exit(code) from None
