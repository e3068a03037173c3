"""Test-only: a run that kills itself with SIGKILL at a named boundary.

With ``TOPICFLOW_TEST_KILL_AFTER=<boundary>`` in its environment, the run process sends
itself SIGKILL the moment it passes that boundary, as the OOM killer or a scheduler's
hard kill could at the worst time: no handler, no ``finally``, no ``atexit`` runs.
``tests/flows/app/test_crash_boundaries.py`` kills a run at every boundary of
:data:`BOUNDARIES` in turn and checks that a rerun reuses what was finished and gives
the same topics. Nothing else sets the variable; unset, a boundary costs one lookup
in ``os.environ``.
"""

from __future__ import annotations

import os
import signal

KILL_AFTER_ENV = "TOPICFLOW_TEST_KILL_AFTER"

# A stage's boundary is passed once its result is durable: its cache entry written (for
# a stage that has one) and the stage recorded in the staging manifest. These are the
# stages of a run with the default models, in the order the flow records them; any
# other recorded stage (nmf, stability, update) is a boundary of the same name.
STAGE_BOUNDARIES = (
    "ingest",
    "preprocess",
    "embed",
    "lda",
    "embedding",
    "name_topics",
    "document_map",
    "compare",
    "over_time",
    "report",  # every run file written; the staging directory not yet renamed
)
# The run's own ending, after its last stage: the run directory renamed into place but
# the history not yet told; the history told the run is complete, but the command has
# neither printed the directory nor exited.
RUN_BOUNDARIES = ("published", "recorded")
BOUNDARIES = (*STAGE_BOUNDARIES, *RUN_BOUNDARIES)


def crash_point(boundary: str) -> None:
    """SIGKILL this process if the environment asks for a kill after ``boundary``."""
    if os.environ.get(KILL_AFTER_ENV) == boundary:
        os.kill(os.getpid(), signal.SIGKILL)
