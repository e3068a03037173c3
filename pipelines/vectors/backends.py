"""Fast CPU inference for the embedding model: ONNX Runtime with int8 weights.

sentence-transformers' torch fp32 path already runs near the cores' fp32 peak, so the
remaining lever is int8 arithmetic (the VNNI instructions of these CPUs). The
``onnx-int8`` backend exports the model's transformer to ONNX once, quantises the
weights of its matrix multiplications to int8 per output channel (activations are
quantised on the fly), and runs it with ONNX Runtime. Tokenisation, pooling and
normalisation stay sentence-transformers' own modules, so only the transformer's
arithmetic differs from the torch path (mean cosine to fp32 about 0.995 on news text;
see ``benchmarks/results/embedding_backends.md``).

The built model is cached in ``<store>/cache/models/`` under a key of the model's
files, the backend, the recipe and the library versions, as a checksummed blob
(:mod:`io.blob`) written atomically: concurrent runs never see half a file, and a
damaged one is rebuilt, never used. It is built under the entry's lock
(:mod:`io.entry_lock`): processes that need it at once wait for one build.

``optimum`` (sentence-transformers' own ONNX route) is not used: installing it
downgrades ``transformers``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np

from topicflow.pipelines.io.blob import read_blob, write_blob
from topicflow.pipelines.io.entry_lock import load_or_compute

BACKENDS = ("torch", "onnx-int8")
# Bump when the export or quantisation recipe changes: cached models and vectors then miss.
RECIPE = 1
_LIBRARIES = ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime")

logger = logging.getLogger(__name__)
builds = 0  # models exported in this process (tests check that a cached one is reused)


class BackendUnavailable(RuntimeError):
    """The fast backend cannot run this model here; the caller falls back to torch."""


def allowed_threads() -> int:
    """Cores this process may use: its CPU affinity, capped by ``OMP_NUM_THREADS`` when set.

    Dask's nanny sets ``OMP_NUM_THREADS`` to each worker's share, so a worker never
    starts more threads than it was given.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        limit = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        limit = 0
    return max(1, min(cores, limit) if limit > 0 else cores)


def library_versions() -> tuple[tuple[str, str], ...]:
    """Versions that change an exported model's numbers; part of every key that depends on it."""
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "missing"))
    return tuple(versions)


def backend_identity(backend: str) -> tuple:
    """What the embedding cache key adds for ``backend`` (empty for torch, so its keys stay)."""
    if backend == "torch":
        return ()
    return (backend, RECIPE, library_versions())


class OnnxEncoder:
    """Runs a loaded SentenceTransformer with its transformer replaced by an ONNX session.

    Each text runs through the int8 model on its own. Dynamic quantisation scales a
    call's activations by their overall range, so in a padded batch a text's vector
    would depend on its batch companions (cosine about 0.994 between batchings here);
    one text per call keeps each vector a function of its text alone, as the per-text
    embedding cache assumes, and computes no padding. The cores work on different
    texts at once (one single-threaded run each) rather than splitting one small
    matrix product, which measured 2x faster than two threads per call. Tokenisation
    and pooling stay sentence-transformers' own, per batch.
    """

    def __init__(self, encoder, session, threads: int) -> None:
        self.encoder = encoder
        self.session = session
        self.threads = threads
        self.inputs = [i.name for i in session.get_inputs()]

    def encode(self, texts: list[str], batch_size: int, normalize: bool) -> np.ndarray:
        import torch

        order = np.argsort([-len(t) for t in texts], kind="stable")  # longest first, as ST
        out = np.zeros((len(texts), self.encoder.get_embedding_dimension()), dtype=np.float32)
        with torch.inference_mode(), ThreadPoolExecutor(self.threads) as pool:
            for start in range(0, len(texts), batch_size):
                rows = order[start : start + batch_size]
                features = self.encoder.preprocess([texts[i] for i in rows])
                mask = features["attention_mask"].numpy().astype(bool)
                tokens = [np.flatnonzero(row) for row in mask]  # each text's own, no padding
                feeds = [
                    {n: features[n][j : j + 1, idx].numpy() for n in self.inputs}
                    for j, idx in enumerate(tokens)
                ]
                states = list(pool.map(lambda feed: self.session.run(None, feed)[0][0], feeds))
                hidden = np.zeros((*mask.shape, states[0].shape[-1]), dtype=np.float32)
                for j, idx in enumerate(tokens):
                    hidden[j, idx] = states[j]
                features["token_embeddings"] = torch.from_numpy(hidden)
                for module in list(self.encoder)[1:]:  # pooling, normalisation, ...
                    features = module(features)
                vectors = features["sentence_embedding"]
                if normalize:
                    vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
                out[rows] = vectors.numpy()
        return out


