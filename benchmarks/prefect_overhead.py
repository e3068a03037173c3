"""What Prefect costs a run: the CPU its temporary API server uses beside the run's own.

Each corpus runs twice through the CLI on an empty store with the threads runner: cold
(every stage computed) and warm (``--recompute`` on the same store: every stage a cache
hit, so the run is mostly orchestration). The process tree is sampled while it runs
(``measure.py``): CPU seconds of the run's own process and of Prefect's API server (a
uvicorn process the run starts), and the task runs and log records the server stored
(counted in its database, ``<store>/prefect/prefect.db``).

    .venv/bin/python benchmarks/prefect_overhead.py [--corpora sample,bbc_news,20newsgroups]

First, Prefect's temporary API server alone: started in a fresh Prefect home (its
database created and migrated), started again on that home, and left idle for 30 s,
the CPU seconds of each.

Writes ``benchmarks/results/prefect_overhead.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from common import FILES
from measure import Measured, machine, run_measured

from topicflow.flows.orchestration.prefect_env import TEMPORARY_SERVER

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "prefect_overhead.md"
BIN = Path(sys.executable).parent / "topicflow"


IDLE_S = 30


def server_alone(settings: dict[str, str]) -> dict[str, float]:
    """CPU seconds of the temporary API server with ``settings`` (environment variables):
    to start on a fresh home, to start on that home again, and idle for ``IDLE_S``
    seconds after that start."""
    script = (
        "import time, psutil\n"
        "from prefect.server.api.server import SubprocessASGIServer\n"
        "server = SubprocessASGIServer(); server.start()\n"
        "proc = psutil.Process(server.server_process.pid)\n"
        "def cpu():\n"
        "    return sum(sum(p.cpu_times()[:2]) for p in [proc, *proc.children(recursive=True)])\n"
        "started = cpu(); time.sleep(float(__import__('sys').argv[1]))\n"
        "print(started, cpu() - started); server.stop()\n"
    )
    home = Path(tempfile.mkdtemp(prefix="prefect-home-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env |= {"DO_NOT_TRACK": "1", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    env |= settings
    try:
        fresh, _ = _run_script(script, 0, env)
        again, idle = _run_script(script, IDLE_S, env)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {"fresh_start_cpu_s": fresh, "start_cpu_s": again, "idle_cpu_s": idle}


def _run_script(script: str, seconds: float, env: dict[str, str]) -> tuple[float, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(seconds)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    started, idle = done.stdout.split()[-2:]
    return float(started), float(idle)


def corpus_args(name: str, work: Path) -> list[str]:
    """CLI arguments that read ``name`` (``sample``: the built-in sample corpus)."""
    if name == "sample":
        return []
    args = ["--corpus", str(FILES[name]), "--id-field", "id", "--label-field", "label"]
    if name == "20newsgroups":
        config = work / "usenet.yaml"
        config.write_text("preprocess:\n  clean_usenet: true\n")
        args += ["--config", str(config)]
    return args


def stored_counts(store: Path) -> dict[str, int]:
    """Task runs and log records in the run's Prefect database."""
    with sqlite3.connect(store / "prefect" / "prefect.db") as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("task_run", "log")
        }


def measure(name: str) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="prefect-overhead-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    store = work / "store"
    command = [str(BIN), "run", *corpus_args(name, work), "--store", str(store)]
    command += ["--out", str(work / "runs")]
    rows, before = [], {"task_run": 0, "log": 0}
    try:
        for kind, extra in (("cold", []), ("warm", ["--recompute"])):
            measured = run_measured([*command, *extra], env)
            counts = stored_counts(store)
            rows.append(row(name, kind, measured, counts, before))
            before = counts
            print(json.dumps(rows[-1]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def row(name, kind, measured: Measured, counts, before) -> dict:
    cpu = measured.cpu_seconds or {}
    total = sum(cpu.values())
    return {
        "corpus": name,
        "run": kind,
        "wall_s": measured.seconds,
        "run_cpu_s": cpu.get("run", 0.0),
        "server_cpu_s": cpu.get("api server", 0.0),
        "other_cpu_s": cpu.get("other", 0.0),
        "server_share": cpu.get("api server", 0.0) / total if total else 0.0,
        "task_runs": counts["task_run"] - before["task_run"],
        "log_records": counts["log"] - before["log"],
    }


def render(alone: dict[str, dict[str, float]], rows: list[dict], command: str) -> str:
    lines = [
        "# Prefect overhead: CPU of the temporary API server beside the run's own",
        "",
        f"- Machine: {machine()}.",
        f"- Command: `{command}`",
        "- Each corpus: a cold run on an empty store, then a warm one (`--recompute`, every"
        " stage a cache hit); threads runner, defaults (20 Newsgroups: `clean_usenet: true`).",
        "- CPU seconds sampled every 0.2 s over the process tree (`benchmarks/measure.py`);"
        " task runs and log records counted in the server's database.",
        "",
        "The API server alone, CPU seconds, with Prefect's own services and with the"
        " settings a run gives its temporary server (`prefect_env.TEMPORARY_SERVER`: triggers,"
        " event persister and event stream off):",
        "",
        f"| services | start, fresh home (database created) | start again | idle {IDLE_S} s |",
        "|---|---|---|---|",
        *(
            f"| {label} | {a['fresh_start_cpu_s']:.1f} | {a['start_cpu_s']:.1f} "
            f"| {a['idle_cpu_s']:.2f} |"
            for label, a in alone.items()
        ),
        "",
        "Whole runs:",
        "",
        "| corpus | run | wall s | run CPU s | API server CPU s | server share of CPU "
        "| task runs | log records |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['corpus']} | {r['run']} | {r['wall_s']:.0f} | {r['run_cpu_s']:.1f} "
            f"| {r['server_cpu_s']:.1f} | {r['server_share']:.1%} | {r['task_runs']} "
            f"| {r['log_records']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="sample,bbc_news")
    args = parser.parse_args()
    alone = {
        "Prefect's": server_alone({}),
        "a run's": server_alone(TEMPORARY_SERVER),
    }
    print(json.dumps(alone), flush=True)
    rows = [r for name in args.corpora.split(",") for r in measure(name)]
    command = ".venv/bin/python benchmarks/prefect_overhead.py --corpora " + args.corpora
    RESULTS.write_text(render(alone, rows, command))
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
