"""How a whole cold `topicflow run` grows with the corpus, up to a million documents.

Three shapes of corpus (``--shape``):

- ``documents``: a seeded nested sample of raw 20 Newsgroups plus raw BBC News (up to
  their 21,071 documents, about 290 words each);
- ``short``: spans of 5 to 40 words (22 on average) cut from those documents,
  :mod:`synthetic`'s short shape, for 100k to 1M;
- ``paragraphs``: spans of 100 to 200 words (144 on average), for 100k and 300k; a
  million of them would take about three hours of embedding alone on two cores, so
  the 1M figure is extrapolated linearly from those two points and labelled so.

Each size is a cold run (empty store) with the default config plus
``preprocess.clean_usenet: true``, the process tree's RSS sampled every 0.2 s. Per row:
wall time, milliseconds per document, the tree's peak RSS, each stage's seconds (from
the manifest; the LDA and embedding branches overlap, so they do not add up), and the
stage the peak fell in. Synthetic sizes also write their memory profile
(``memory_<shape>_<N>.md``, as :mod:`memory_profile` does).

    .venv/bin/python benchmarks/scaling.py --shape short --sizes 100000,300000,1000000

Runs of a million documents take over an hour, so rows accumulate: each run's rows
replace those of the same shape and size in ``benchmarks/results/scaling.json`` (with
their date and machine), and ``scaling.md`` is rendered from all of them (``--render``:
only that).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np
import synthetic
from measure import machine
from memory_profile import profile_table, sampled

from topicflow.pipelines.io.run_files import read_manifest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ROWS = RESULTS / "scaling.json"
TOPICFLOW = str(Path(sys.executable).parent / "topicflow")
CONFIG = "preprocess:\n  clean_usenet: true\n"
KINDS = {
    "documents": "20NG + BBC documents",
    "short": "short spans",
    "paragraphs": "paragraph spans",
}
# Issue 18's targets for the short shape.
TARGET_PEAK_MB, TARGET_PER_DOCUMENT_RATIO, TARGET_SECONDS = 6 * 1024, 1.3, 2 * 3600


def documents(size: int, seed: int = 0) -> list[str]:
    texts = synthetic.real_documents()
    if size > len(texts):
        raise SystemExit(f"there are {len(texts):,} real documents, not {size:,}")
    order = np.random.default_rng(seed).permutation(len(texts))[:size]
    return [texts[i] for i in order]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(KINDS), default="documents")
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument(
        "--render", action="store_true", help="only write scaling.md from scaling.json's rows"
    )
    args = parser.parse_args()
    if args.render:
        (RESULTS / "scaling.md").write_text(render(load_rows()))
        return 0
    if not synthetic.available():
        print(f"skipped: {synthetic.SOURCES} not found (the shared datasets are not here)")
        return 0
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if args.shape == "documents":
        texts = documents(max(sizes))
    else:
        texts = synthetic.corpus(args.shape, max(sizes))
    work = Path(tempfile.mkdtemp(prefix="topicflow-scaling-"))
    (work / "config.yaml").write_text(CONFIG)
    for size in sizes:
        row = measure(texts[:size], args.shape, work)
        store(row)
        print(json.dumps(row), flush=True)
    (RESULTS / "scaling.md").write_text(render(load_rows()))
    print((RESULTS / "scaling.md").read_text())
    return 0


def measure(texts: list[str], shape: str, work: Path) -> dict:
    """One cold run on ``texts``: its row, and its memory profile for a synthetic shape."""
    size = len(texts)
    corpus = work / f"corpus_{shape}_{size}.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    runs = work / f"runs_{shape}_{size}"
    env = {**os.environ, "TOPICFLOW_STORE": str(work / f"store_{shape}_{size}")}
    command = [TOPICFLOW, "run", "--corpus", str(corpus), "--config", str(work / "config.yaml")]
    log = work / f"run_{shape}_{size}.log"
    print(f"{size:,} {shape}: running, output in {log}", flush=True)
    samples, seconds = sampled(command + ["--out", str(runs)], env, log)
    (run_dir,) = runs.iterdir()
    manifest = read_manifest(run_dir)
    stages = {name: round(stage.seconds, 1) for name, stage in manifest.stages.items()}
    table = profile_table(samples, json.loads((run_dir / "manifest.json").read_text())["stages"])
    if shape != "documents":
        title = f"{size:,} {KINDS[shape]} (`scaling.py --shape {shape}`)"
        path = RESULTS / f"memory_{shape}_{size}.md"
        path.write_text(table.markdown(title, size, seconds, CONFIG))
    return {
        "shape": shape,
        "documents": manifest.corpus.documents,
        "words": round(sum(len(t.split()) for t in texts) / size, 1),
        "seconds": round(seconds, 1),
        "peak_mb": round(table.peak_mb),
        "peak_during": table.peak_during,
        "stages": stages,
        "date": f"{datetime.now():%Y-%m-%d}",
        "commit": _commit(),
        "machine": machine(),
    }


def _commit() -> str:
    """The code the row measured: the checkout's commit, marked when it had changes."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "pipelines", "flows"], capture_output=True, text=True
    )
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def load_rows() -> list[dict]:
    return json.loads(ROWS.read_text()) if ROWS.is_file() else []