def load_onnx_int8(encoder, fingerprint: str, directory: Path) -> OnnxEncoder:
    """The int8 ONNX encoder for ``encoder``, built on first use and cached in ``directory``.

    Raises :class:`BackendUnavailable` with a one-line reason when it cannot run here.
    """
    try:
        import onnxruntime
    except ImportError as exc:
        raise BackendUnavailable(f"onnxruntime is not installed ({exc})") from None
    key = hashlib.sha256(
        repr((fingerprint, "onnx-int8", RECIPE, library_versions())).encode()
    ).hexdigest()[:24]
    path = Path(directory) / f"{key}.onnx"

    def load() -> tuple[bool, bytes | None]:
        payload = read_blob(path)  # None when absent or damaged (then it is rebuilt)
        return payload is not None, payload

    def build_and_cache() -> bytes:
        payload = _build_int8(encoder)
        _cache_model(path, payload)
        return payload

    # Built once per store: processes that need it at once (a run's Dask workers, two
    # runs) wait for the first build and load its file, rather than build it again.
    payload, _ = load_or_compute(path, load, build_and_cache)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # parallel across texts instead (see OnnxEncoder)
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        session = onnxruntime.InferenceSession(payload, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - any runtime refusal means "use torch"
        raise BackendUnavailable(f"ONNX Runtime cannot load the model: {_line(exc)}") from None
    return OnnxEncoder(encoder, session, allowed_threads())


def _build_int8(encoder) -> bytes:
    """Export the transformer to ONNX and quantise its weights to int8 (seconds)."""
    global builds
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers.base.modules.transformer import Transformer

    first = encoder[0]
    if not isinstance(first, Transformer) or first.module_output_name != "token_embeddings":
        raise BackendUnavailable(f"the model's first module is not a text transformer: {first}")
    model = first.auto_model
    sample = encoder.preprocess(["an example sentence", "another, somewhat longer one"])
    names = [n for n in encoder.tokenizer.model_input_names if n in sample]
    wrapper = _last_hidden(model, names)
    axes = [*names, "token_embeddings"]  # batch size and length vary from call to call
    previous = model.config._attn_implementation
    try:
        # Eager attention exports as plain MatMul/Softmax; SDPA's export adds masking ops
        # (Where, IsNaN) that took a fifth of ONNX Runtime's time here.
        model.set_attn_implementation("eager")
        with tempfile.TemporaryDirectory(prefix="topicflow-onnx-") as tmp:
            fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
            with warnings.catch_warnings(), torch.inference_mode():
                warnings.simplefilter("ignore")  # tracer notes about constant shapes we vary
                torch.onnx.export(
                    wrapper,
                    tuple(sample[n] for n in names),
                    str(fp32),
                    input_names=names,
                    output_names=["token_embeddings"],
                    dynamic_axes={n: {0: "batch", 1: "tokens"} for n in axes},
                    opset_version=17,
                    dynamo=False,  # the TorchScript exporter needs no onnxscript
                )
            # Per-channel weights keep cosine to fp32 near 0.995; one scale per matrix gave 0.95.
            root = logging.getLogger()
            root.addFilter(_drop_quantiser_hint)
            try:
                quantize_dynamic(
                    str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True
                )
            finally:
                root.removeFilter(_drop_quantiser_hint)
            payload = int8.read_bytes()
    except BackendUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - an unexportable model runs on torch instead
        raise BackendUnavailable(f"cannot export the model to ONNX: {_line(exc)}") from None
    finally:
        model.set_attn_implementation(previous)
    builds += 1
    return payload


def _last_hidden(model, names: list[str]):
    """Positional-input wrapper for the exporter (transformers' forward takes keywords)."""
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    return LastHidden().eval()


def _drop_quantiser_hint(record: logging.LogRecord) -> bool:
    """The quantiser logs a hint to run its pre-processing (on the root logger): not for users."""
    return "pre-processing" not in record.getMessage()


def _cache_model(path: Path, payload: bytes) -> None:
    """Keep the built model for later runs, written atomically (see the module's notes)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_blob(path, payload)
    except OSError as exc:  # a read-only store costs a rebuild next time, not the run
        logger.warning("cannot cache the ONNX model in %s: %s", path.parent, exc)


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
