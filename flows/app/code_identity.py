"""The code a cached result depends on, found from the import graph instead of listed by hand.

A cache key has to change whenever the code that computed the cached value changes.
Lists of modules kept by hand drift away from the code (one left out
``evaluate.alignment``, so an edit there kept serving stale incremental state), so the
modules are found instead: from a stage's *entry* modules, every project module they
import, transitively, read from the source files' syntax trees. Every ``import`` and
``from ... import`` counts, relative ones and those inside functions too (a lazy import
still runs), and importing a submodule counts its parent packages' ``__init__``.

The identity hashes those files (relative path and bytes) together with Python's
version and the versions of the third-party distributions they import, so upgrading a
library invalidates a result just as editing the code does. Nothing is imported: the
files are read, so ``root=`` can point at a copy of the tree. Modules loaded by a name
computed at run time (``importlib.import_module``) are invisible here. Prefect-free.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import platform
import sys
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

# The project's import packages and the folders they install from (setuptools package-dir).
PACKAGES = {"topicflow.pipelines": "pipelines", "topicflow.flows": "flows"}

Versions = Callable[[str], str | None]
"""A distribution's installed version by its name (None when it is not installed)."""

# One import statement: (level, module, names); names is empty for a plain ``import``.
_Import = tuple[int, str, tuple[str, ...]]
# Per source file: the bytes last read and the imports parsed from them.
_parsed: dict[Path, tuple[bytes, tuple[_Import, ...]]] = {}


def module_closure(*entries: str, root: str | Path | None = None) -> dict[str, Path]:
    """Every project module that importing ``entries`` runs, by name, with its source file.

    ``root`` holds the ``pipelines/`` and ``flows/`` folders (default: the installed
    packages'). Raises ``LookupError`` for an entry that is not a module of the project.
    """
    index = _index(root)
    return {name: index[name][1] for name in _closure(entries, index, root)}


def library_versions(
    *entries: str, root: str | Path | None = None, versions: Versions | None = None
) -> dict[str, str | None]:
    """Python's version and that of each third-party distribution the closure of
    ``entries`` imports (an import no installed distribution provides maps to None)."""
    return _libraries(module_closure(*entries, root=root).values(), versions)


def code_identity(
    *entries: str, root: str | Path | None = None, versions: Versions | None = None
) -> str:
    """sha256 of the closure of ``entries``: each module's relative path and bytes, then
    the library versions (:func:`library_versions`)."""
    index = _index(root)
    closure = _closure(entries, index, root)
    digest = hashlib.sha256()
    for relative, path in sorted(index[name] for name in closure):
        data = _parsed[path][0]  # the bytes whose imports made the closure
        digest.update(f"{relative}\0{len(data)}\0".encode())
        digest.update(data)
    libraries = _libraries([index[name][1] for name in closure], versions)
    digest.update(repr(sorted(libraries.items())).encode())
    return digest.hexdigest()


def _closure(
    entries: tuple[str, ...], index: dict[str, tuple[str, Path]], root: str | Path | None
) -> list[str]:
    for name in entries:
        if name not in index:
            raise LookupError(f"{name} is not a topicflow module (looked in {_folders(root)})")
    found: set[str] = set()
    pending = list(entries)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        path = index[name][1]
        imported = _project_modules(name, path.name == "__init__.py", _imports(path))
        pending.extend(m for m in _with_parents([name, *imported]) if m in index)
    return sorted(found)


def _libraries(paths: Iterable[Path], versions: Versions | None) -> dict[str, str | None]:
    version_of = versions or _installed_version
    provided = _distributions()
    found: dict[str, str | None] = {"python": platform.python_version()}
    for top in sorted(_third_party(paths)):
        for dist in sorted(set(provided.get(top, ()))) or [None]:
            found[dist or top] = version_of(dist) if dist else None
    return found


def _index(root: str | Path | None) -> dict[str, tuple[str, Path]]:
    """Module name -> (path relative to the root, file) for every project module."""
    index = {}
    for package, folder in _folders(root).items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            relative = f"{PACKAGES[package]}/{path.relative_to(folder).as_posix()}"
            index[name] = (relative, path)
    return index


def _folders(root: str | Path | None) -> dict[str, Path]:
    if root is None:
        return _installed_folders()
    return {package: Path(root) / folder for package, folder in PACKAGES.items()}


@cache
def _installed_folders() -> dict[str, Path]:
    return {p: Path(importlib.util.find_spec(p).origin).parent for p in PACKAGES}


def _imports(path: Path) -> tuple[_Import, ...]:
    """Every import statement of a file, wherever it stands; parsed again only when the
    file's bytes changed."""
    data = path.read_bytes()
    cached = _parsed.get(path)
    if cached is not None and cached[0] == data:
        return cached[1]
    found: list[_Import] = []
    for node in ast.walk(ast.parse(data, filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", tuple(a.name for a in node.names)))
    _parsed[path] = (data, tuple(found))
    return _parsed[path][1]


def _project_modules(module: str, is_package: bool, imports: tuple[_Import, ...]) -> list[str]:
    """Absolute names the imports of ``module`` may load: each imported module and, for
    ``from x import y``, ``x.y`` (a submodule when such a file exists)."""
    names = []
    for level, target, imported in imports:
        if level:
            package = module if is_package else module.rpartition(".")[0]
            package = package.rsplit(".", level - 1)[0] if level > 1 else package
            target = f"{package}.{target}" if target else package
        names.append(target)
        names.extend(f"{target}.{name}" for name in imported if name != "*")
    return names


def _with_parents(names: list[str]) -> list[str]:
    """The names and every package above them (importing ``a.b.c`` runs ``a`` and ``a.b``)."""
    parts = [name.split(".") for name in names]
    return [".".join(p[:i]) for p in parts for i in range(1, len(p) + 1)]


def _third_party(paths: Iterable[Path]) -> set[str]:
    """Top-level names of the absolute imports that are neither topicflow nor the stdlib."""
    tops = {target.split(".")[0] for p in paths for level, target, _ in _imports(p) if not level}
    return {top for top in tops if top != "topicflow" and top not in sys.stdlib_module_names}


@cache
def _distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()


@cache
def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
