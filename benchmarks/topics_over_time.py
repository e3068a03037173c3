"""Topics over time on the State of the Union paragraphs (1790-2026), against BERTopic's
``topics_over_time`` on the same texts, vectors and periods, in one script run.

1. ``topicflow run --time-field date`` on the 22,605 paragraphs: wall time, peak RSS of
   the process tree, and the over-time stage's share of the run (from the manifest);
2. every model's top movers, as the run's ``metrics.json`` lists them;
3. a handful of well-known long-run movements: does each model have a topic for it, and
   does that topic move as history did? A movement's topic is the one whose top ten words
   hold the most of the movement's keywords (at least two);
4. BERTopic 0.17.4 with its defaults (seeded UMAP) on the run's cleaned texts and the
   same MiniLM vectors (from the run's store), then ``topics_over_time`` with every
   document stamped by the start of its topicflow period, so both use the same periods.
   BERTopic lists no movers (it returns counts per period, no test): its movers here are
   the topics whose share changes most between the first and last third of the periods,
   the effect size topicflow reports, without a test.

    .venv/bin/python benchmarks/topics_over_time.py [--store DIR]

``--store`` reuses a store's caches (say, one whose embeddings are already computed);
without it the run is cold. Writes ``benchmarks/results/topics_over_time.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from measure import Measured, machine, run_measured

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "datasets" / "sotu" / "sotu_paragraphs.jsonl.gz"
RESULTS = ROOT / "benchmarks" / "results" / "topics_over_time.md"
TOPICFLOW = str(Path(sys.executable).parent / "topicflow")
MOVERS = 5

# name -> (keywords, what history did, the test of a topic's line)
MOVEMENTS = {
    "War and defence": (
        {"war", "army", "military", "troops", "navy", "enemy", "forces", "defense", "soldiers"},
        "peaks in the 1860s, 1910s or 1940s",
        "peak",
    ),
    "Native American affairs": (
        {"indian", "indians", "tribes", "tribe", "reservation", "reservations", "tribal"},
        "falls (19th-century business)",
        "down",
    ),
    "The economy": (
        {"economy", "economic", "jobs", "inflation", "unemployment", "growth", "recession"},
        "rises (20th and 21st century)",
        "up",
    ),
    "Health care": (
        {"health", "care", "insurance", "medicare", "medicaid", "medical", "patients"},
        "rises (late 20th and 21st century)",
        "up",
    ),
    "Terrorism": (
        {"terrorist", "terrorists", "terror", "terrorism", "qaeda", "qaida", "isis"},
        "emerges (21st century)",
        "up",
    ),
}
WAR_DECADES = ("1860s", "1910s", "1940s")
UP, DOWN = {"rising", "emerging"}, {"falling", "fading"}
CLASSES = ("rising", "emerging", "falling", "fading", "steady")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="reuse this store's caches (default: cold)")
    parser.add_argument("--corpus", type=Path, default=SOURCE, help="a JSON Lines SOTU file")
    args = parser.parse_args()
    if not args.corpus.is_file():
        print(f"skipped: {args.corpus} not found (the shared datasets are not on this machine)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="topicflow-bench-time-"))
    store = args.store or work / "store"
    warm = args.store is not None
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [TOPICFLOW, "run", "--corpus", str(args.corpus), "--time-field", "date"]
    command += ["--id-field", "id", "--store", str(store), "--out", str(work / "runs")]
    print("topicflow run ...", flush=True)
    run = run_measured([*command, "--recompute"], env)
    run_dir = Path(run.stdout.strip().splitlines()[-1])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    topics = json.loads((run_dir / "topics.json").read_text())
    print("BERTopic ...", flush=True)
    bertopic = bertopic_over_time(args.corpus, metrics["over_time"], store)
    RESULTS.write_text(render(run, warm, manifest, metrics, topics, bertopic))
    print(RESULTS.read_text())
    return 0


# --- BERTopic -------------------------------------------------------------------------------


def bertopic_over_time(source: Path, over_time: dict, store: Path) -> dict:
    """BERTopic's defaults on the run's cleaned texts and vectors, over the run's periods."""
    from bertopic import BERTopic
    from umap import UMAP

    from topicflow.pipelines.analysis.pipeline import embed, prepare
    from topicflow.pipelines.config import load_config
    from topicflow.pipelines.corpus.ingest import read_corpus

    cfg = load_config(overrides={"corpus": {"time_field": "date", "id_field": "id"}})
    documents = read_corpus(source, cfg.corpus)
    prepared = prepare(documents.texts, cfg)
    vectors = embed(prepared.texts, cfg, store)  # the run's vectors, from the store's cache
    starts = np.array(over_time["period"]["edges"][:-1], dtype="datetime64[s]")
    times = np.array([t.rstrip("Z") for t in documents.times], dtype="datetime64[s]")
    period = np.searchsorted(starts, times, side="right") - 1
    # datetimes, not strings: BERTopic 0.17.4 parses strings with an argument pandas 3 lacks
    stamps = starts[period].astype(object).tolist()

    seed = cfg.seed
    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    model = BERTopic(umap_model=umap)
    start = time.perf_counter()
    labels, _ = model.fit_transform(prepared.texts, embeddings=vectors)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    frame = model.topics_over_time(prepared.texts, stamps)
    over_time_s = time.perf_counter() - start

    n_periods = len(starts)
    per_period = np.bincount(period, minlength=n_periods)
    ids = sorted(t for t in model.get_topics() if t != -1)
    counts = np.zeros((len(ids), n_periods))
    position = {t: i for i, t in enumerate(ids)}
    column = {str(s)[:10]: i for i, s in enumerate(starts)}
    for row in frame.itertuples():
        if row.Topic in position:
            counts[position[row.Topic], column[str(row.Timestamp)[:10]]] = row.Frequency
    shares = counts / np.maximum(per_period, 1)
    words = [[w for w, _ in model.get_topic(t)][:10] for t in ids]
    topics = [
        {"id": t, "words": words[i], "shares": shares[i].tolist(), "change": change(shares[i])}
        for i, t in enumerate(ids)
    ]
    movers = sorted(topics, key=lambda t: -abs(t["change"]))[:MOVERS]
    return {
        "fit_s": fit_s,
        "over_time_s": over_time_s,
        "n_topics": len(ids),
        "outliers": float(np.mean(np.asarray(labels) == -1)),
        "topics": topics,
        "movers": movers,
    }


