"""Both branches on raw labelled corpora: agreement with the gold labels, coherence, cost.

For raw ``bbc_news`` (2,225 articles, 5 labels) and raw ``20newsgroups`` (18,846
posts, 20 labels; USENET headers, quotes and signatures stripped): topicflow's LDA
with k = number of labels, and its embedding topics both at HDBSCAN's natural
count and merged to k. Reported: NMI and ARI against the labels (unassigned
documents form one group of their own, so hiding outliers earns nothing), the
unassigned share, NPMI / TD on the one shared reference, topic count, seconds per
stage and the process's peak RSS. On bbc_news the embedding branch also runs with
``long_documents: chunk_mean``.

    .venv/bin/python benchmarks/labelled_corpora.py [--corpora bbc_news,20newsgroups]

Writes ``benchmarks/results/labelled_corpora.md``. Embeddings go through the store's
cache, so a second run skips them (the table says how many came from the cache).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from pipelines.classical import fit_classical
from pipelines.coherence import mean, topic_diversity
from pipelines.config import Config, CorpusConfig
from pipelines.embed import SentenceEmbedder
from pipelines.embedding_cache import EmbeddingCache
from pipelines.embedding_topics import fit_embedding_topics
from pipelines.ingest import read_corpus
from pipelines.preprocess import preprocess_corpus
from pipelines.store import cache_dir, resolve_store

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "benchmarks" / "results" / "labelled_corpora.md"
FILES = {
    "bbc_news": DATASETS / "bbc_news" / "bbc_news.jsonl.gz",
    "20newsgroups": DATASETS / "20newsgroups" / "20news-bydate.jsonl.gz",
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def score(name, topics, labels, reference, seconds):
    assigned = topics.assignments
    return {
        "system": name,
        "nmi": normalized_mutual_info_score(labels, assigned),
        "ari": adjusted_rand_score(labels, assigned),
        "unassigned": topics.unassigned_share(),
        "npmi": mean(reference.npmi(topics.words)),
        "td": topic_diversity(topics.words),
        "topics": topics.n_topics,
        "seconds": seconds,
    }


def run_corpus(name: str, path: Path, cfg: Config) -> tuple[list[dict], dict]:
    corpus, read_s = timed(read_corpus, path, CorpusConfig(label_field="label", id_field="id"))
    labels = corpus.labels
    k = len(set(labels))
    settings = cfg.preprocess.model_copy(update={"clean_usenet": name == "20newsgroups"})
    prepared, prep_s = timed(preprocess_corpus, corpus.texts, settings)
    reference = prepared.reference
    facts = {
        "documents": len(corpus),
        "labels": k,
        "read_s": read_s,
        "preprocess_s": prep_s,
        "vocabulary": len(prepared.vocabulary),
    }
    rows = []
    (_, lda), lda_s = timed(
        fit_classical,
        prepared.tokens,
        prepared.vocabulary,
        cfg.lda.model_copy(update={"n_topics": k}),
        cfg.seed,
    )
    rows.append(score(f"LDA (k={k})", lda, labels, reference, lda_s))
    modes = ["truncate", "chunk_mean"] if name == "bbc_news" else ["truncate"]
    for mode in modes:
        embedder = SentenceEmbedder(long_documents=mode).fit()
        cache = EmbeddingCache(cache_dir(resolve_store(), "embeddings") / embedder.identity_)
        (vectors, hits), embed_s = timed(embedder.transform_cached, prepared.texts, cache)
        facts[f"embed_{mode}_s"] = embed_s
        facts[f"embed_{mode}_cached"] = hits
        for target in ("natural", k):
            topics_cfg = cfg.embedding_topics.model_copy(update={"n_topics": target})
            (topics, _), seconds = timed(
                fit_embedding_topics,
                vectors,
                prepared.tokens,
                prepared.vocabulary,
                cfg.umap,
                cfg.hdbscan,
                topics_cfg,
                cfg.seed,
            )
            label = f"embedding, {mode}, {'natural' if target == 'natural' else f'k={k}'}"
            rows.append(score(label, topics, labels, reference, seconds))
        print(name, rows[-2:], flush=True)
    facts["peak_rss_mb"] = peak_rss_mb()
    return rows, facts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="bbc_news,20newsgroups")
    args = parser.parse_args()
    names = [n for n in args.corpora.split(",") if FILES[n].is_file()]
    if not names:
        print("skipped: the shared datasets are not on this machine")
        return 0
    cfg = Config()
    sections = []
    for name in names:
        rows, facts = run_corpus(name, FILES[name], cfg)
        sections.append(render_corpus(name, rows, facts))
    header = [
        "# Raw labelled corpora: both branches against the gold labels",
        "",
        "- Default config (seed 42); LDA with k = number of labels; embedding topics at "
        "HDBSCAN's natural count and merged to k. Unassigned documents count as one group "
        "of their own in NMI / ARI.",
        "- NPMI (`c_npmi`, top 10) and TD on the shared reference (topicflow's preprocessing "
        "of that corpus).",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, no GPU.",
        f"- Command: `.venv/bin/python benchmarks/labelled_corpora.py --corpora {args.corpora}`",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(header + sections))
    print(RESULTS.read_text())
    return 0


def render_corpus(name: str, rows: list[dict], facts: dict) -> str:
    stage_times = ", ".join(
        f"{k.removesuffix('_s')} {v:.0f} s" for k, v in facts.items() if k.endswith("_s")
    )
    cached = ", ".join(f"{k}: {v}" for k, v in facts.items() if k.endswith("_cached"))
    lines = [
        f"## {name}: {facts['documents']:,} documents, {facts['labels']} labels, "
        f"vocabulary {facts['vocabulary']:,}",
        "",
        f"Stages: {stage_times}. Embeddings from the cache: {cached}. "
        f"Peak RSS so far: {facts['peak_rss_mb']:.0f} MB.",
        "",
        "| system | NMI | ARI | unassigned | NPMI | TD | topics | fit s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['system']} | {r['nmi']:.3f} | {r['ari']:.3f} | {100 * r['unassigned']:.1f} % "
            f"| {r['npmi']:.3f} | {r['td']:.3f} | {r['topics']} | {r['seconds']:.1f} |"
        )
    return "\n".join(lines + ["", ""])


if __name__ == "__main__":
    sys.exit(main())
