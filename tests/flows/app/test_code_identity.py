"""Cache keys name their code by the import graph: an edit changes exactly the keys of
the stages that import the edited module, directly or not. Real files, copied trees."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from topicflow.flows.app.code_identity import code_identity, library_versions, module_closure
from topicflow.flows.app.keys import STAGE_ENTRIES, stage_code
from topicflow.flows.app.reuse import PROJECT_ENTRIES, source_fingerprint

FOLDERS = ("pipelines", "flows")


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the project's sources, never imported."""
    for folder in FOLDERS:
        shutil.copytree(
            PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tmp_path


def _append_comment(path: Path) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")


def _stage_codes(root: Path) -> dict[str, str]:
    return {stage: stage_code(stage, root=root) for stage in STAGE_ENTRIES}


def _closure_files(root: Path, stage: str) -> set[Path]:
    return set(module_closure(*STAGE_ENTRIES[stage], root=root).values())


def test_a_copy_of_the_tree_has_the_installed_code_identity(tree):
    assert _stage_codes(tree) == {stage: stage_code(stage) for stage in STAGE_ENTRIES}
    assert code_identity(*PROJECT_ENTRIES, root=tree) == source_fingerprint()


def test_an_edit_changes_exactly_the_stages_that_import_the_module(tree):
    modules = sorted(p for folder in FOLDERS for p in (tree / folder).rglob("*.py"))
    assert len(modules) > 50
    before = _stage_codes(tree)
    for module in modules:
        expected = {stage for stage in STAGE_ENTRIES if module in _closure_files(tree, stage)}
        _append_comment(module)
        after = _stage_codes(tree)
        changed = {stage for stage in STAGE_ENTRIES if after[stage] != before[stage]}
        assert changed == expected, module.relative_to(tree)
        before = after


def test_editing_alignment_changes_the_comparison_but_not_the_models(tree):
    alignment = tree / "pipelines" / "evaluate" / "alignment.py"
    before = _stage_codes(tree)
    _append_comment(alignment)
    after = _stage_codes(tree)
    assert after["compare"] != before["compare"]
    for stage in ("preprocess", "model-lda", "model-nmf", "fitted-state"):
        assert after[stage] == before[stage], stage
    # The centroids the models and the incremental state use live apart from it.
    centroids = tree / "pipelines" / "vectors" / "centroids.py"
    _append_comment(centroids)
    edited = _stage_codes(tree)
    for stage in ("compare", "model-lda", "model-nmf", "fitted-state"):
        assert edited[stage] != after[stage], stage
    assert edited["preprocess"] == after["preprocess"]


def test_every_module_counts_for_the_run_key(tree):
    every = {p for folder in FOLDERS for p in (tree / folder).rglob("*.py")}
    assert set(module_closure(*PROJECT_ENTRIES, root=tree).values()) == every


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path) -> Path:
    """pipelines: a -(relative)-> sub.b -(inside a function, relative ..)-> c; d apart."""
    _write(tmp_path, "flows/__init__.py", "")
    _write(tmp_path, "pipelines/__init__.py", "")
    _write(tmp_path, "pipelines/a.py", "from .sub import b\n")
    _write(tmp_path, "pipelines/sub/__init__.py", "")
    _write(tmp_path, "pipelines/sub/b.py", "def f():\n    from ..c import g\n    return g()\n")
    _write(tmp_path, "pipelines/c.py", "import json\n\ndef g():\n    import numpy\n")
    _write(tmp_path, "pipelines/d.py", "import gensim\nfrom topicflow.pipelines import a\n")
    return tmp_path


def test_relative_and_function_level_imports_are_followed(small):
    found = module_closure("topicflow.pipelines.a", root=small)
    assert list(found) == [
        "topicflow.pipelines",
        "topicflow.pipelines.a",
        "topicflow.pipelines.c",
        "topicflow.pipelines.sub",
        "topicflow.pipelines.sub.b",
    ]
    assert found["topicflow.pipelines.sub.b"] == small / "pipelines" / "sub" / "b.py"
    before = code_identity("topicflow.pipelines.a", root=small)
    _append_comment(small / "pipelines" / "c.py")
    assert code_identity("topicflow.pipelines.a", root=small) != before


def test_a_module_outside_the_closure_does_not_count(small):
    before = code_identity("topicflow.pipelines.a", root=small)
    _append_comment(small / "pipelines" / "d.py")
    _write(small, "pipelines/e.py", "import torch\n")
    assert code_identity("topicflow.pipelines.a", root=small) == before


def test_library_versions_count_for_the_modules_that_import_them(small):
    assert set(library_versions("topicflow.pipelines.a", root=small)) == {"python", "numpy"}
    assert "gensim" in library_versions("topicflow.pipelines.d", root=small)

    def upgraded(dist: str) -> str:
        return "99.0" if dist == "gensim" else "1.0"

    a_before = code_identity("topicflow.pipelines.a", root=small, versions=lambda _: "1.0")
    d_before = code_identity("topicflow.pipelines.d", root=small, versions=lambda _: "1.0")
    assert code_identity("topicflow.pipelines.a", root=small, versions=upgraded) == a_before
    assert code_identity("topicflow.pipelines.d", root=small, versions=upgraded) != d_before


def test_an_entry_outside_the_project_is_an_error(small):
    with pytest.raises(LookupError):
        code_identity("topicflow.pipelines.missing", root=small)
