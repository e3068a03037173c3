"""Coherence on the bounded reference against the whole corpus: how far a sample's NPMI
lies from the corpus's, against the standard error the run states for it
(``pipelines/evaluate/coherence.py``), and what the sample saves.

A corpus of paragraph spans (``synthetic.py``); topics to score from an NMF of its
TF-IDF matrix (20 topics, top 10 words) and the same topics with their words mixed in
pairs (a second model with lower scores). Each model's NPMI on the whole corpus, then
on seeded samples of whole documents holding at most 4 M, 2 M, 1 M and 0.5 M tokens
(as ``bounded_reference`` draws them), each with its jackknife standard error and the
seconds it took (NPMI only: C_V and UMass are gensim's passes in Python, slower still).

    .venv/bin/python benchmarks/reference_sample.py [--documents 100000]

Writes ``benchmarks/results/reference_sample.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from measure import machine
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer
from synthetic import corpus

from topicflow.pipelines.config import Config
from topicflow.pipelines.evaluate import coherence
from topicflow.pipelines.models.words import count_matrix
from topicflow.pipelines.text.preprocess import preprocess_corpus

RESULTS = Path(__file__).resolve().parent / "results" / "reference_sample.md"
CAPS = (4_000_000, 2_000_000, 1_000_000, 500_000)


def topics_of(tokens, vocabulary, n_topics: int = 20, seed: int = 0) -> dict[str, list]:
    """The NMF topics' top 10 words, and their words mixed in pairs (the first half of
    one topic's with the next topic's)."""
    counts = count_matrix(tokens, vocabulary)
    nmf = NMF(n_topics, init="nndsvda", max_iter=50, random_state=seed)
    nmf.fit(TfidfTransformer(sublinear_tf=True).fit_transform(counts))
    order = np.argsort(-nmf.components_, axis=1)[:, :10]
    words = [[vocabulary[int(i)] for i in row] for row in order]
    mixed = [words[t][:5] + words[(t + 1) % n_topics][:5] for t in range(n_topics)]
    return {"nmf": words, "mixed": mixed}


def npmi_of(reference: coherence.Reference, models: dict[str, list]) -> dict[str, tuple]:
    """Each model's NPMI on ``reference`` (its mean over topics), the jackknife standard
    error when the reference is a sample, and the seconds both took."""
    start = time.perf_counter()
    joined = [words for topics in models.values() for words in topics]
    values, replicates = reference.npmi_replicates(joined)
    seconds = time.perf_counter() - start
    result, at = {}, 0
    for name, topics in models.items():
        part = slice(at, at + len(topics))
        at += len(topics)
        means = [coherence.mean(r[part]) for r in replicates]
        result[name] = (coherence.mean(values[part]), coherence.jackknife_error(means), seconds)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    texts = corpus("paragraphs", args.documents)
    cfg = Config.model_validate({"preprocess": {"clean_usenet": True}})
    prepared = preprocess_corpus(texts, cfg.preprocess)
    tokens, vocabulary = prepared.tokens, prepared.vocabulary
    total = sum(map(len, tokens))
    models = topics_of(tokens, vocabulary)
    whole = npmi_of(coherence.Reference(tokens, vocabulary), models)
    rows = []
    for cap in (c for c in CAPS if c < total):
        coherence.REFERENCE_TOKENS = cap
        sample = coherence.bounded_reference(tokens, vocabulary)
        rows.append((cap, len(sample.tokens), npmi_of(sample, models)))
    lines = [
        "# NPMI on a bounded reference sample against the whole corpus",
        "",
        f"- Machine: {machine()}.",
        f"- Command: `.venv/bin/python benchmarks/reference_sample.py --documents "
        f"{args.documents}`",
        f"- Corpus: {len(tokens):,} paragraph spans (`synthetic.py`), {total:,} tokens after "
        "preprocessing (`clean_usenet: true`).",
        "- Topics: 20 NMF topics of the corpus's TF-IDF (`nmf`) and the same topics with "
        "their words mixed in pairs (`mixed`), top 10 words each.",
        "- Each sample: seeded, whole documents, at most the cap's tokens (`bounded_reference`);"
        " SE: the delete-a-group jackknife over 10 groups the run reports as `npmi_se`.",
        "",
        "| reference | documents | model | NPMI | minus the corpus's | SE | gap / SE | seconds |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, (value, _, seconds) in whole.items():
        lines.append(
            f"| whole corpus | {len(tokens):,} | {name} | {value:.4f} | | | | {seconds:.1f} |"
        )
    for cap, documents, result in rows:
        for name, (value, error, seconds) in result.items():
            gap = value - whole[name][0]
            lines.append(
                f"| {cap / 1e6:g} M tokens | {documents:,} | {name} | {value:.4f} | {gap:+.4f} "
                f"| {error:.4f} | {gap / error:+.1f} | {seconds:.1f} |"
            )
    RESULTS.write_text("\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
