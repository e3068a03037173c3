"""kill -9 at every boundary of a run, then a rerun: the topics of an uninterrupted run,
every stage finished before the kill reused, no process left (issue 19, item 7).

Real ``topicflow run`` commands, each killed by a real SIGKILL that it sends itself at a
named boundary (``TOPICFLOW_TEST_KILL_AFTER``, :mod:`topicflow.flows.app.crash_points`).
To fit the suite's time, the runs form a chain on one store: the run killed at a
boundary is also the rerun after the kill before it. Its manifest shows what it reused
and, once it is past writing topics.json (from the document map on), its topics are
compared; where it died before that, a copy of the state that the kill before it left
is rerun to the end, beside the next kill (two commands at a time). The last kill,
after the history recorded the run complete, is followed by an ordinary rerun. So each
boundary has a rerun that reused every finished stage and gave the uninterrupted run's
topics, at about 1.5 commands per boundary.

The commands use the session's Prefect API (``prefect_api_url``), as a user's own
server, rather than each starting a temporary one (10 s each); nothing asserted about
them involves that server. The first kill alone runs as a user's run does by default,
with Prefect's temporary API server, so that a server and its orphan watcher are among
the processes that must not outlive the killed runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from tests.conftest import PROJECT_ROOT, news_sentences
from topicflow.flows.app.crash_points import KILL_AFTER_ENV, RUN_BOUNDARIES, boundaries
from topicflow.pipelines.history.database import RunHistory

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]

CONFIG = PROJECT_ROOT / "configs" / "smoke.yaml"  # the default models
BOUNDARIES = boundaries()
STAGE_BOUNDARIES = BOUNDARIES[: -len(RUN_BOUNDARIES)]
# Stages that keep no cache, recomputed by every run (both cheap): nothing to reuse.
UNCACHED = {"over_time", "report"}


@dataclass
class _Place:
    """A store and the parent of its run directories: one ``run`` command's whole state."""

    store: Path
    out: Path

    def copy(self, to: Path) -> _Place:
        copied = _Place(to / "store", to / "runs")
        shutil.copytree(self.store, copied.store, symlinks=True)
        shutil.copytree(self.out, copied.out, symlinks=True)
        return copied

    def published(self) -> list[Path]:
        return sorted(p for p in self.out.iterdir() if not p.name.startswith("."))

    def history(self) -> dict[str, tuple[str, str | None]]:
        """run id -> (status, error), as the history database holds them."""
        history = RunHistory.for_store(self.store)
        try:
            return {run.run_id: (run.status, run.error) for run in history.runs()}
        finally:
            history.close()


@dataclass
class _Ended:
    """A finished command: its exit, its output and every process it started."""

    pid: int
    returncode: int
    stdout: str
    stderr: str
    descendants: list[psutil.Process] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # the descendants' command lines

    def run_dir(self) -> Path:
        assert self.returncode == 0, self.stderr[-3000:]
        assert "Traceback" not in self.stderr, self.stderr[-3000:]
        return Path(self.stdout.strip().splitlines()[-1])


def _run(topicflow_bin: str, corpus: Path, place: _Place, env: dict[str, str]) -> _Ended:
    """``topicflow run`` on ``place`` in a session of its own, its descendants noted every
    0.1 s while it lives (a process that a SIGKILL orphans is no longer among them)."""
    command = [topicflow_bin, "run", "--corpus", str(corpus), "--config", str(CONFIG)]
    command += ["--store", str(place.store), "--out", str(place.out)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
    )
    seen: dict[int, psutil.Process] = {}
    commands: dict[int, str] = {}  # their command lines
    done = threading.Event()

    def note_descendants() -> None:
        while not done.wait(0.1):
            try:
                children = psutil.Process(process.pid).children(recursive=True)
            except psutil.Error:
                return
            for child in children:
                seen.setdefault(child.pid, child)
                with contextlib.suppress(psutil.Error):  # the latest: a fork may not yet exec
                    commands[child.pid] = " ".join(child.cmdline())

    watcher = threading.Thread(target=note_descendants, daemon=True)
    watcher.start()
    try:
        stdout, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        done.set()
        watcher.join()
    descendants = list(seen.values())
    return _Ended(
        process.pid, process.returncode, stdout, stderr, descendants, [*commands.values()]
    )


