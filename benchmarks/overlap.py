"""Does running the models at once pay? Issue 18, item 1, measured with whole cold runs.

A run fits the models that read only words (LDA) while the documents are embedded
(from 1,000 documents in a low-priority process of their own, ``flows/orchestration/
apart.py``). That overlap is a gain only if the branches do not slow each other down
more than they save. Two cold `topicflow run` commands on the same
corpus, each on an empty store of its own, answer it:

1. **embedding alone**: `models: [embedding]`. Nothing runs beside the embedding
   stage (the embedding model's own fit waits for the vectors);
2. **the default run**: `models: [lda, embedding]`, LDA fitting beside the embedding.

Targets: the embedding stage's throughput inside the default run at least 0.8x its
throughput alone (both include loading the model and building the int8 model on the
empty store), and the default run's wall time (from its manifest: flow start to end)
below the sum of its stages' times. The run order alternates over ``--repeats`` so
that drifting load on a shared machine hits both kinds alike.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from measure import machine, run_measured

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "datasets" / "bbc_news" / "bbc_news.jsonl.gz"
RESULTS = ROOT / "benchmarks" / "results" / "overlap.md"
TOPICFLOW = str(Path(sys.executable).parent / "topicflow")
KINDS = {"embedding alone": "models: [embedding]\n", "default run": "models: [lda, embedding]\n"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="articles (default: all)")
    parser.add_argument("--repeats", type=int, default=1, help="cold runs of each kind")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Markdown file to write")
    args = parser.parse_args()
    if not SOURCE.is_file():
        print(f"skipped: {SOURCE} not found (the shared datasets are not on this machine)")
        return 0
    with gzip.open(SOURCE, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh][: args.limit]
    work = Path(tempfile.mkdtemp(prefix="topicflow-overlap-"))
    corpus = work / "bbc.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    measured: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for repeat in range(args.repeats):
        order = list(KINDS) if repeat % 2 == 0 else list(reversed(KINDS))
        for kind in order:
            config = work / f"{kind.replace(' ', '-')}.yaml"
            config.write_text(KINDS[kind])
            store = work / f"store-{kind.replace(' ', '-')}-{repeat}"  # empty: a cold run
            command = [TOPICFLOW, "run", "--corpus", str(corpus), "--config", str(config)]
            command += ["--store", str(store), "--out", str(work / "runs")]
            result = run_measured(command, {**os.environ, "HF_HUB_OFFLINE": "1"})
            run_dir = Path(result.stdout.strip().splitlines()[-1])
            manifest = json.loads((run_dir / "manifest.json").read_text())
            measured[kind].append(_summary(manifest, result.seconds))
            print(kind, measured[kind][-1], flush=True)
    args.out.write_text(render(measured, len(rows)))
    print(args.out.read_text())
    return 0


def _summary(manifest: dict, command_seconds: float) -> dict:
    stages = {name: record["seconds"] for name, record in manifest["stages"].items()}
    started, finished = (datetime.fromisoformat(manifest[k]) for k in ("started_at", "finished_at"))
    return {
        "stages": stages,
        "flow_seconds": (finished - started).total_seconds(),
        "command_seconds": command_seconds,
        "documents": manifest["corpus"]["documents"],
        "backend": manifest.get("embedding_backend"),
    }


def render(measured: dict[str, list[dict]], n_rows: int) -> str:
    alone, default = measured["embedding alone"], measured["default run"]
    docs = default[0]["documents"]
    lines = [
        "# Overlap: the embedding beside LDA, against the embedding alone",
        "",
        f"- Corpus: BBC News, {n_rows:,} articles ({docs:,} documents after ingestion), "
        "default config; every run cold, on an empty store of its own (the int8 model is "
        "built in each embed stage).",
        "- 'embedding alone': `models: [embedding]`; 'default run': `models: [lda, embedding]` "
        "(LDA's fit runs beside the embedding: in a low-priority process of its own from "
        "1,000 documents, see flows/orchestration/apart.py).",
        f"- Machine: {machine()}",
        f"- Command: `.venv/bin/python benchmarks/overlap.py"
        f"{'' if n_rows == 2225 else f' --limit {n_rows}'}`",
        "",
        "| run | embed stage s | docs/s | LDA stage s | sum of stages s | flow wall s | "
        "command s |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, runs in measured.items():
        for run in runs:
            stages = run["stages"]
            lines.append(
                f"| {kind} | {stages['embed']:.1f} | {docs / stages['embed']:.1f} | "
                f"{stages.get('lda', 0.0):.1f} | {sum(stages.values()):.1f} | "
                f"{run['flow_seconds']:.1f} | {run['command_seconds']:.1f} |"
            )
    embed_alone = sum(r["stages"]["embed"] for r in alone) / len(alone)
    embed_beside = sum(r["stages"]["embed"] for r in default) / len(default)
    wall = sum(r["flow_seconds"] for r in default) / len(default)
    summed = sum(sum(r["stages"].values()) for r in default) / len(default)
    lines += [
        "",
        f"- Embedding throughput beside LDA: **{embed_alone / embed_beside:.2f}x** its "
        "throughput alone (target >= 0.8x).",
        f"- Default run: wall **{wall:.0f} s** against **{summed:.0f} s** for the sum of "
        f"its stages, **{wall / summed:.2f}x** (target < 1).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
