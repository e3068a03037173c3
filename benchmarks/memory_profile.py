"""Where a run's memory goes: the resident set of each process of one cold ``topicflow run``,
sampled every 0.2 s, set against the stages its manifest records.

    .venv/bin/python benchmarks/memory_profile.py [--corpus 20newsgroups|bbc_news]
        [--synthetic N] [--config FILE] [--out FILE]

The corpus is read as ``side_by_side.py`` reads it (the first 99 %; 20 Newsgroups with
``clean_usenet``), into an empty store; ``--synthetic N`` takes instead N short spans cut from 20
Newsgroups and BBC News (:mod:`synthetic`, as ``scaling.py`` builds its large corpora).

Reported: the tree's peak and what ran then, and per stage the largest RSS of each
process role while the stage ran: ``run`` (the command's own process), ``api server``
(Prefect's temporary server) and ``worker`` (processes the run starts, e.g. the one LDA
fits in). Writes
``benchmarks/results/memory_<corpus>.md`` (``memory_synthetic_<N>.md``) unless ``--out``
says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil
import synthetic
from common import FILES
from measure import SAMPLE_SECONDS, machine, role
from side_by_side import CORPORA, TOPICFLOW

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MB = 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="20newsgroups")
    parser.add_argument("--synthetic", type=int, help="N short spans instead")
    parser.add_argument("--config", type=Path, help="config beyond the corpus's own")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    source = FILES[args.corpus]
    if not source.is_file():
        print(f"skipped: {source} not found (the shared datasets are not on this machine)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="topicflow-memory-"))
    corpus = work / "corpus.jsonl"
    if args.synthetic:
        rows = [{"text": text} for text in synthetic.corpus("short", args.synthetic)]
        title, settings = f"{args.synthetic:,} short spans", ""
    else:
        with gzip.open(source, "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        rows = rows[: int(len(rows) * 0.99)]
        title, settings = CORPORA[args.corpus][0], CORPORA[args.corpus][2]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = work / "config.yaml"
    extra = args.config.read_text() if args.config else ""
    config.write_text((settings + extra) or "{}\n")
    env = {**os.environ, "TOPICFLOW_STORE": str(work / "store"), "HF_HUB_OFFLINE": "1"}
    command = [TOPICFLOW, "run", "--corpus", str(corpus)]
    command += [] if args.synthetic else ["--label-field", "label"]
    command += ["--config", str(config), "--out", str(work / "runs")]
    samples, seconds = sampled(command, env, work / "run.log")
    (manifest,) = (work / "runs").glob("*/manifest.json")
    stages = json.loads(manifest.read_text())["stages"]
    name = f"synthetic_{args.synthetic}" if args.synthetic else args.corpus
    out = args.out or RESULTS / f"memory_{name}.md"
    table = profile_table(samples, stages)
    out.write_text(table.markdown(title, len(rows), seconds, settings + extra))
    print(out.read_text())
    return 0


def sampled(
    command: list[str], env: dict, log: Path
) -> tuple[list[tuple[float, dict[str, int]]], float]:
    """(samples, wall seconds): per sample, the wall-clock time and RSS bytes by role.
    The command's output goes to ``log`` (a pipe nobody reads would fill and stop it)."""
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as output:
        process = subprocess.Popen(command, stdout=output, stderr=output, env=env)
    root = psutil.Process(process.pid)
    roles: dict[int, str] = {}
    samples = []
    while process.poll() is None:
        by_role: dict[str, int] = {}
        with contextlib.suppress(psutil.NoSuchProcess):
            for proc in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    if proc.pid not in roles:
                        roles[proc.pid] = role(proc, root, "worker")
                    kind = roles[proc.pid]
                    by_role[kind] = by_role.get(kind, 0) + proc.memory_info().rss
        samples.append((time.time(), by_role))
        time.sleep(SAMPLE_SECONDS)
    if process.wait() != 0:
        raise SystemExit(f"topicflow run failed ({log}):\n{log.read_text()[-3000:]}")
    return samples, time.perf_counter() - start


ROLES = ("run", "worker", "api server")


@dataclass
class ProfileTable:
    """The samples set against the stages: the tree's peak and, per stage, the largest
    RSS of each role while it ran (MB)."""

    peak_mb: float
    peak_roles: dict[str, float]
    peak_during: str
    stages: list[tuple[str, float, list[float], float]]  # name, seconds, by role, tree

    def markdown(self, title: str, n_docs: int, seconds: float, config: str) -> str:
        lines = [
            f"# Memory of one cold run: {title}",
            "",
            f"- {n_docs:,} documents, empty store, {seconds:.0f} s wall; the default config"
            + (f" plus\n  ```yaml\n  {_indent(config.strip())}\n  ```" if config.strip() else "."),
            f"- Machine: {machine()}; {datetime.now():%Y-%m-%d}.",
            "- RSS of each process sampled every 0.2 s (`benchmarks/memory_profile.py`); "
            "`run` is the command's own process, `worker` the processes it starts (LDA fits "
            "in one), `api server` Prefect's temporary server.",
            "",
            f"**Peak of the process tree: {self.peak_mb:,.0f} MB** "
            f"({', '.join(f'{r} {self.peak_roles.get(r, 0):,.0f}' for r in ROLES)}), "
            f"while {self.peak_during} ran.",
            "",
            "| stage | seconds | largest RSS while it ran (MB): " + " | ".join(ROLES) + " | tree |",
            "|---|---:|" + "---:|" * (len(ROLES) + 1),
        ]
        for name, spent, by_role, tree in self.stages:
            cells = " | ".join(f"{mb:,.0f}" for mb in by_role)
            lines.append(f"| {name} | {spent:.1f} | {cells} | {tree:,.0f} |")
        return "\n".join(lines) + "\n"


def profile_table(samples: list[tuple[float, dict[str, int]]], stages: dict) -> ProfileTable:
    """``samples`` (from :func:`sampled`) against ``stages`` (the manifest's)."""
    total = [sum(by_role.values()) for _, by_role in samples]
    peak_at = max(range(len(samples)), key=total.__getitem__)
    when = samples[peak_at][0]
    spans = {
        name: (_epoch(s["started_at"]), _epoch(s["finished_at"]))
        for name, s in stages.items()
        if s.get("started_at")
    }
    running = [name for name, (a, b) in spans.items() if a <= when <= b] or ["(between stages)"]
    rows = []
    for name, (a, b) in sorted(spans.items(), key=lambda item: item[1]):
        inside = [by_role for t, by_role in samples if a <= t <= b] or [{}]
        by_role = [max(s.get(r, 0) for s in inside) / MB for r in ROLES]
        rows.append((name, b - a, by_role, max(sum(s.values()) for s in inside) / MB))
    peak_roles = {r: samples[peak_at][1].get(r, 0) / MB for r in ROLES}
    return ProfileTable(total[peak_at] / MB, peak_roles, ", ".join(running), rows)


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


if __name__ == "__main__":
    sys.exit(main())
