"""How a whole `topicflow run` grows with the corpus: 1k, 5k, 20k and 200k documents.

Real documents for 1k / 5k / 20k: a seeded sample (nested: each size contains the
smaller ones) of raw 20 Newsgroups plus raw BBC News (21,071 documents; USENET
headers, quotes and signatures stripped). The 200k corpus is synthetic: 200,000
distinct sentences of 5 to 60 words drawn without replacement from those documents
(which hold about 202,000), one sentence per document, as short texts such as
tickets or reviews are. Distinct, because ingestion drops duplicate documents.

Each size is a cold `topicflow run` (empty store) with the default config except
``preprocess.clean_usenet: true`` and ``embedding.umap.fit_sample: 20000`` (UMAP is fitted
on 20,000 documents and applied to the rest; a no-op up to 20k). Reported: wall time,
the peak resident memory of the whole process tree, each stage's seconds, and which
stage dominates.

    .venv/bin/python benchmarks/scaling.py [--sizes 1000,5000,20000,200000]

Writes ``benchmarks/results/scaling.md``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
from measure import machine, run_measured

from topicflow.pipelines.io.run_files import read_manifest
from topicflow.pipelines.text.clean import strip_usenet

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
SOURCES = (
    DATASETS / "20newsgroups" / "20news-bydate.jsonl.gz",
    DATASETS / "bbc_news" / "bbc_news.jsonl.gz",
)
RESULTS = ROOT / "benchmarks" / "results" / "scaling.md"
TOPICFLOW = str(Path(sys.executable).parent / "topicflow")
# The manifest's stages: the fixed ones and one per model the default config fits.
STAGES = ("ingest", "preprocess", "embed", "lda", "embedding", "document_map", "compare", "report")
CONFIG = "preprocess:\n  clean_usenet: true\nembedding:\n  umap:\n    fit_sample: 20000\n"
SYNTHETIC_FROM = 100_000  # sizes above this are synthetic sentences
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def real_documents() -> list[str]:
    texts = []
    for source in SOURCES:
        with gzip.open(source, "rt", encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh]
    return texts


def sentences(texts: list[str]) -> list[str]:
    """The distinct whole sentences of 5 to 60 words in the cleaned documents, sorted."""
    found = set()
    for text in texts:
        for sentence in _SENTENCE.split(" ".join(strip_usenet(text).split())):
            if 5 <= len(sentence.split()) <= 60:
                found.add(sentence)
    return sorted(found)


def write_corpus(texts: list[str], path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"text": t}) + "\n" for t in texts)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000,200000")
    args = parser.parse_args()
    if not all(source.is_file() for source in SOURCES):
        print(f"skipped: {SOURCES} not found (the shared datasets are not on this machine)")
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = np.random.default_rng(0)
    texts = real_documents()
    order = rng.permutation(len(texts))
    pool = sentences(texts) if max(sizes) > SYNTHETIC_FROM else []
    work = Path(tempfile.mkdtemp(prefix="topicflow-scaling-"))
    (work / "config.yaml").write_text(CONFIG)
    rows = []
    for size in sizes:
        if size > SYNTHETIC_FROM:
            corpus = [pool[i] for i in rng.choice(len(pool), size, replace=False)]
            kind = "synthetic sentences"
        else:
            corpus = [texts[i] for i in order[:size]]
            kind = "20NG + BBC documents"
        path = write_corpus(corpus, work / f"corpus_{size}.jsonl")
        env = {**os.environ, "TOPICFLOW_STORE": str(work / f"store_{size}")}
        command = [TOPICFLOW, "run", "--corpus", str(path), "--config", str(work / "config.yaml")]
        measured = run_measured(command + ["--out", str(work / "runs")], env)
        run_dir = Path(measured.stdout.strip().splitlines()[-1])
        manifest = read_manifest(run_dir)
        timing = manifest.stages
        stages = {name: timing[name].seconds if name in timing else 0.0 for name in STAGES}
        rows.append(
            {
                "size": size,
                "kind": kind,
                "documents": manifest.corpus.documents,
                "seconds": measured.seconds,
                "rss": measured.peak_rss_mb,
                "stages": stages,
                "words": sum(len(t.split()) for t in corpus) / len(corpus),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    RESULTS.write_text(render(rows, args.sizes))
    print(RESULTS.read_text())
    return 0


def render(rows: list[dict], sizes: str) -> str:
    lines = [
        "# Scaling: one cold `topicflow run` at growing corpus sizes",
        "",
        "- Corpora: a seeded nested sample of raw 20 Newsgroups + raw BBC News (USENET "
        "headers, quotes and signatures stripped) up to 20k; 200k = synthetic, one distinct "
        "sentence (5-60 words) drawn from those documents per document.",
        "- Config: defaults plus `preprocess.clean_usenet: true` and "
        "`embedding.umap.fit_sample: 20000`; "
        "store empty before each run; threads runner; models `lda` (10 topics) and "
        "`embedding` (HDBSCAN's natural count); stages named as in the manifest.",
        f"- Machine: {machine()}.",
        f"- Command: `.venv/bin/python benchmarks/scaling.py --sizes {sizes}`",
        "- Stage seconds come from each run's manifest; the LDA and embedding branches run "
        "concurrently, so stages overlap and do not add up to the wall time.",
        "",
        "| documents | kind | mean words | wall s | peak RSS (MB) | "
        + " | ".join(STAGES)
        + " | dominant stage |",
        "|---|---|---|---|---|" + "---|" * len(STAGES) + "---|",
    ]
    for row in rows:
        stages = row["stages"]
        dominant = max(stages, key=stages.get)
        cells = " | ".join(f"{stages[name]:.1f}" for name in STAGES)
        lines.append(
            f"| {row['documents']:,} | {row['kind']} | {row['words']:.0f} | "
            f"{row['seconds']:.0f} | {row['rss']:.0f} | {cells} | {dominant} |"
        )
    return "\n".join(lines + [""])


if __name__ == "__main__":
    sys.exit(main())
