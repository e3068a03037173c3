"""What a topic count costs the classical models: LDA and NMF fitted at fixed counts on
short texts (20 Newsgroups subject lines) and on news articles (BBC News).

The matched level (``granularity.match_levels``) reports every model at one count. On
subject lines the embedding model's rule picks 19 topics where the previous defaults
fitted LDA and NMF with 10, and ``topic_trees.md`` reads their words as slightly less
coherent there. This separates the two causes: each fit here is exactly the fit the
run makes at that count (``n_topics`` given; background and generic topics left out as
at the matched level), so the curve shows what the count alone does to each measure.

Columns as in ``topic_trees.md``: NPMI on the corpus as topicflow preprocessed it; NPMI
posts (subject lines only) on the bodies of their posts, where a topic's words can meet;
word cos, TD, NMI and ARI against the newsgroup or section. LDA is the mean (and the
spread, ±1 standard deviation) over ``--seeds`` seeds; NMF's NNDSVD start makes one fit
per count (no seed enters it).

Usage: .venv/bin/python benchmarks/classical_counts.py [--seeds 3] [--counts 5,10,15,20,30,40]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from common import FILES, load_labelled, write_results
from subject_lines import SUBJECT_MAX_WORDS, posts_reference, subject_lines

from topicflow.pipelines.analysis.pipeline import embed, fit_model, prepare, prepared_corpus
from topicflow.pipelines.config import load_config
from topicflow.pipelines.evaluate.coherence import mean, topic_diversity, word_cosine
from topicflow.pipelines.evaluate.compare import label_scores
from topicflow.pipelines.io.store import cache_dir, resolve_store
from topicflow.pipelines.vectors.encoder import LazyEncoder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "classical_counts.md"
MEASURES = ("npmi", "npmi_posts", "word_cos", "td", "nmi", "ari")
HEADINGS = ("NPMI", "NPMI posts", "word cos", "TD", "NMI", "ARI")


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


def run_corpus(name: str, counts: list[int], seeds: list[int], store: Path) -> str:
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
    lines = [
        f"## {name}: {len(texts):,} documents, {len(set(labels))} labels",
        "",
        f"{what}, default preprocessing.",
        "",
        "| model | topics | " + " | ".join(HEADINGS) + " |",
        "|---|---|" + "---|" * len(HEADINGS),
    ]
    for model_name, model_seeds in (("lda", seeds), ("nmf", seeds[:1])):
        for k in counts:
            runs = []
            for seed in model_seeds:
                overrides = {model_name: {"n_topics": k}, "seed": seed, "models": [model_name]}
                model = fit_model(model_name, corpus, load_config(overrides=overrides))
                runs.append(scores(model, prepared, corpus, labels, external))
            row = [cell([r[m] for r in runs]) for m in MEASURES]
            lines.append(f"| {model_name} | {k} | " + " | ".join(row) + " |")
            print(name, model_name, k, row, flush=True)
    return "\n".join([*lines, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="LDA seeds from 42 (default 3)")
    parser.add_argument("--counts", default="5,10,15,20,30,40")
    args = parser.parse_args()
    counts = [int(k) for k in args.counts.split(",")]
    seeds = list(range(42, 42 + args.seeds))
    store = resolve_store(None)
    sections = [run_corpus(name, counts, seeds, store) for name in ("subjects", "bbc_news")]
    header = [
        "# What a topic count costs LDA and NMF (short texts against news articles)",
        "",
        f"- LDA and NMF at the defaults with `n_topics` given, counts {args.counts}; LDA: mean "
        f"± standard deviation over seeds {seeds[0]}-{seeds[-1]}; NMF: one fit (NNDSVD).",
        "- NPMI = gensim `c_npmi`, top 10 words, on the corpus as topicflow preprocessed it; "
        "NPMI posts (subject lines) = the same on the bodies of their posts; word cos = "
        "mean cosine of a topic's top-10 word pairs in MiniLM's space; TD = unique top-10 "
        "words / (10 x topics); NMI and ARI against the gold labels.",
    ]
    write_results(RESULTS, header, sections, "benchmarks/classical_counts.py")


if __name__ == "__main__":
    sys.exit(main())
