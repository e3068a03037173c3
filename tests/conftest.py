"""Test isolation: every test session gets its own store and Prefect home.

Set before anything imports Prefect, which reads its settings at import time, so no
test touches the user's ~/.prefect or ~/.local/share/topicflow.
"""

from __future__ import annotations

import _posixsubprocess
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
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


def int8_kernels() -> str:
    """Which int8 matrix kernels ONNX Runtime runs here: ``vnni`` (the CPU has VNNI or
    AMX, exact int8 dot products) or ``no-vnni`` (AVX2/AVX-512BW ``vpmaddubsw``, whose
    16-bit sums saturate). The onnx-int8 vectors, and so the embedding topics, differ
    slightly between the two; on one kind of CPU they are the same every run."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "no-vnni"
    return "vnni" if any(f in flags for f in ("avx512_vnni", "avx_vnni", "amx_int8")) else "no-vnni"


def pytest_configure(config):
    # A suite started as a background job of a non-interactive shell (as a CI script may
    # start it) inherits an ignored SIGINT, and so would every process it starts: the
    # product rightly leaves an ignored signal ignored, so the Ctrl-C tests could not
    # send one. The tests act as an interactive terminal: Python's own SIGINT handler
    # here, the default disposition in every child process.
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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


@pytest.fixture(scope="session")
def prefect_api_url(prefect_api) -> str:
    """That API's URL, for ``topicflow`` commands (``PREFECT_API_URL`` in their environment):
    a command then talks to it, as to a user's own server, instead of starting Prefect's
    temporary server of its own, which costs each command about 10 s here. Only for tests
    whose assertions do not concern that server (its start, its stop, its orphan watcher)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster (tests/postgres.py) for the session: its URL."""
    from tests.postgres import server_binaries, throwaway_cluster

    binaries = server_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL server binaries (pg_ctl, initdb) not installed: apt-get install postgresql"
        )
    with throwaway_cluster(binaries) as url:
        yield url


# Markers of the tests that need more than the Python process (pyproject.toml lists them);
# `make test-fast` deselects them. Kept honest below: a test without any of them fails when
# its setup or body starts a process or imports the model libraries.
HEAVY_MARKERS = ("slow", "model", "subprocess", "database")
_MODEL_LIBRARIES = ("sentence_transformers", "onnxruntime", "torch")


# gensim records platform.platform() on every model, whose first call runs `uname -p`: run
# it here, once, so that the cached answer serves the light tests.
platform.platform()


class _Light:
    """Patches process creation and blocks the first import of the model libraries, for the
    main thread only (threads left behind by earlier heavy tests are not this test's doing)."""

    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid

    def _refuse(self, what: str, marker: str) -> None:
        pytest.fail(f"{self.nodeid} {what}: mark it {marker!r} (or 'slow')")

    def _spawning(self, original):
        def guarded(*args, **kwargs):
            if threading.current_thread() is threading.main_thread():
                self._refuse("starts a process", "subprocess")
            return original(*args, **kwargs)

        return guarded

    def find_spec(self, name, path=None, target=None):  # a meta path finder
        top = name.partition(".")[0]
        if (
            top in _MODEL_LIBRARIES
            and top not in sys.modules
            and threading.current_thread() is threading.main_thread()
        ):
            self._refuse(f"imports {top}", "model")
        return None

    def __enter__(self):
        self.patched = [
            (module, name, getattr(module, name))
            for module, name in (
                (subprocess, "_fork_exec"),  # its own reference to _posixsubprocess.fork_exec
                (_posixsubprocess, "fork_exec"),  # multiprocessing, joblib/loky
                (os, "fork"),
                (os, "posix_spawn"),
                (os, "posix_spawnp"),
            )
            if hasattr(module, name)
        ]
        for module, name, original in self.patched:
            setattr(module, name, self._spawning(original))
        sys.meta_path.insert(0, self)
        return self

    def __exit__(self, *exc) -> None:
        sys.meta_path.remove(self)
        for module, name, original in self.patched:
            setattr(module, name, original)


def _guarded(item):
    if any(item.get_closest_marker(name) for name in HEAVY_MARKERS):
        return (yield)
    with _Light(item.nodeid):
        return (yield)


pytest_runtest_setup = pytest.hookimpl(wrapper=True)(_guarded)
pytest_runtest_call = pytest.hookimpl(wrapper=True)(_guarded)