def store(row: dict) -> None:
    key = (row["shape"], row["documents"])
    rows = [r for r in load_rows() if (r["shape"], r["documents"]) != key]
    rows = sorted(rows + [row], key=lambda r: (list(KINDS).index(r["shape"]), r["documents"]))
    ROWS.write_text(json.dumps(rows, indent=1) + "\n")


def render(rows: list[dict]) -> str:
    stages = list(dict.fromkeys(name for row in rows for name in row["stages"]))
    lines = [
        "# Scaling: one cold `topicflow run` at growing corpus sizes",
        "",
        "- Shapes (`benchmarks/synthetic.py`): real 20 Newsgroups + BBC News documents; "
        "`short` spans of 5-40 words and `paragraph` spans of 100-200 words cut from them.",
        "- Config: defaults plus `preprocess.clean_usenet: true`; empty store before each run.",
        "- Command: `.venv/bin/python benchmarks/scaling.py --shape SHAPE --sizes N,...`; rows "
        "accumulate in `scaling.json` (each with its date and machine, below, and a note "
        "where something ran beside it).",
        "- Stage seconds come from each run's manifest; the LDA and embedding branches run "
        "concurrently, so stages overlap and do not add up to the wall time. Peak: the whole "
        "process tree's RSS.",
        "",
        "| documents | kind | mean words | wall s | ms per document | peak RSS (MB) | "
        + " | ".join(["peak during", *stages])
        + " |",
        "|---:|---|---:|---:|---:|---:|---|" + "---:|" * len(stages),
    ]
    for row in rows:
        cells = " | ".join(f"{row['stages'].get(name, 0.0):.1f}" for name in stages)
        lines.append(
            f"| {row['documents']:,} | {KINDS[row['shape']]} | {row['words']:.0f} | "
            f"{row['seconds']:,.0f} | {1000 * row['seconds'] / row['documents']:.2f} | "
            f"{row['peak_mb']:,} | {row['peak_during']} | {cells} |"
        )
    lines += ["", *targets(rows), "", "Measured on (date, commit, machine):", ""]
    lines += sorted(
        {
            f"- {r['documents']:,} {r['shape']}: {r['date']}, {r['commit']}, {r['machine']}"
            + (f"; {r['note']}" if r.get("note") else "")
            for r in rows
        }
    )
    return "\n".join(lines) + "\n"


def targets(rows: list[dict]) -> list[str]:
    """Issue 18's million-document targets against the short rows, and the paragraph
    shape's million extrapolated from its 100k and 300k rows."""
    short = {r["documents"]: r for r in rows if r["shape"] == "short"}
    out = ["## Targets", ""]
    if 1_000_000 in short:
        big = short[1_000_000]
        out.append(
            f"- 1M short spans, cold: {big['seconds']:,.0f} s (target <= {TARGET_SECONDS:,}), "
            f"peak {big['peak_mb']:,} MB (target <= {TARGET_PEAK_MB:,})."
        )
        if 100_000 in short:
            ratio = (big["seconds"] / 1e6) / (short[100_000]["seconds"] / 1e5)
            out.append(
                f"- Wall time per document at 1M / at 100k: {ratio:.2f} "
                f"(target <= {TARGET_PER_DOCUMENT_RATIO})."
            )
    else:
        out.append("- No 1,000,000-document row yet.")
    paragraphs = {r["documents"]: r for r in rows if r["shape"] == "paragraphs"}
    if {100_000, 300_000} <= paragraphs.keys():
        seconds = _at_a_million(paragraphs, "seconds")
        peak = _at_a_million(paragraphs, "peak_mb")
        commits = " and ".join(paragraphs[n]["commit"] for n in (100_000, 300_000))
        out.append(
            f"- Paragraphs at 1M, extrapolated linearly from 100k and 300k (not run; rows of "
            f"{commits}): {seconds:,.0f} s ({seconds / 3600:.1f} h), peak {peak:,.0f} MB."
        )
    return out


def _at_a_million(rows: dict[int, dict], field: str) -> float:
    """``field`` at 1,000,000 documents on the line through the 100k and 300k rows."""
    a, b = rows[100_000][field], rows[300_000][field]
    return b + (b - a) / 200_000 * 700_000


if __name__ == "__main__":
    sys.exit(main())