def change(shares: np.ndarray) -> float:
    """Late minus early share, pooled over the first and last third of the periods."""
    third = max(1, len(shares) // 3)
    return float(np.mean(shares[-third:]) - np.mean(shares[:third]))


# --- well-known movements ---------------------------------------------------------------------


def movement_topic(keywords: set[str], topics: list[dict]) -> dict | None:
    """The topic whose top ten words hold the most keywords (at least two), largest first.
    A phrase counts by its parts ("health_care": health and care)."""
    scored = [(len(keywords & word_parts(t["words"][:10])), t.get("size", 0), t) for t in topics]
    hits, _, best = max(scored, key=lambda s: (s[0], s[1]), default=(0, 0, None))
    return best if hits >= 2 else None


def word_parts(words: list[str]) -> set[str]:
    return {part for word in words for part in word.lower().split("_")}


def found(test: str, direction: str | None, peak: str | None) -> bool:
    if test == "peak":
        return peak in WAR_DECADES
    return direction in (UP if test == "up" else DOWN)


def peak_label(shares: list, labels: list[str]) -> str:
    values = [-1.0 if s is None else s for s in shares]
    return labels[int(np.argmax(values))]


# --- the table ------------------------------------------------------------------------------


def render(run: Measured, warm: bool, manifest, metrics, topics, bertopic) -> str:
    over_time = metrics["over_time"]
    period, labels = over_time["period"], over_time["period"]["labels"]
    stages = manifest["stages"]
    stage_s = stages.get("over_time", {}).get("seconds", float("nan"))
    out = [
        "# Topics over time: State of the Union paragraphs, 1790-2026",
        "",
        f"Machine: {machine()}. Command: `.venv/bin/python benchmarks/topics_over_time.py"
        + (" --store DIR` (embeddings cached)" if warm else "` (cold: empty store)"),
        "",
        f"{over_time['documents']:,} paragraphs with a date ({over_time['missing']} without); "
        f"period `{period['unit']}` ({period['chosen_by']}), {len(labels)} periods "
        f"{labels[0]} to {labels[-1]}. Test: {over_time['test']}",
        "",
        "## Time",
        "",
        "| run | seconds | peak RSS (MB) |",
        "|---|---:|---:|",
        f"| `topicflow run --time-field date` (whole run) | {run.seconds:.0f} | "
        f"{run.peak_rss_mb:.0f} |",
        f"| of which the over-time stage | {stage_s:.1f} ({stage_s / run.seconds:.1%}) | |",
        f"| BERTopic defaults `fit_transform` on the same vectors ({bertopic['n_topics']} "
        f"topics, {bertopic['outliers']:.0%} outliers) | {bertopic['fit_s']:.0f} | |",
        f"| BERTopic `topics_over_time` (same periods) | {bertopic['over_time_s']:.1f} | |",
        "",
        "Stages of the run (seconds): "
        + ", ".join(f"{name} {s['seconds']:.0f}" for name, s in stages.items() if "seconds" in s),
        "",
        "## Top movers",
        "",
    ]
    for model, result in over_time["models"].items():
        by_id = {t["id"]: t for t in result["topics"]}
        words = {t["id"]: t["words"] for t in topics[model]}
        classes = [t["trend"]["class"] for t in result["topics"]]
        tally = ", ".join(f"{classes.count(c)} {c}" for c in CLASSES if classes.count(c))
        out += [f"### {model}: {len(classes)} topics ({tally})", ""]
        out += ["| topic | name | top words | class | change | q |"]
        out.append("|---:|---|---|---|---:|---:|")
        for topic_id in result["movers"]:
            t, trend = by_id[topic_id], by_id[topic_id]["trend"]
            out.append(
                f"| {topic_id} | {t.get('name') or ''} | {', '.join(words[topic_id][:6])} | "
                f"{trend['class']} | {trend['change']:+.3f} | {trend['q']:.2g} |"
            )
        out.append("")
    out += ["### BERTopic (largest change, no test)", "", "| topic | top words | change |"]
    out.append("|---:|---|---:|")
    for t in bertopic["movers"]:
        out.append(f"| {t['id']} | {', '.join(t['words'][:6])} | {t['change']:+.3f} |")
    out += ["", "## Well-known movements", ""]
    systems = [*over_time["models"], "BERTopic"]
    out.append("| movement | expected | " + " | ".join(systems) + " |")
    out.append("|---|---|" + "---|" * len(systems))
    score = dict.fromkeys(systems, 0)
    for movement, (keywords, expected, test) in MOVEMENTS.items():
        cells = []
        for model in systems:
            cell, ok = movement_cell(model, keywords, test, over_time, topics, bertopic, labels)
            score[model] += ok
            cells.append(cell)
        out.append(f"| {movement} | {expected} | " + " | ".join(cells) + " |")
    out.append(
        "| **found** | | " + " | ".join(f"**{score[m]}/{len(MOVEMENTS)}**" for m in systems) + " |"
    )
    out += [
        "",
        "A cell: the movement's topic (id: first three words), its class (BERTopic: the sign "
        "of its change, untested) and its peak period; yes when it moves as expected.",
        "",
    ]
    return "\n".join(out)


def movement_cell(model, keywords, test, over_time, topics, bertopic, labels):
    if model == "BERTopic":
        topic = movement_topic(keywords, bertopic["topics"])
        if topic is None:
            return "no topic", False
        direction = "rising" if topic["change"] > 0 else "falling"
        shares, label = topic["shares"], f"{topic['change']:+.3f} (untested)"
    else:
        listed = [{**t, "size": t["size"]} for t in topics[model]]
        topic = movement_topic(keywords, listed)
        if topic is None:
            return "no topic", False
        timed = {t["id"]: t for t in over_time["models"][model]["topics"]}[topic["id"]]
        direction, shares = timed["trend"]["class"], timed["shares"]
        label = f"{direction}, q {timed['trend']['q']:.2g}"
    peak = peak_label(shares, labels)
    ok = found(test, direction, peak)
    words = ", ".join(topic["words"][:3])
    return f"{topic['id']}: {words}; {label}; peak {peak}; {'yes' if ok else 'no'}", ok


if __name__ == "__main__":
    sys.exit(main())
