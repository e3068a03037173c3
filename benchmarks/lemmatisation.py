"""Lemmatised against surface tokens: topic quality and agreement with the gold labels.

For raw ``bbc_news`` (5 labels) and a seeded sample of raw ``20newsgroups`` (20 labels,
``preprocess.clean_usenet: true``; the same sample as ``topic_names.py``), the whole
analysis runs through :func:`pipelines.analysis.pipeline.analyse` with the default
config except ``models`` (LDA, NMF and, with ``--embedding``, embedding topics),
``naming.enabled: false`` and ``preprocess.lemmatize`` set to each lemmatiser in turn.
Reported per model: **NPMI** (mean over topics, top 10 words) and **TD** (topic
diversity) on the run's own shared reference, which is lemmatised when the tokens are,
so NPMI is comparable within a row group only with that caveat (lemmas pool counts);
**NMI** against the gold labels (unassigned documents as one group of their own) does
not depend on the tokens' form and is the fairest comparison. Embedding topics are
assigned from the document vectors, so only their words (NPMI, TD) can change.

    .venv/bin/python benchmarks/lemmatisation.py [--corpora bbc_news,20newsgroups]
        [--sample 4000] [--embedding]

Writes ``benchmarks/results/lemmatisation.md``. Embeddings go through the store's cache.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

from common import load_labelled

from topicflow.pipelines.analysis.pipeline import analyse
from topicflow.pipelines.config import load_config
from topicflow.pipelines.io.store import resolve_store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "lemmatisation.md"
LEMMATIZERS = ("none", "simplemma", "lemminflect")


def run_corpus(name: str, sample: int, models: list[str]) -> dict:
    texts, gold = load_labelled(name, sample if name == "20newsgroups" else None)
    rows = []
    for lemmatize in LEMMATIZERS:
        preprocess = {"lemmatize": lemmatize, "clean_usenet": name == "20newsgroups"}
        overrides = {"models": models, "naming": {"enabled": False}, "preprocess": preprocess}
        start = time.perf_counter()
        cfg = load_config(overrides=overrides)
        analysis = analyse(texts, cfg, labels=gold, store=resolve_store())
        seconds = time.perf_counter() - start
        quality, labels = analysis.metrics["models"], analysis.metrics["labels"]
        for model in models:
            topics = analysis.topic_sets[model]
            rows.append(
                {
                    "lemmatize": lemmatize,
                    "model": model,
                    "npmi": quality[model]["npmi"],
                    "td": quality[model]["diversity"],
                    "nmi": labels[model]["nmi"],
                    "topics": topics.n_topics,
                    "vocabulary": len(analysis.prepared.vocabulary),
                    "seconds": seconds,
                    "example": analysis.prepared.preprocessor.display(topics.words[0][:6]),
                }
            )
        print(name, lemmatize, rows[-len(models) :], flush=True)
    return {"documents": len(texts), "labels": len(set(gold)), "rows": rows}


def render(name: str, result: dict) -> str:
    lines = [
        f"## {name}: {result['documents']:,} documents, {result['labels']} labels",
        "",
        "| model | lemmatize | NPMI | TD | NMI | topics | vocabulary | run s "
        "| topic 0 (displayed) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(result["rows"], key=lambda r: (r["model"], LEMMATIZERS.index(r["lemmatize"]))):
        lines.append(
            f"| {r['model']} | {r['lemmatize']} | {r['npmi']:.3f} | {r['td']:.3f} | "
            f"{r['nmi']:.3f} | {r['topics']} | {r['vocabulary']:,} | {r['seconds']:.0f} | "
            f"{' '.join(r['example'])} |"
        )
    return "\n".join([*lines, ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="bbc_news,20newsgroups")
    parser.add_argument("--sample", type=int, default=4000, help="20 Newsgroups posts (0: all)")
    parser.add_argument("--embedding", action="store_true", help="embedding topics too")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    models = ["lda", "nmf"] + (["embedding"] if args.embedding else [])
    command = " ".join(["benchmarks/lemmatisation.py", *sys.argv[1:]])
    sections = [render(c, run_corpus(c, args.sample, models)) for c in args.corpora.split(",")]
    header = [
        "# Lemmatised against surface tokens",
        "",
        "- Default config (seed 42, 10 topics per model) with `naming.enabled: false` and "
        "`preprocess.lemmatize` as listed; 20 Newsgroups: `clean_usenet: true`, a seeded sample.",
        "- NPMI and TD on each run's own shared reference (lemmatised when the tokens are: "
        "lemmas pool counts, so compare NPMI across rows with care); NMI against the gold "
        "labels, unassigned documents as one group. Run s: the whole `analyse` call.",
        "- lemminflect: dictionary lemmas preferring the noun reading, no part-of-speech "
        "tagger; simplemma: its English table. Topic words shown in their most frequent "
        "surface spelling (`Preprocessor.display`).",
        f"- Machine: {platform.machine()}, 2 cores shared with other work, Python "
        f"{platform.python_version()}, no GPU.",
        f"- Command: `.venv/bin/python {command}`",
        "",
    ]
    args.out.write_text("\n".join(header + sections) + "\n", encoding="utf-8")
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
