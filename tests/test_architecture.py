"""House rules that keep the layers apart."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT


def _imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_pipelines_never_imports_prefect_in_source():
    offenders = [
        str(p.relative_to(PROJECT_ROOT))
        for p in (PROJECT_ROOT / "pipelines").rglob("*.py")
        if "prefect" in _imported_modules(p)
    ]
    assert offenders == []


@pytest.mark.subprocess
def test_importing_every_pipelines_module_loads_no_prefect():
    root = PROJECT_ROOT / "pipelines"
    modules = sorted(
        ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        for p in root.rglob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(('topicflow.pipelines.' + m).rstrip('.'))\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'prefect'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.subprocess
def test_cli_checks_input_before_importing_prefect():
    code = "import sys, topicflow.flows.app.cli; print('prefect' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _string_literals(path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_no_model_is_named_outside_its_own_package_and_the_registry():
    """Everything downstream iterates over the fitted models: a model's name as a string
    appears only in its own package and in the registry (tests may use names freely)."""
    from topicflow.pipelines.models.registry import MODELS

    own = {PROJECT_ROOT / "pipelines" / "models" / name for name in MODELS}
    registry = PROJECT_ROOT / "pipelines" / "models" / "registry.py"
    files = [
        p
        for folder in ("pipelines", "flows")
        for p in (PROJECT_ROOT / folder).rglob("*.py")
        if p != registry and not any(d in p.parents for d in own)
    ]
    offenders = [
        f"{p.relative_to(PROJECT_ROOT)}:{line}: {value!r}"
        for p in files
        for line, value in _string_literals(p)
        if value in MODELS
    ]
    assert offenders == []
