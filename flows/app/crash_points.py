"""Test-only: a run that kills itself with SIGKILL at a named boundary.

With ``TOPICFLOW_TEST_KILL_AFTER=<boundary>`` in its environment, the run process sends
itself SIGKILL the moment it passes that boundary, as the OOM killer or a scheduler's
hard kill could at the worst time: no handler, no ``finally``, no ``atexit`` runs.
``tests/flows/app/test_crash_boundaries.py`` kills a run at every boundary of
:func:`boundaries` in turn and checks that a rerun reuses what was finished and gives
the same topics. Nothing else sets the variable; unset, a boundary costs one lookup
in ``os.environ``.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence

from topicflow.pipelines.models.registry import DEFAULT_MODELS, MODELS

KILL_AFTER_ENV = "TOPICFLOW_TEST_KILL_AFTER"

# The run's own ending, after its last stage: the run directory renamed into place but
# the history not yet told; the history told the run is complete, but the command has
# neither printed the directory nor exited.
RUN_BOUNDARIES = ("published", "recorded")


def boundaries(models: Sequence[str] = DEFAULT_MODELS) -> tuple[str, ...]:
    """Every boundary of a full run that fits ``models``, in the order it passes them.

    A stage's boundary is passed once its result is durable: its cache entry written
    (for a stage that has one) and the stage recorded in the staging manifest. Each
    model's fit is a stage of the model's name, recorded after the documents' vectors
    (``embed``), then every model is set to the matched level (``levels``); the
    ``report`` boundary has every run file written and the staging directory not yet
    renamed. Stages of other settings (``stability``, ``update``) are boundaries of
    their names too, not listed here.
    """
    embed = ("embed",) if any(MODELS[name].needs_vectors for name in models) else ()
    stages = ("ingest", "preprocess", *embed, *models, "levels")
    stages += ("name_topics", "document_map", "compare", "over_time", "report")
    return (*stages, *RUN_BOUNDARIES)


def crash_point(boundary: str) -> None:
    """SIGKILL this process if the environment asks for a kill after ``boundary``."""
    if os.environ.get(KILL_AFTER_ENV) == boundary:
        os.kill(os.getpid(), signal.SIGKILL)
