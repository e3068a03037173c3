"""What dropping repeated lines (``preprocess.repeated_lines``, default 5) finds and costs.

1. For each real corpus, read as a run reads it: the lines found in at least five
   documents, the documents it changes (against the same cleaning with
   ``repeated_lines: keep``), the most frequent such lines, and the seconds.
2. What it does to topics: the embedding model on 20 Newsgroups (``clean_usenet:
   true``) at 24 topics (the count its rule chose with the lines kept), with the lines
   kept and dropped: mean NPMI, label NMI, and the most coherent topics.
3. The cost at scale, each in a fresh process, timed, with resident memory sampled
   every 10 ms above what the process held with the texts built:
   - ``short``: texts of the ``short`` shape (``synthetic.py``: 5 to 40 words, one
     line each, so only the counting runs);
   - ``posts``: posts of 15 lines, each line a span of the ``short`` pool (seeded
     draws, so some spans recur in five posts or more, as wrapped prose does), a fifth
     of them ending on one of 1,000 two-line signatures: every pass of the cleaner runs.

    .venv/bin/python benchmarks/repeated_lines.py [--documents 1000000] [--posts 200000]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from statistics import mean

import numpy as np
from common import DATASETS, FILES

from topicflow.pipelines.config import CorpusConfig
from topicflow.pipelines.corpus.ingest import read_corpus
from topicflow.pipelines.text.clean import Cleaner, _line_hash

RESULTS = Path(__file__).resolve().parent / "results" / "repeated_lines.md"
CORPORA = {  # name -> (file, clean_usenet as topic_trees.py runs it, labelled)
    "20 Newsgroups": (FILES["20newsgroups"], True, True),
    "BBC News": (FILES["bbc_news"], False, True),
    "State of the Union paragraphs": (DATASETS / "sotu" / "sotu_paragraphs.jsonl.gz", False, False),
}
SHOWN = 8  # most frequent repeated lines listed per corpus
TOPICS = 24  # the embedding model's own choice on 20 Newsgroups with the lines kept
POST_LINES, SIGNED, SIGNATURES = 15, 0.2, 1000


def read(path: Path, labelled: bool) -> tuple[list[str], list[str] | None]:
    """The documents as a run ingests them (stripped, duplicates dropped)."""
    fields = {"label_field": "label"} if labelled else {}
    corpus = read_corpus(path, CorpusConfig(id_field="id", **fields))
    return list(corpus.texts), list(corpus.labels) if labelled else None


def real(name: str, texts: list[str], usenet: bool) -> str:
    before = Cleaner(usenet=usenet, repeated_lines="keep").fit_transform(texts)
    start = time.perf_counter()
    cleaner = Cleaner(usenet=usenet)
    after = cleaner.fit_transform(texts)
    seconds = time.perf_counter() - start
    changed = sum(a != b for a, b in zip(before, after, strict=True))
    counts: dict[int, tuple[int, str]] = {}
    for text in before:
        seen = set()
        for line in text.split("\n"):
            h = _line_hash(line)
            if h in cleaner.repeated_ and h not in seen:
                seen.add(h)
                n, shown = counts.get(h, (0, " ".join(line.split())))
                counts[h] = (n + 1, shown)
    top = sorted(counts.values(), reverse=True)[:SHOWN]
    print(f"{name}: {len(cleaner.repeated_)} lines, {changed} documents changed", flush=True)
    return (
        f"| {name} | {len(texts):,} | {'yes' if usenet else 'no'} | {len(cleaner.repeated_):,} "
        f"| {changed:,} ({changed / len(texts):.1%}) | {seconds:.1f} | "
        + "; ".join(f"{shown[:60].replace('|', '/')} ({n})" for n, shown in top)
        + " |"
    )


def topics(texts: list[str], labels: list[str]) -> list[str]:
    """The embedding model at ``TOPICS`` topics on 20 Newsgroups, lines kept and dropped."""
    from topicflow.pipelines.analysis.pipeline import embed, grow_model, prepare, prepared_corpus
    from topicflow.pipelines.config import load_config
    from topicflow.pipelines.evaluate.compare import label_scores
    from topicflow.pipelines.io.store import cache_dir, resolve_store
    from topicflow.pipelines.vectors.encoder import LazyEncoder

    store, rows = resolve_store(), []
    for setting in ("keep", 5):
        preprocess = {"clean_usenet": True, "repeated_lines": setting}
        cfg = load_config(overrides={"preprocess": preprocess, "naming": {"enabled": False}})
        prepared = prepare(texts, cfg)
        vectors = embed(prepared.texts, cfg, store)
        encoder = LazyEncoder(cfg.embedder, cache_dir(store, "models"))
        corpus = prepared_corpus(prepared, vectors, encoder)
        model = grow_model("embedding", corpus, cfg)
        preferred = model.preferred_
        model.set_level(TOPICS, corpus)
        found = model.topics_
        npmi = prepared.reference.npmi(found.words)
        best = sorted(zip(npmi, found.sizes(), found.words, strict=True), reverse=True)[:3]
        nmi = label_scores(found.assignments, labels)["nmi"]
        print(f"topics, repeated_lines {setting}: NPMI {mean(npmi):.3f}, NMI {nmi:.3f}", flush=True)
        rows.append(
            f"| {setting} | {preferred} | {mean(npmi):.3f} | {nmi:.3f} | "
            + "<br>".join(f"{s:.3f}, {n} posts: {' '.join(w[:8])}" for s, n, w in best)
            + " |"
        )
    return rows


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def _posts(documents: int) -> list[str]:
    from synthetic import corpus

    rng = np.random.default_rng(0)
    pool = corpus("short", min(documents * 2, 1_000_000))
    signatures = [f"Name {i} <name{i}@example.org>\nMy motto, {i}." for i in range(SIGNATURES)]
    lines = rng.integers(0, len(pool), size=(documents, POST_LINES))
    signed = rng.random(documents) < SIGNED
    owner = rng.integers(0, SIGNATURES, size=documents)
    return [
        "\n".join(pool[j] for j in row) + (f"\n--\n{signatures[o]}" if s else "")
        for row, s, o in zip(lines, signed, owner, strict=True)
    ]


def scale_child(shape: str, documents: int) -> None:
    """In this (fresh) process: the texts built, then the cleaner timed, its resident
    memory sampled every 10 ms; one JSON line on stdout."""
    from synthetic import corpus

    texts = corpus("short", documents) if shape == "short" else _posts(documents)
    held, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    cleaner = Cleaner()
    cleaner.fit(texts)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    result = {"seconds": seconds, "held_mb": held, "peak_mb": max(peak[0], _rss_mb())}
    print(json.dumps(result | {"lines": len(cleaner.repeated_), "changed": cleaner.changed_}))


def at_scale(shape: str, documents: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--scale-child", shape, str(documents)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(shape, result, flush=True)
    return result


def scale_row(shape: str, documents: int, r: dict) -> str:
    return (
        f"| {shape} | {documents:,} | {r['lines']:,} | {r['changed']:,} | {r['seconds']:.1f} "
        f"| {r['held_mb']:,.0f} | {r['peak_mb'] - r['held_mb']:,.0f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--scale-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_child:
        scale_child(args.scale_child[0], int(args.scale_child[1]))
        return 0
    rows, newsgroups = [], None
    for name, (path, usenet, labelled) in CORPORA.items():
        texts, labels = read(path, labelled)
        rows.append(real(name, texts, usenet))
        if name == "20 Newsgroups":
            newsgroups = (texts, labels)
    topic_rows = topics(*newsgroups)
    scale = {"short": args.documents, "posts": args.posts}
    scale_rows = [scale_row(s, n, at_scale(s, n)) for s, n in scale.items()]
    command = (
        f".venv/bin/python benchmarks/repeated_lines.py --documents {args.documents} "
        f"--posts {args.posts}"
    )
    lines = [
        "# Repeated lines",
        "",
        f"Command: `{command}` (Python {platform.python_version()}, {platform.machine()}; "
        "the cores are shared, so the seconds are noisy). `preprocess.repeated_lines: 5` "
        "(the default): a line in at least five documents, compared without case or runs "
        "of white space, is dropped, unless it is all its document holds.",
        "",
        "## What it finds",
        "",
        "'changed' = documents whose text differs from the same cleaning with "
        "`repeated_lines: keep`; seconds include the USENET cleaning where it is on; each "
        "line shown with the documents that hold it.",
        "",
        "| corpus | documents | clean_usenet | repeated lines | changed | seconds "
        "| most frequent |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## What it does to topics",
        "",
        f"The embedding model on 20 Newsgroups (`clean_usenet: true`, default config "
        f"otherwise) reported at {TOPICS} topics, the count its rule chose with the lines "
        "kept; 'preferred' = its rule's choice; NPMI on each setting's own reference; NMI "
        "against the newsgroups; the three topics with the highest NPMI, with their first "
        "eight words.",
        "",
        "| repeated_lines | preferred | NPMI | NMI | most coherent topics |",
        "|---|---|---|---|---|",
        *topic_rows,
        "",
        "## Cost at scale",
        "",
        "Each in a fresh process: `Cleaner().fit` timed; memory = resident memory sampled "
        "every 10 ms, its peak above what the process held with the texts built (MB). "
        f"`short`: one line each, so only the counting runs. `posts`: {POST_LINES} lines "
        "each (spans drawn from the `short` pool with replacement, so some recur in five "
        f"posts or more), {SIGNED:.0%} signed with one of {SIGNATURES:,} two-line "
        "signatures after a `--` line.",
        "",
        "| shape | texts | repeated lines | changed | seconds | held MB | peak above MB |",
        "|---|---|---|---|---|---|---|",
        *scale_rows,
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
