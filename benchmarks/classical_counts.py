"""What a topic count costs the classical models: LDA and NMF put at fixed counts on
short texts (20 Newsgroups subject lines) and on news articles (BBC News).

The matched level (``granularity.match_levels``) reports every model at one count. On
subject lines the embedding model's rule picks 19 topics where the previous defaults
fitted LDA and NMF with 10, and ``topic_trees.md`` reads their words as slightly less
coherent there. This separates the count from the rest: each model is grown as a run
grows it and put at every count as the matched level puts it (``set_level``: a fit at
the count plus the leaf fit's background topics, whose background and generic topics
are left out, so 'reported' can be fewer than 'asked'). On subject lines it also puts
LDA with other settings at the matched count, to see whether one of them closes the
gap.

Columns as in ``topic_trees.md``: NPMI on the corpus as topicflow preprocessed it; NPMI
posts (subject lines only) on the bodies of their posts, where a topic's words can meet;
word cos, TD, NMI and ARI against the newsgroup or section. LDA is the mean (and the
spread, ±1 standard deviation) over ``--seeds`` seeds; NMF's NNDSVD start makes one fit
per count (no seed enters it).

Usage: .venv/bin/python benchmarks/classical_counts.py [--seeds 3] [--counts 5,10,15,20,30,40]
       [--probe-count 19]
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import numpy as np
from common import FILES, load_labelled, write_results
from subject_lines import SUBJECT_MAX_WORDS, posts_reference, subject_lines

from topicflow.pipelines.analysis.pipeline import embed, grow_model, prepare, prepared_corpus
from topicflow.pipelines.config import load_config
from topicflow.pipelines.evaluate.coherence import mean, topic_diversity, word_cosine
from topicflow.pipelines.evaluate.compare import label_scores
from topicflow.pipelines.io.store import cache_dir, resolve_store
from topicflow.pipelines.vectors.encoder import LazyEncoder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "classical_counts.md"
MEASURES = ("npmi", "npmi_posts", "word_cos", "td", "nmi", "ari")
HEADINGS = ("NPMI", "NPMI posts", "word cos", "TD", "NMI", "ARI")
# LDA settings tried at the matched count on subject lines (none closes the gap there).
PROBES = [
    ("defaults", {}),
    ("30 passes", {"passes": 30}),
    ("1 pass", {"passes": 1}),
    ("chunks of 8,192 documents", {"chunksize": 8192}),
    ("alpha 0.01", {"alpha": 0.01}),
    ("eta 0.01", {"eta": 0.01}),
    ("relevance 0.6", {"relevance": 0.6}),
    ("random start", {"init": "random"}),
]


def scores(model, prepared, corpus, labels, external) -> dict[str, float | None]:
    topics = model.topics_
    agreement = label_scores(topics.assignments, labels)
    return {
        "npmi": mean(prepared.reference.npmi(topics.words)),
        "npmi_posts": None if external is None else mean(external.npmi(topics.words)),
        "word_cos": mean(word_cosine(topics.words, corpus.encoder)),
        "td": topic_diversity(topics.words),
        "nmi": agreement["nmi"],
        "ari": agreement["ari"],
    }


def cell(values: list[float | None]) -> str:
    if values[0] is None:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def grown(model_name: str, corpus, seed: int, settings: dict):
    """The model as a run grows it (leaves and tree) at ``settings`` of its section."""
    overrides = {model_name: settings, "seed": seed, "models": [model_name]}
    return grow_model(model_name, corpus, load_config(overrides=overrides))


def at_level(model, k: int, corpus):
    """``model`` reported at ``k`` topics as the run's matched level puts it there
    (``set_level``: a fit at ``k`` plus the leaf fit's background topics, less the
    background and generic topics of that fit); the grown model stays as it was."""
    return copy.deepcopy(model).set_level(k, corpus)


def row(label: str, k: int, models: list, prepared, corpus, labels, external) -> str:
    runs = [scores(m, prepared, corpus, labels, external) for m in models]
    reported = sorted({m.topics_.n_topics for m in models})
    shown = (
        "-".join(str(n) for n in (reported[0], reported[-1])) if len(reported) > 1 else reported[0]
    )
    cells = [cell([r[m] for r in runs]) for m in MEASURES]
    print(label, k, shown, cells, flush=True)
    return f"| {label} | {k} | {shown} | " + " | ".join(cells) + " |"


def table(first: str) -> list[str]:
    return [
        f"| {first} | asked | reported | " + " | ".join(HEADINGS) + " |",
        "|---|---|---|" + "---|" * len(HEADINGS),
    ]


def run_corpus(name: str, args, seeds: list[int], store: Path) -> str:
    if name == "subjects":
        texts, labels = subject_lines(FILES["20newsgroups"])
        what = f"20 Newsgroups subject lines under {SUBJECT_MAX_WORDS} words (`subject_lines.py`)"
    else:
        texts, labels = load_labelled(name)
        what = f"raw {name}"
    cfg = load_config()
    prepared = prepare(texts, cfg)
    vectors = embed(prepared.texts, cfg, store)
    corpus = prepared_corpus(
        prepared, vectors, LazyEncoder(cfg.embedder, cache_dir(store, "models"))
    )
    external = posts_reference(FILES["20newsgroups"], prepared) if name == "subjects" else None
    facts = (prepared, corpus, labels, external)
    lines = [
        f"## {name}: {len(texts):,} documents, {len(set(labels))} labels",
        "",
        f"{what}, default preprocessing.",
        "",
        *table("model"),
    ]
    for model_name, model_seeds in (("lda", seeds), ("nmf", seeds[:1])):
        models = [grown(model_name, corpus, seed, {}) for seed in model_seeds]
        for k in args.counts:
            lines.append(row(model_name, k, [at_level(m, k, corpus) for m in models], *facts))
    if name == "subjects":
        k = args.probe_count
        lines += ["", f"LDA settings at {k} topics (the count the run matched here):", ""]
        lines += table("LDA setting")
        for label, settings in PROBES:
            models = [at_level(grown("lda", corpus, s, settings), k, corpus) for s in seeds]
            lines.append(row(label, k, models, *facts))
    return "\n".join([*lines, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="LDA seeds from 42 (default 3)")
    parser.add_argument("--counts", default="5,10,15,20,30,40")
    parser.add_argument("--probe-count", type=int, default=19, help="LDA settings' count")
    args = parser.parse_args()
    args.counts = [int(k) for k in args.counts.split(",")]
    seeds = list(range(42, 42 + args.seeds))
    store = resolve_store(None)
    sections = [run_corpus(name, args, seeds, store) for name in ("subjects", "bbc_news")]
    header = [
        "# What a topic count costs LDA and NMF (short texts against news articles)",
        "",
        "- LDA and NMF at the defaults, grown as a run grows them (leaves, tree) and put at "
        "each count as the matched level puts them (`set_level`: a fit at the count plus "
        "the leaf fit's background topics; the fit's background and generic topics left "
        "out, so 'reported' can be fewer than 'asked'); LDA: mean ± standard deviation "
        f"over seeds {seeds[0]}-{seeds[-1]}; NMF: one fit (NNDSVD). On subject lines also "
        f"LDA's settings at {args.probe_count} topics, each grown and put there the same way.",
        "- NPMI = gensim `c_npmi`, top 10 words, on the corpus as topicflow preprocessed it; "
        "NPMI posts (subject lines) = the same on the bodies of their posts; word cos = "
        "mean cosine of a topic's top-10 word pairs in MiniLM's space; TD = unique top-10 "
        "words / (10 x topics); NMI and ARI against the gold labels.",
    ]
    write_results(RESULTS, header, sections, "benchmarks/classical_counts.py")


if __name__ == "__main__":
    sys.exit(main())