def _manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


def _topics(run_dir: Path) -> dict:
    return json.loads((run_dir / "topics.json").read_text())


def _left_running(ended: list[_Ended]) -> list[str]:
    """Processes that the killed commands started and that still run: their descendants
    (once orphaned, a process is no one's descendant) and any process in their sessions."""
    noted = [p for e in ended for p in e.descendants]
    _, alive = psutil.wait_procs(noted, timeout=15)  # the orphan watcher takes about 6 s
    killed = {e.pid for e in ended}
    in_session = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) in killed:
                in_session.append(process)
        except (OSError, psutil.Error):
            continue
    left = []
    for process in {p.pid: p for p in [*alive, *in_session]}.values():
        try:
            left.append(" ".join(process.cmdline()))
        except psutil.Error:
            continue  # ended meanwhile
    return left


@dataclass
class _Kill:
    """A run killed at ``boundary``, what it left, and how its rerun went."""

    boundary: str
    ended: _Ended
    manifest: dict  # as the kill left it
    topics: dict | None  # its topics.json, when it got that far
    state: _Place | None = None  # a copy of the store and runs just after the kill
    rerun: str = ""  # which run was the rerun after it


def test_kill_9_at_every_boundary_then_a_rerun_gives_the_same_topics(
    tmp_path, topicflow_bin, prefect_api_url
):
    corpus = tmp_path / "news.cor"
    corpus.write_text("\n".join(news_sentences(40, seed=5)) + "\n")
    own_server = {k: v for k, v in os.environ.items() if k != KILL_AFTER_ENV}
    env = {**own_server, "PREFECT_API_URL": prefect_api_url}
    chain = _Place(tmp_path / "store", tmp_path / "runs")
    kills: list[_Kill] = []
    reruns: list[tuple[_Kill, Future]] = []
    # A second command at a time: the uninterrupted run, then the reruns of copies.
    with ThreadPoolExecutor(1) as beside:
        uninterrupted = _Place(tmp_path / "baseline" / "store", tmp_path / "baseline" / "runs")
        baseline = beside.submit(_run, topicflow_bin, corpus, uninterrupted, env)
        for boundary in BOUNDARIES:
            kill = _kill_at(boundary, topicflow_bin, corpus, chain, env if kills else own_server)
            if kills:  # this run is also the rerun after the previous kill
                previous = kills[-1]
                _assert_reused(previous.manifest, kill.manifest)
                if kill.topics is not None:
                    previous.rerun = f"the run killed at {boundary}, past its topics.json"
                else:  # it died before its topics: the copy is rerun to the end
                    previous.rerun = "a copy of the state, run to the end"
                    reruns.append(
                        (previous, beside.submit(_run, topicflow_bin, corpus, previous.state, env))
                    )
            if boundary != BOUNDARIES[-1]:
                kill.state = chain.copy(tmp_path / f"after-{boundary}")
            kills.append(kill)
        # The last kill, after the history recorded the run complete: a scheduler's
        # retry is answered from that run.
        final = _run(topicflow_bin, corpus, chain, env)
        kills[-1].rerun = "the next run, answered from it"

        reference = baseline.result().run_dir()
        expected_topics = _topics(reference)
        # The boundaries are those an uninterrupted run passes, in its order.
        stages = _manifest(reference)["stages"]
        assert list(stages) == list(STAGE_BOUNDARIES)
        assert {stage for stage, record in stages.items() if record["cache"] is None} == UNCACHED
        for kill, future in reruns:
            rerun = future.result()
            assert _topics(rerun.run_dir()) == expected_topics, f"rerun after {kill.boundary}"
            _assert_rerun_after(kill, rerun)

    for kill in kills[1:]:  # the reruns after the kills before them, killed in turn
        assert kill.topics in (None, expected_topics), (
            f"topics of the run killed at {kill.boundary}"
        )
    _assert_answered_from_the_last(kills[-1], final, expected_topics)
    _assert_chain_history(chain, kills)
    # The first kill's own API server and its orphan watcher: what a SIGKILL could leave.
    assert any("uvicorn" in c for c in kills[0].ended.commands), kills[0].ended.commands
    assert any("orchestration.orphans" in c for c in kills[0].ended.commands)
    left = _left_running([kill.ended for kill in kills])
    for kill in kills:
        print(f"after {kill.boundary}: rerun by {kill.rerun}")
    print(
        f"kill -9 at {len(kills)} boundaries: {len(kills)} identical reruns, "
        f"{len(left)} processes left"
    )
    assert left == []


