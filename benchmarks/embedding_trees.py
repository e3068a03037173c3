"""The embedding model's tree, part by part: where HDBSCAN's noise goes and what the
leaves are merged by, on four labelled corpora.

HDBSCAN calls a large share of a corpus noise (40-58 % here), and the embedding model
places it in leaves before the leaves are merged into the topic tree, so both choices
decide what an analyst reads at every level. For each corpus the embedding model is
grown twice at the defaults, once per noise placement (``embedding.outliers.strategy``:
``cosine``, the most similar leaf in the embedding space, the default before; ``centroid``,
the leaf nearest in UMAP's space, the space HDBSCAN clustered in, when its cosine clears
the threshold), and each placement's leaves are merged four ways (Ward's criterion
throughout, :mod:`topicflow.pipelines.models.tree`):

- ``words + cosine``: the leaves' idf-weighted document counts and their embedding-space
  centroids (each leaf's unit centroid times its size), averaged (the default before);
- ``cosine``: the embedding-space centroids alone (the sum of the documents' unit
  vectors, as the model merges now);
- ``umap``: the leaves' centroids in UMAP's space (squared Euclidean);
- ``umap + cosine``: both, UMAP's distance in units of its median between leaves (the
  default now).

Each tree is cut where the granularity rule chooses (``preferred``) and at the number of
labels; label NMI, AMI and ARI there (unassigned documents as one group), and the rule's
own numbers for the cut (NPMI of the words the cut's documents share, their diversity,
the largest topic). Writes benchmarks/results/embedding_trees.md.

Usage: .venv/bin/python benchmarks/embedding_trees.py [--corpora subjects,bbc_news,...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from common import FILES, OCTIS_BBC
from measure import machine
from topic_trees import CORPORA, load

from topicflow.pipelines.analysis.pipeline import embed, grow_model, prepare, prepared_corpus
from topicflow.pipelines.config import load_config
from topicflow.pipelines.evaluate.compare import label_scores
from topicflow.pipelines.io.store import cache_dir, resolve_store
from topicflow.pipelines.models.embedding.config import EmbeddingTopicsConfig
from topicflow.pipelines.models.embedding.topics import word_counts
from topicflow.pipelines.models.granularity.rule import choose_level, cut_assignments
from topicflow.pipelines.models.tree import (
    Profile,
    build_tree,
    centroid_rows,
    centroid_view,
    unit_view,
    weighted_view,
)
from topicflow.pipelines.models.words import class_counts
from topicflow.pipelines.vectors.centroids import member_sums, topic_vectors_from_documents
from topicflow.pipelines.vectors.encoder import LazyEncoder

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "embedding_trees.md"
PLACEMENTS = ("cosine", "centroid")
MERGES = ("words + cosine", "cosine", "umap", "umap + cosine")


def profiles(model, corpus, merge: str) -> list[Profile]:
    """The leaf profiles ``merge`` names, for the grown ``model``'s leaves."""
    if merge == "umap + cosine":  # as the model merges now: its own profiles
        return model._leaf_profiles(corpus)
    k, leaves = model.n_leaves_, model.leaf_assignments_
    cosine = Profile(member_sums(corpus.vectors, leaves, k), unit_view)
    umap = Profile(centroid_rows(model.reduced_, leaves, k), centroid_view, "squared_euclidean")
    if merge == "words + cosine":  # as the model merged before, to the row
        counts = word_counts(corpus.counts, EmbeddingTopicsConfig())
        words = class_counts(counts, model.core_leaves_, k)
        idf = np.log1p(words.sum() / max(k, 1) / np.maximum(words.sum(axis=0), 1))
        sizes = np.bincount(leaves[leaves >= 0], minlength=k)
        centroids = topic_vectors_from_documents(corpus.vectors, leaves, k) * sizes[:, None]
        return [Profile(words, weighted_view(idf)), Profile(centroids, unit_view)]
    return {"cosine": [cosine], "umap": [umap]}[merge]


