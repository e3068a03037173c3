"""What dropping repeated lines (``preprocess.repeated_lines``, default 5) finds and costs.

For each real corpus: the lines found in at least five documents, the documents it
changes (against the same cleaning with ``repeated_lines: keep``), the most frequent
such lines, and the seconds. Then the cost at scale: a million texts of the ``short``
shape (``synthetic.py``: 5 to 40 words, one line each) through ``Cleaner``, timed, with
the peak resident memory above what the texts already hold, in a fresh process.

    .venv/bin/python benchmarks/repeated_lines.py [--documents 1000000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import DATASETS, FILES

from topicflow.pipelines.text.clean import Cleaner, _line_hash

RESULTS = Path(__file__).resolve().parent / "results" / "repeated_lines.md"
CORPORA = {  # name -> (file, clean_usenet as topic_trees.py runs it)
    "20 Newsgroups": (FILES["20newsgroups"], True),
    "BBC News": (FILES["bbc_news"], False),
    "State of the Union paragraphs": (DATASETS / "sotu" / "sotu_paragraphs.jsonl.gz", False),
}
SHOWN = 8  # most frequent repeated lines listed per corpus


def real(name: str, path: Path, usenet: bool) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    before = Cleaner(usenet=usenet, repeated_lines="keep").fit_transform(texts)
    start = time.perf_counter()
    cleaner = Cleaner(usenet=usenet)
    after = cleaner.fit_transform(texts)
    seconds = time.perf_counter() - start
    changed = sum(a != b for a, b in zip(before, after, strict=True))
    counts: dict[int, tuple[int, str]] = {}
    for text in before:
        seen = set()
        for line in text.splitlines():
            h = _line_hash(line)
            if h in cleaner.repeated_ and h not in seen:
                seen.add(h)
                n, shown = counts.get(h, (0, " ".join(line.split())))
                counts[h] = (n + 1, shown)
    top = sorted(counts.values(), reverse=True)[:SHOWN]
    print(f"{name}: {len(cleaner.repeated_)} lines, {changed} documents changed", flush=True)
    return [
        f"| {name} | {len(texts):,} | {'yes' if usenet else 'no'} | {len(cleaner.repeated_):,} "
        f"| {changed:,} ({changed / len(texts):.1%}) | {seconds:.1f} | "
        + "; ".join(f"{shown[:60].replace('|', '/')} ({n})" for n, shown in top)
        + " |"
    ]


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def scale_child(documents: int) -> None:
    """In this (fresh) process: the corpus built, then the cleaner timed, its resident
    memory sampled every 10 ms; one JSON line on stdout."""
    from synthetic import corpus

    texts = corpus("short", documents)
    held, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    cleaner = Cleaner()
    out = cleaner.fit_transform(texts)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    changed = sum(a is not b for a, b in zip(texts, out, strict=True))
    result = {"seconds": seconds, "held_mb": held, "peak_mb": max(peak[0], _rss_mb())}
    print(json.dumps(result | {"lines": len(cleaner.repeated_), "changed": changed}))


def at_scale(documents: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--scale-child", str(documents)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--scale-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_child:
        scale_child(args.scale_child)
        return 0
    rows = []
    for name, (path, usenet) in CORPORA.items():
        rows += real(name, path, usenet)
    scale = at_scale(args.documents)
    print(scale, flush=True)
    lines = [
        "# Repeated lines",
        "",
        f"Command: `.venv/bin/python benchmarks/repeated_lines.py --documents {args.documents}` "
        f"(Python {platform.python_version()}, {platform.machine()}; the cores are shared, "
        "so the seconds are noisy). `preprocess.repeated_lines: 5` (the default): a line "
        "in at least five documents, compared without case or runs of white space, is "
        "dropped, unless it is all its document holds. 'changed' = documents whose text "
        "differs from the same cleaning with `repeated_lines: keep`; seconds include the "
        "USENET cleaning where it is on; each line shown with the documents that hold it.",
        "",
        "| corpus | documents | clean_usenet | repeated lines | changed | seconds "
        "| most frequent |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"At scale: {args.documents:,} texts of the `short` shape (`synthetic.py`, 5 to 40 "
        f"words, one line each, so none can change: {scale['changed']:,} changed, "
        f"{scale['lines']:,} repeated lines) took {scale['seconds']:.1f} s; resident memory "
        f"(sampled every 10 ms) peaked {scale['peak_mb'] - scale['held_mb']:,.0f} MB above "
        f"the {scale['held_mb']:,.0f} MB the process held with the texts built.",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
