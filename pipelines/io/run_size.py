"""About how many bytes a run of these documents writes: the floor of free space that the
CLI asks of ``--out`` and ``--store`` before a run starts (flows/app/preflight.py).

A floor, not a forecast: it counts what such a run certainly writes, so that a file
system without room is refused at once and a run that would fit never is. What it
leaves out (fitted models, the topics' word vectors, the history database, Prefect's
database) is found at the write instead, which fails the run cleanly. Measured: for the
40 sentences of the tests it counts 98% of the run directory and a quarter of the
store's caches; for the 22,511 State of the Union paragraphs, half of the run directory
and 70% of the caches.

``--out`` (the run directory):
- ``report.html`` inlines plotly.js (pipelines/report/html.py): its size, read from the
  installed plotly, about 4.8 MB;
- each document's snippet, as ``assignments.csv`` holds it.

``--store``, for every run that gets this far (a run answered from the last one does
not): the document vectors, float32, while the run holds them, in a file of the
store's ``cache/scratch`` (pipelines/io/disk_array.py), when a model needs them. Only
when the corpus is not in its cache yet (a re-run of the same files writes little
there; what a changed setting recomputes is found at the write):
- the cached corpus and the tokens the preprocess stage caches: each about the texts;
- the document vectors again, float32 (4 bytes) times the model's dimension each (384
  for the default all-MiniLM-L6-v2), in the embedding cache, unless ``embedder.cache``
  is off or no model needs them;
- the int8 ONNX model, when that backend is configured and the store has none yet:
  about a quarter of the model's float32 weights (one byte per weight instead of four).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from topicflow.pipelines.config import Config
from topicflow.pipelines.io.run_files import snippet
from topicflow.pipelines.vectors.identity import resolve_model

FLOAT32_BYTES = 4
# all-MiniLM-L6-v2's dimension, the default model's: used when a model's files cannot be
# read here (a Hugging Face hub name, resolved only when the model loads).
DEFAULT_DIMENSION = 384
# Files of a model's float32 weights (safetensors, or PyTorch's older pickles).
_WEIGHTS = ("*.safetensors", "pytorch_model*.bin")


@dataclass(frozen=True)
class RunSize:
    """Bytes a run writes at least: in its run directory, and in the store's caches."""

    out: int
    store: int


def run_size(texts: Sequence[str], cfg: Config, store: Path, corpus_cached: bool) -> RunSize:
    """The floor for a run of ``cfg`` on documents with ``texts`` (see the module's notes);
    ``corpus_cached``: the store's corpus cache already holds these files."""
    out = report_script_bytes() + sum(_utf8(snippet(text)) for text in texts)
    embedder = cfg.embedder
    vectors = 0
    if cfg.needs_vectors():
        vectors = len(texts) * vector_dimension(embedder.model) * FLOAT32_BYTES
    if corpus_cached:  # every run that gets here merges its vectors into a file
        return RunSize(out, vectors)
    stored = 2 * sum(_utf8(text) for text in texts) + vectors
    if embedder.cache:
        stored += vectors
    model_cached = any((store / "cache" / "models").glob("*.onnx"))
    if cfg.needs_vectors() and embedder.backend == "onnx-int8" and not model_cached:
        stored += model_weight_bytes(embedder.model) // FLOAT32_BYTES
    return RunSize(out, stored)


def report_script_bytes() -> int:
    """Size of the plotly.js that every ``report.html`` inlines."""
    from plotly.offline import get_plotlyjs  # what pipelines/report/html.py inlines

    return _utf8(get_plotlyjs())


def vector_dimension(model: str) -> int:
    """The width of ``model``'s vectors, from its files, without loading it: the last of
    its modules that sets one (a Dense layer's ``out_features``, the pooling layer's
    ``word_embedding_dimension``), else the transformer's ``hidden_size``."""
    location = resolve_model(model)
    if not isinstance(location, Path):
        return DEFAULT_DIMENSION
    dimension = _mapping(location / "config.json").get("hidden_size", DEFAULT_DIMENSION)
    modules = _read_json(location / "modules.json")
    for module in modules if isinstance(modules, list) else []:
        path = module.get("path", "") if isinstance(module, dict) else ""
        config = _mapping(location / str(path) / "config.json")
        dimension = (
            config.get("out_features") or config.get("word_embedding_dimension") or dimension
        )
    return int(dimension)


def model_weight_bytes(model: str) -> int:
    """Bytes of ``model``'s weight files; 0 when its files are not on disk here."""
    location = resolve_model(model)
    if not isinstance(location, Path):
        return 0
    return sum(file.stat().st_size for pattern in _WEIGHTS for file in location.glob(pattern))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _mapping(path: Path) -> dict[str, Any]:
    value = _read_json(path)
    return value if isinstance(value, dict) else {}


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))
