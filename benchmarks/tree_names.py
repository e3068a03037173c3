"""Names of the topic trees' split nodes: do they describe every part?

A node of a topic tree that the next finer level splits (a *split node*) holds two or
more parts. Two labellers name every split node of every model's tree, on the same fit:

- ``names``: topicflow's names, as a run computes them for every level of ``tree.json``
  (``models.names``: phrases of the node's documents, in the embedding model's space);
- ``c-TF-IDF words``: the node's three best c-TF-IDF words over its documents, what
  BERTopic's ``hierarchical_topics`` shows for a merged node.

Scored per split node, each label embedded with the run's own model:

- **class hit**: closer to the readable name of the node's majority gold class than to
  any other class's (``CLASS_NAMES`` of ``topic_names.py``);
- **weakest part**: the lowest cosine between the label and one of the node's parts'
  centroids (mean document vectors), averaged over nodes: a label that only describes
  the largest part scores low;
- **a part's name**: the node's label is the name (case-insensitive) of one of its
  parts, which the tree then shows twice, one level apart.

    .venv/bin/python benchmarks/tree_names.py [--corpora bbc_news,20newsgroups] [--sample 4000]

Writes ``benchmarks/results/tree_names.md``. Embeddings go through the store's cache.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
from common import load_labelled, present, write_results
from topic_names import CLASS_NAMES, Encoder, unit

from topicflow.pipelines.analysis.levels import match_levels, tree_levels
from topicflow.pipelines.analysis.pipeline import (
    embed,
    grow_models,
    name_topics,
    prepare,
    prepared_corpus,
)
from topicflow.pipelines.config import load_config
from topicflow.pipelines.io.store import cache_dir, resolve_store
from topicflow.pipelines.models.words import class_tfidf, top_terms
from topicflow.pipelines.vectors.encoder import LazyEncoder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "tree_names.md"
MODELS = ["lda", "nmf", "embedding"]
LABELLERS = ("names", "c-TF-IDF words")


def split_nodes(levels: dict):
    """(level, next finer level, topic, its documents, its parts there, each part's
    documents) of every split node: levels nest, so a topic's documents fall in topics of
    the next finer level."""
    for k, finer in pairwise(sorted(levels)):
        assignments, parts = levels[k].assignments, levels[finer].assignments
        for topic in range(levels[k].n_topics):
            members = np.flatnonzero(assignments == topic)
            part_topics = np.unique(parts[members])
            if len(part_topics) >= 2:
                pieces = [members[parts[members] == p] for p in part_topics]
                yield k, finer, topic, members, part_topics.tolist(), pieces


def run_corpus(name: str, sample: int) -> dict:
    texts, gold = load_labelled(name, sample if name == "20newsgroups" else None)
    overrides: dict = {"models": MODELS, "naming": {"enabled": False}}
    if name == "20newsgroups":
        overrides["preprocess"] = {"clean_usenet": True}
    cfg = load_config(overrides=overrides)
    store = resolve_store()
    start = time.perf_counter()
    prepared = prepare(texts, cfg)
    vectors = embed(prepared.texts, cfg, store)
    encoder = Encoder(LazyEncoder(cfg.embedder, cache_dir(store, "models")))
    corpus = prepared_corpus(prepared, vectors, encoder)
    models = grow_models(corpus, cfg)
    match_levels(models, corpus, cfg.granularity)
    fit_s = time.perf_counter() - start
    levels = {m: tree_levels(model, corpus) for m, model in models.items()}
    flat = {(m, k): t for m, by_level in levels.items() for k, t in by_level.items()}
    start = time.perf_counter()
    named = name_topics(flat, corpus, cfg)
    name_s = time.perf_counter() - start
    classes = CLASS_NAMES[name]
    class_names = list(classes)
    class_vectors = unit(encoder([classes[c] for c in class_names]))
    docs, vocabulary = unit(vectors), corpus.vocabulary
    rows, examples = [], []
    for m in MODELS:
        tally = {labeller: [0, 0.0, 0] for labeller in LABELLERS}
        nodes = 0
        words = {
            k: top_terms(class_tfidf(corpus.counts, t.assignments, t.n_topics), vocabulary, 3)[0]
            for k, t in levels[m].items()
        }
        for k, finer, topic, members, part_topics, pieces in split_nodes(levels[m]):
            nodes += 1
            labels = {
                "names": named[m, k].names[topic],
                "c-TF-IDF words": " ".join(w.replace("_", " ") for w in words[k][topic]),
            }
            part_labels = [named[m, finer].names[t] for t in part_topics]
            part_names = {label.lower() for label in part_labels}
            majority = Counter(gold[i] for i in members).most_common(1)[0][0]
            centroids = unit(np.stack([docs[p].mean(axis=0) for p in pieces]))
            for labeller, label in labels.items():
                vector = unit(encoder([label]))[0]
                t = tally[labeller]
                t[0] += class_names[int(np.argmax(class_vectors @ vector))] == majority
                t[1] += float(np.min(centroids @ vector))
                t[2] += label.lower() in part_names
            sizes = [len(p) for p in pieces]
            examples.append((m, k, len(members), *labels.values(), part_labels, sizes))
        for labeller, (hits, weakest, echoes) in tally.items():
            rows.append(
                {
                    "model": m,
                    "labeller": labeller,
                    "nodes": nodes,
                    "hits": hits,
                    "weakest": weakest / max(nodes, 1),
                    "echoes": echoes,
                }
            )
    facts = {"documents": len(texts), "labels": len(set(gold)), "fit_s": fit_s, "name_s": name_s}
    return {"rows": rows, "examples": examples, "facts": facts}


def render(name: str, result: dict) -> str:
    facts = result["facts"]
    lines = [
        f"## {name}: {facts['documents']:,} documents, {facts['labels']} labels",
        "",
        f"Preparing, embedding and fitting the three models took {facts['fit_s']:.0f} s; "
        f"naming every level of every tree {facts['name_s']:.1f} s.",
        "",
        "| model | labels | split nodes | class hit | weakest part (cosine) | a part's name |",
        "|---|---|---:|---|---:|---|",
    ]
    totals: dict[str, list] = {}
    for r in result["rows"]:
        n = max(r["nodes"], 1)
        lines.append(
            f"| {r['model']} | {r['labeller']} | {r['nodes']} | {r['hits']}/{r['nodes']} "
            f"({r['hits'] / n:.0%}) | {r['weakest']:.3f} | {r['echoes']}/{r['nodes']} |"
        )
        t = totals.setdefault(r["labeller"], [0, 0, 0.0, 0])
        t[0] += r["hits"]
        t[1] += r["nodes"]
        t[2] += r["weakest"] * r["nodes"]
        t[3] += r["echoes"]
    lines += [
        "",
        "All models: "
        + "; ".join(
            f"{k}: class hit {h}/{n} ({h / max(n, 1):.0%}), weakest part {w / max(n, 1):.3f}, "
            f"a part's name {e}/{n}"
            for k, (h, n, w, e) in totals.items()
        ),
        "",
        "<details><summary>Every split node (model, level, documents, labels, its parts' "
        "names and sizes)</summary>",
        "",
        "| model | level | docs | name | c-TF-IDF words | its parts |",
        "|---|---:|---:|---|---|---|",
    ]
    for m, k, n, a, b, part_labels, sizes in result["examples"]:
        listed = "; ".join(f"{p} ({s})" for p, s in zip(part_labels, sizes, strict=True))
        lines.append(f"| {m} | {k} | {n:,} | {a} | {b} | {listed} |")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="bbc_news,20newsgroups")
    parser.add_argument("--sample", type=int, default=4000, help="20 Newsgroups posts (0: all)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    corpora = present(args.corpora)
    if not corpora:
        return 0
    sections = []
    for name in corpora:
        sections.append(render(name, run_corpus(name, args.sample)))
        print(sections[-1], flush=True)
    command = " ".join(["benchmarks/tree_names.py", *sys.argv[1:]])
    header = [
        "# Names of split tree nodes against c-TF-IDF labels",
        "",
        "- Every model fitted with the default config but `models: [lda, nmf, embedding]` "
        "(20 Newsgroups: `preprocess.clean_usenet: true`, a seeded sample), at the matched "
        "level; every level of every tree (`tree.json`'s levels) named as a run names them.",
        "- A *split node* holds two or more topics of the next finer level (its parts). "
        "**names**: topicflow's names; **c-TF-IDF words**: the node's three best c-TF-IDF "
        "words, as BERTopic's `hierarchical_topics` labels a merged node.",
        "- **class hit**: the label, embedded with the run's model, is closer to the name "
        "of the node's majority gold class than to any other class's. **weakest part**: "
        "the lowest cosine of the label to one of its parts' centroids, averaged over the "
        "nodes (higher: the label fits every part). **a part's name**: the label repeats "
        "one of its parts' names.",
    ]
    write_results(args.out, header, sections, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
