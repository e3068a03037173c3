"""Packed tokens against token lists: memory, and the passes every run makes over them.

A run holds every document's tokens in the vocabulary (``PreparedCorpus.tokens``) in
its own process, sends them to LDA's process, and counts them twice (the documents x
words matrix, the coherence index). This script measures each for the two layouts:

- ``lists``: one Python list of the vocabulary's shared strings per document (before);
- ``packed``: :class:`topicflow.pipelines.text.packed.PackedTokens` (int32 ids + int64
  document starts).

Memory is the containers' exact size (``sys.getsizeof`` of every list, ``nbytes`` of the
arrays; the word strings are the vocabulary's in both). Seconds are one timing each on
a shared machine: read the ratios. Rows: 20 Newsgroups as the product preprocesses it
(``clean_usenet``), and two synthetic shapes at the sizes of ``scaling.py``'s largest
runs (Zipf-distributed ids over 50,000 words; the layout's cost depends only on the
counts of documents and tokens): a million short spans of 22 tokens, 300,000
paragraphs of 144.

    .venv/bin/python benchmarks/packed_tokens.py
"""

from __future__ import annotations

import pickle
import platform
import sys
import time
from pathlib import Path

import numpy as np
from common import FILES
from gensim.corpora import Dictionary

from topicflow.pipelines.analysis.pipeline import prepare
from topicflow.pipelines.config import CorpusConfig, load_config
from topicflow.pipelines.corpus.ingest import read_corpus
from topicflow.pipelines.evaluate.windows import TokenIndex
from topicflow.pipelines.models.words import count_matrix
from topicflow.pipelines.text.packed import PackedTokens

RESULTS = Path(__file__).resolve().parent / "results" / "packed_tokens.md"
WORDS = 50_000


def synthetic(n_documents: int, mean_tokens: int) -> tuple[list[list[str]], Dictionary]:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(WORDS)]
    lengths = rng.poisson(mean_tokens, n_documents)
    ids = (rng.zipf(1.3, int(lengths.sum())) - 1) % WORDS
    ends = np.cumsum(lengths).tolist()
    docs = [[words[i] for i in ids[b - n : b].tolist()] for n, b in zip(lengths, ends, strict=True)]
    return docs, Dictionary([words])


def newsgroups() -> tuple[list[list[str]], Dictionary]:
    corpus = read_corpus(FILES["20newsgroups"], CorpusConfig(label_field="label", id_field="id"))
    config = load_config(overrides={"preprocess": {"clean_usenet": True}})
    prepared = prepare(list(corpus.texts), config)
    return list(prepared.tokens), prepared.vocabulary


def seconds(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def index(tokens, token2id) -> TokenIndex:
    if isinstance(tokens, PackedTokens):
        return tokens.token_index()
    return TokenIndex.build(tokens, token2id)


def measure(docs: list[list[str]], vocabulary: Dictionary) -> dict[str, dict[str, float]]:
    packed = PackedTokens.pack(docs, vocabulary)
    token2id = vocabulary.token2id
    rows = {}
    for layout, tokens in (("lists", docs), ("packed", packed)):
        if layout == "lists":
            size = sys.getsizeof(docs) + sum(sys.getsizeof(doc) for doc in docs)
        else:
            size = packed.ids.nbytes + packed.starts.nbytes + sys.getsizeof(packed.words)
        blob = pickle.dumps(tokens)
        rows[layout] = {
            "MB": size / 1e6,
            "pickled MB": len(blob) / 1e6,
            "pickle + unpickle s": seconds(lambda t=tokens: pickle.loads(pickle.dumps(t))),
            "counts s": seconds(lambda t=tokens: count_matrix(t, vocabulary)),
            "coherence index s": seconds(lambda t=tokens: index(t, token2id)),
        }
    return rows


def main() -> int:
    shapes = [
        ("20 Newsgroups (18,846 posts)", newsgroups),
        ("1,000,000 short spans, 22 tokens", lambda: synthetic(1_000_000, 22)),
        ("300,000 paragraphs, 144 tokens", lambda: synthetic(300_000, 144)),
    ]
    lines = [
        "# Packed tokens against token lists",
        "",
        "- What a run holds and does with every document's tokens, in the two layouts "
        "(see the script's docstring). Memory: the containers' exact bytes; seconds: one "
        "timing each on a shared 2-core machine (read the ratios).",
        f"- Machine: {platform.machine()}, Python {platform.python_version()}.",
        "- Command: `.venv/bin/python benchmarks/packed_tokens.py`",
        "",
        "| corpus | tokens | layout | MB | pickled MB | pickle + unpickle s | counts s "
        "| coherence index s |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, build in shapes:
        docs, vocabulary = build()
        n_tokens = sum(map(len, docs))
        print(f"{name}: {n_tokens:,} tokens", flush=True)
        rows = measure(docs, vocabulary)
        for layout, row in rows.items():
            print("   ", layout, row, flush=True)
            lines.append(
                f"| {name} | {n_tokens:,} | {layout} | {row['MB']:,.0f} | {row['pickled MB']:,.0f} "
                f"| {row['pickle + unpickle s']:.2f} | {row['counts s']:.2f} "
                f"| {row['coherence index s']:.2f} |"
            )
        ratio = {k: rows["packed"][k] / rows["lists"][k] for k in rows["lists"]}
        lines.append(
            f"| {name} | | packed / lists | {ratio['MB']:.2f}x | {ratio['pickled MB']:.2f}x "
            f"| {ratio['pickle + unpickle s']:.2f}x | {ratio['counts s']:.2f}x "
            f"| {ratio['coherence index s']:.3f}x |"
        )
        del docs
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
