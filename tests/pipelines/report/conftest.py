"""The report tests' shared run: read-only, so written once for every module."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.synthetic_run import write_synthetic_run
from topicflow.pipelines.report.html import write_report


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory) -> Path:
    """A finished three-model run with hostile words and snippets, over-time metrics
    (:mod:`tests.synthetic_run`), and its report."""
    path = write_synthetic_run(tmp_path_factory.mktemp("synthetic"))
    write_report(path)
    return path
