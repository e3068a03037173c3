"""Test isolation: every test session gets its own store and Prefect home.

Set before anything imports Prefect, which reads its settings at import time, so no
test touches the user's ~/.prefect or ~/.local/share/topicflow.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="topicflow-tests-"))
os.environ["TOPICFLOW_STORE"] = str(_SESSION_HOME / "store")
os.environ["PREFECT_HOME"] = str(_SESSION_HOME / "prefect")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.pop("PREFECT_API_URL", None)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A fresh, empty store for one test."""
    return tmp_path / "store"


@pytest.fixture(scope="session")
def topicflow_bin() -> str:
    """The installed ``topicflow`` entry point of the interpreter running the tests."""
    path = Path(sys.executable).parent / "topicflow"
    if not path.exists():
        pytest.fail("the topicflow entry point is not installed; run `make install`")
    return str(path)


def news_sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct short documents, cycling through three subjects (money, space, sport)."""
    subjects = {
        "money": ["bank", "market", "shares", "profit", "investor", "rates", "growth", "trade"],
        "space": ["rocket", "orbit", "launch", "planet", "nasa", "mission", "satellite", "moon"],
        "sport": ["match", "goal", "team", "season", "coach", "league", "score", "player"],
    }
    names = sorted(subjects)
    rng = np.random.default_rng(seed)
    docs = []
    for i in range(n):
        words = rng.choice(subjects[names[i % 3]], size=6, replace=False)
        docs.append(f"Story {i}: the {' '.join(words)} again.")
    return docs


@pytest.fixture(scope="session")
def prefect_api():
    """One temporary Prefect API for all in-process flow runs of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