def _kill_at(boundary: str, topicflow_bin: str, corpus: Path, chain: _Place, env) -> _Kill:
    """A run on ``chain`` killed at ``boundary``, checked to have died exactly there."""
    published_before = chain.published() if chain.out.exists() else []
    ended = _run(topicflow_bin, corpus, chain, {**env, KILL_AFTER_ENV: boundary})
    assert ended.returncode == -signal.SIGKILL, (boundary, ended.stderr[-3000:])
    assert "Traceback" not in ended.stderr, ended.stderr[-3000:]
    published = [p for p in chain.published() if p not in published_before]
    stagings = list(chain.out.glob(".*.partial"))
    if boundary in RUN_BOUNDARIES:
        (run_dir,) = published  # renamed into place before the kill
        assert stagings == []
        assert _manifest(run_dir)["status"] == "complete"
        recorded = list(STAGE_BOUNDARIES)
    else:
        assert published == [], f"killed after {boundary}, yet published {published}"
        (run_dir,) = stagings  # its own: the one of the kill before was removed
        assert json.loads((run_dir / ".owner").read_text())["pid"] == ended.pid
        recorded = list(STAGE_BOUNDARIES[: STAGE_BOUNDARIES.index(boundary) + 1])
    manifest = _manifest(run_dir)
    assert list(manifest["stages"]) == recorded  # up to the boundary, none after
    topics = _topics(run_dir) if (run_dir / "topics.json").exists() else None
    return _Kill(boundary, ended, manifest, topics)


def _assert_reused(killed: dict, rerun: dict) -> None:
    """Every stage the killed run finished, that keeps a cache, came from it."""
    finished = [stage for stage in killed["stages"] if stage not in UNCACHED]
    reused = {stage: rerun["stages"][stage]["cache"] for stage in finished}
    assert reused == dict.fromkeys(finished, "hit"), f"after {list(killed['stages'])[-1]}"


def _assert_rerun_after(kill: _Kill, rerun: _Ended) -> None:
    """A copy's rerun: it reused the killed run's stages, recorded that run failed
    and removed its staging directory."""
    run_dir, state = rerun.run_dir(), kill.state
    manifest = _manifest(run_dir)
    _assert_reused(kill.manifest, manifest)
    assert "reused_from" not in manifest
    assert list(state.out.iterdir()) == [run_dir]
    status, error = state.history()[kill.manifest["run_id"]]
    assert status == "failed" and error.startswith(f"interrupted: process {kill.ended.pid} on ")


def _assert_answered_from_the_last(last: _Kill, final: _Ended, expected_topics: dict) -> None:
    run_dir, killed_id = final.run_dir(), last.manifest["run_id"]
    assert f"nothing changed since run {killed_id}" in final.stderr
    assert _manifest(run_dir)["reused_from"] == killed_id
    assert _topics(run_dir) == expected_topics


def _assert_chain_history(chain: _Place, kills: list[_Kill]) -> None:
    """Each killed run was recorded failed by the run after it, except the one killed
    after the history recorded it complete; the directories that were published stay."""
    history = chain.history()
    for kill in kills:
        status, error = history[kill.manifest["run_id"]]
        if kill.boundary == "recorded":
            assert status == "complete"
        else:
            assert status == "failed", kill.boundary
            assert error.startswith(f"interrupted: process {kill.ended.pid} on ")
    published = [kill.manifest["run_id"] for kill in kills if kill.boundary in RUN_BOUNDARIES]
    assert set(published) < {p.name for p in chain.published()}
    assert list(chain.out.glob(".*.partial")) == []
