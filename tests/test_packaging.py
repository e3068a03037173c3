"""Installed like a library: the wheel holds one import package, ``topicflow``, and the
``topicflow`` command runs from a clean virtual environment, away from the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, news_sentences

ROOTS = {"pipelines": "topicflow.pipelines", "flows": "topicflow.flows"}

# Loaded by a .pth file in the clean environment: each Python process started with
# TOPICFLOW_TEST_IMPORTS set writes, at exit, where its topicflow modules came from.
RECORDER = """\
import atexit, json, os, sys

_OUT = os.environ.get("TOPICFLOW_TEST_IMPORTS")


def _record():
    found = {}
    for name, module in list(sys.modules.items()):
        if name == "topicflow" or name.startswith("topicflow."):
            found[name] = getattr(module, "__file__", None) or list(module.__path__)
    with open(os.path.join(_OUT, f"{os.getpid()}.json"), "w") as out:
        json.dump(found, out)


if _OUT:
    atexit.register(_record)
"""


def _source_packages() -> set[str]:
    return {
        ".".join([ROOTS[root], *init.parent.relative_to(PROJECT_ROOT / root).parts])
        for root in ROOTS
        for init in (PROJECT_ROOT / root).rglob("__init__.py")
    }


def test_every_folder_with_an_init_is_listed_in_pyproject():
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert sorted(config["packages"]) == sorted(_source_packages())
    assert config["package-dir"] == {v: k for k, v in ROOTS.items()}


def _build_wheel(tmp_path: Path) -> Path:
    """The wheel of a copy of the sources: building in the tree would leave build/ there,
    whose stale files setuptools would put in later wheels."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT_ROOT / name, source / name)
    for root in ROOTS:
        shutil.copytree(
            PROJECT_ROOT / root, source / root, ignore=shutil.ignore_patterns("__pycache__")
        )
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["--wheel-dir", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("topicflow-*.whl")
    return wheel


def _clean_venv(tmp_path: Path, wheel: Path) -> tuple[Path, Path]:
    """A new venv holding only the wheel; the heavy dependencies are the project venv's,
    seen through a .pth path line (site adds that directory to sys.path but does not read
    the .pth files in it, so the editable install's finder stays out)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
        + ["--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site_packages = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    project_site = sysconfig.get_paths()["purelib"]  # the running (project) venv's
    (site_packages / "_project_dependencies.pth").write_text(project_site + "\n")
    (site_packages / "_record_topicflow_imports.py").write_text(RECORDER)
    (site_packages / "_record_topicflow_imports.pth").write_text(
        "import _record_topicflow_imports\n"
    )
    return venv, site_packages


@pytest.mark.slow
def test_the_wheel_installs_and_runs_away_from_the_source_tree(tmp_path):
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read("topicflow-0.1.0.dist-info/entry_points.txt").decode()
    assert {name.split("/")[0] for name in names} == {"topicflow", "topicflow-0.1.0.dist-info"}
    for root, package in ROOTS.items():
        expected = {
            "/".join([*package.split("."), *p.relative_to(PROJECT_ROOT / root).parts])
            for p in (PROJECT_ROOT / root).rglob("*.py")
        }
        assert expected <= set(names), sorted(expected - set(names))
    assert "topicflow = topicflow.flows.app.cli:app" in entry_points

    venv, site_packages = _clean_venv(tmp_path, wheel)
    elsewhere, imports = tmp_path / "elsewhere", tmp_path / "imports"
    elsewhere.mkdir()
    imports.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PREFECT_API_URL")}
    env |= {
        "TOPICFLOW_STORE": str(tmp_path / "env-store"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "TOPICFLOW_TEST_IMPORTS": str(imports),
    }
    out = tmp_path / "runs"
    shutil.copy2(PROJECT_ROOT / "configs" / "smoke.yaml", elsewhere / "smoke.yaml")
    # Forty short stories, not the built-in sample: the installed command is the subject,
    # and the sample's 300 articles would only add their embedding (most of a minute here).
    (elsewhere / "news.cor").write_text("\n".join(news_sentences(40, seed=9)) + "\n")
    command = [str(venv / "bin" / "topicflow"), "run", "--config", "smoke.yaml"]
    command += ["--corpus", "news.cor"]
    process = subprocess.Popen(
        [*command, "--store", str(tmp_path / "store"), "--out", str(out)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-3000:]
    run_dir = Path(stdout.strip().splitlines()[-1])
    assert run_dir.parent == out and (run_dir / "manifest.json").is_file()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["corpus"]["documents"] == 40

    modules = json.loads((imports / f"{process.pid}.json").read_text())
    assert "topicflow.flows.app.cli" in modules and "topicflow.pipelines.config" in modules
    for path in imports.glob("*.json"):  # the run and any Python process it started
        for name, where in json.loads(path.read_text()).items():
            for file in where if isinstance(where, list) else [where]:
                assert Path(file).is_relative_to(site_packages), (name, file)
