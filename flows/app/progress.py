"""Progress of long steps: a bar on a terminal, periodic log lines otherwise.

Scheduled runs write logs, not bars; an analyst at a terminal sees a bar.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

LOG_EVERY_S = 30.0


def progress_reporter(logger: logging.Logger, label: str, total: int) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` callback for :meth:`SentenceEmbedder.transform_cached`."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc=label, unit="doc", leave=False, file=sys.stderr)

        def update_bar(done: int, _total: int) -> None:
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return update_bar

    last = [0.0]

    def log_line(done: int, _total: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= LOG_EVERY_S:
            last[0] = now
            logger.info("%s: %s / %s documents", label, f"{done:,}", f"{total:,}")

    return log_line
