"""Run directories appear complete or not at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from topicflow.pipelines.io.rundir import RunDirectory, remove_abandoned_staging, write_json


def test_commit_renames_the_staging_directory(tmp_path):
    with RunDirectory(tmp_path, "run-1") as run:
        write_json(run.path / "manifest.json", {"ok": True})
        assert not run.final.exists()
        run.commit()
    assert json.loads((tmp_path / "run-1" / "manifest.json").read_text()) == {"ok": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-1"]
    assert not (tmp_path / "run-1" / ".owner").exists()


def test_failure_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), RunDirectory(tmp_path, "run-2") as run:
        write_json(run.path / "manifest.json", {})
        raise RuntimeError("stage failed")
    assert list(tmp_path.iterdir()) == []


def test_existing_run_directory_is_never_overwritten(tmp_path):
    (tmp_path / "run-3").mkdir()
    with pytest.raises(FileExistsError), RunDirectory(tmp_path, "run-3"):
        pass


@pytest.mark.subprocess
def test_staging_of_a_killed_process_is_removed_by_the_next_run(tmp_path):
    # A child process starts a run and dies by SIGKILL before committing.
    script = (
        "import os, signal, sys; from topicflow.pipelines.io.rundir import RunDirectory\n"
        f"run = RunDirectory({str(tmp_path)!r}, 'killed').__enter__()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script])
    assert proc.returncode == -9
    assert [p.name for p in tmp_path.iterdir()] == [".killed.partial"]
    with RunDirectory(tmp_path, "next") as run:
        run.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next"]


def test_staging_of_a_live_process_is_kept(tmp_path):
    with RunDirectory(tmp_path, "live") as run:
        assert remove_abandoned_staging(tmp_path) == []
        assert run.path.exists()


@pytest.mark.subprocess
def test_staging_of_an_exited_but_unreaped_process_is_removed(tmp_path):
    # A zombie still answers kill(pid, 0), but it will never commit its run.
    script = (
        "import os; from topicflow.pipelines.io.rundir import RunDirectory\n"
        f"RunDirectory({str(tmp_path)!r}, 'zombie').__enter__()\n"
        "os._exit(0)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, left unreaped
        assert remove_abandoned_staging(tmp_path) == [tmp_path / ".zombie.partial"]
    finally:
        child.wait()