def run_corpus(name: str, store) -> list[dict]:
    texts, labels, preprocess, _ = load(name, None, load_config().seed)
    n_labels = len(set(labels))
    rows = []
    for placement in PLACEMENTS:
        cfg = load_config(
            overrides={"preprocess": preprocess, "embedding": {"outliers": {"strategy": placement}}}
        )
        prepared = prepare(texts, cfg)
        vectors = embed(prepared.texts, cfg, store)
        encoder = LazyEncoder(
            cfg.embedder, cache_dir(store, "models"), cache_dir(store, "embeddings")
        )
        corpus = prepared_corpus(prepared, vectors, encoder)
        model = grow_model("embedding", corpus, cfg)
        leaves = model.leaf_assignments_
        sizes = np.bincount(leaves[leaves >= 0], minlength=model.n_leaves_)
        for merge in MERGES:
            tree = build_tree(profiles(model, corpus, merge), sizes)
            preferred, levels = choose_level(tree, leaves, corpus, cfg.granularity)
            by_count = {level["n_topics"]: level for level in levels}
            for at, k in (("preferred", preferred), ("labels", n_labels)):
                level = by_count.get(k)
                scores = label_scores(cut_assignments(tree, leaves, k), labels)
                rows.append(
                    {
                        "corpus": name,
                        "leaves": model.n_leaves_,
                        "noise": model.noise_share_,
                        "placement": placement,
                        "merge": merge,
                        "at": at,
                        "k": k,
                        **{m: scores[m] for m in ("nmi", "ami", "ari")},
                        "npmi": None if level is None else level["npmi"],
                        "diversity": None if level is None else level["diversity"],
                        "largest": None if level is None else level["largest_share"],
                        "unassigned": float(np.mean(leaves < 0)),
                    }
                )
                print("   ", rows[-1], flush=True)
    return rows


def fmt(value, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)


def write(rows: list[dict], seconds: float, command: str) -> None:
    lines = [
        "# The embedding tree: noise placement and leaf merging",
        "",
        f"- Command: `{command}` ({seconds:.0f} s); machine: {machine()}.",
        "- Corpora as in `topic_trees.py` (`subjects`: 20 Newsgroups subject lines); "
        "default config but for the placement; seed 42. `noise` = HDBSCAN's noise share; "
        "`at` = the granularity rule's count for that tree (`preferred`) or the number of "
        "labels; NPMI, TD and largest are the rule's numbers for the cut (NPMI of the "
        "top-10 class TF-IDF words of each topic's documents, document-weighted; on "
        "subject lines the rule itself scores word cosine); NMI, AMI and ARI against the "
        "labels with unassigned documents as one group. Defaults before: placement "
        "`cosine`, merge `words + cosine`; now: `centroid`, `umap + cosine`.",
        "",
        "| corpus | leaves | noise | placement | merge | at | k | NMI | AMI | ARI | NPMI | TD "
        "| largest | unassigned |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['corpus']} | {r['leaves']} | {r['noise']:.0%} | {r['placement']} "
            f"| {r['merge']} | {r['at']} | {r['k']} | {r['nmi']:.3f} | {r['ami']:.3f} "
            f"| {r['ari']:.3f} | {fmt(r['npmi'], '{:.3f}')} | {fmt(r['diversity'], '{:.3f}')} "
            f"| {fmt(r['largest'], '{:.1%}')} | {r['unassigned']:.1%} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="subjects,octis_bbc,bbc_news,20newsgroups")
    args = parser.parse_args()
    names = args.corpora.split(",")
    if set(names) - set(CORPORA):
        parser.error(f"unknown corpora: {sorted(set(names) - set(CORPORA))}")
    paths = {"octis_bbc": OCTIS_BBC, "subjects": FILES["20newsgroups"], **FILES}
    names = [n for n in names if paths[n].is_file()]
    if not names:
        print("skipped: the shared datasets are not on this machine")
        return 0
    store, start, rows = resolve_store(), time.perf_counter(), []
    for name in names:
        print(name, flush=True)
        rows += run_corpus(name, store)
    command = ".venv/bin/python benchmarks/embedding_trees.py " + " ".join(sys.argv[1:])
    write(rows, time.perf_counter() - start, command.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
