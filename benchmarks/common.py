"""What several benchmarks share: where the labelled corpora are and how to read them (a
seeded sample of 20 Newsgroups), OCTIS BBC_News through the pipeline's ``prepare``, and
how many vectors ``embed`` will find in the store's cache.

The BERTopic paper's protocol scores topics on OCTIS's own tokens (lower-cased,
lemmatised, stopword- and frequency-filtered already). A pass-through ``preprocess``
section makes the shared preprocessing only split them: no filters, no bigrams.
:func:`load_octis` checks that the tokens come out exactly as shipped.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

from measure import machine

from topicflow.pipelines.analysis.pipeline import prepare
from topicflow.pipelines.config import Config, CorpusConfig, load_config
from topicflow.pipelines.corpus.ingest import read_corpus
from topicflow.pipelines.io.store import cache_dir
from topicflow.pipelines.text.preprocess import Preprocessed
from topicflow.pipelines.vectors.cache import EmbeddingCache
from topicflow.pipelines.vectors.identity import embedding_identity

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
OCTIS_BBC = DATASETS / "octis" / "BBC_News" / "corpus.tsv"
# The corpora with gold labels, by the name the benchmarks' --corpora option takes.
FILES = {
    "bbc_news": DATASETS / "bbc_news" / "bbc_news.jsonl.gz",
    "20newsgroups": DATASETS / "20newsgroups" / "20news-bydate.jsonl.gz",
}

PASS_THROUGH: dict[str, Any] = {
    "lowercase": False,
    "stopwords": "none",
    "min_token_length": 1,
    "max_token_length": 200,
    "numbers": "keep",
    "urls": "keep",
    "emails": "keep",
    "bigrams": False,
    "no_below": 1,
    "no_above": 1.0,
    "keep_n": 10_000_000,
}


def present(corpora: str) -> list[str]:
    """The labelled corpora of a comma-separated ``--corpora`` value that are here; the
    others are named on stderr as skipped (a clone without the shared datasets)."""
    names = [c for c in corpora.split(",") if c]
    missing = [c for c in names if not FILES[c].exists()]
    if missing:
        print(f"skipped: {', '.join(missing)} not found under {DATASETS}", file=sys.stderr)
    return [c for c in names if c not in missing]


def write_results(path: Path, header: list[str], sections: list[str], command: str) -> None:
    """A results file: ``header`` lines, the machine and the command, then ``sections``."""
    footer = [
        f"- Machine: {machine()}; its cores are shared with other work.",
        f"- Command: `.venv/bin/python {command}`",
        "",
    ]
    path.write_text("\n".join(header + footer + sections) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


def load_labelled(
    name: str, sample: int | None = None, seed: int = 0
) -> tuple[list[str], list[str | None]]:
    """The texts and gold labels of corpus ``name``; with ``sample``, a seeded sample of
    that many documents (the same documents in every benchmark, so their vectors are
    cached once)."""
    documents = read_corpus(FILES[name], CorpusConfig(label_field="label", id_field="id"))
    texts, gold = documents.texts, documents.labels
    if sample and sample < len(texts):
        picked = sorted(random.Random(seed).sample(range(len(texts)), sample))
        texts, gold = [texts[i] for i in picked], [gold[i] for i in picked]
    return texts, gold


def octis_config(**overrides: Any) -> Config:
    """The default config with the pass-through preprocessing and ``overrides``."""
    return load_config(overrides={"preprocess": PASS_THROUGH, **overrides})


def load_octis() -> Preprocessed:
    """``prepare`` on the documents as space-joined tokens; SystemExit if a token changed."""
    with open(OCTIS_BBC, encoding="utf-8") as fh:
        texts = [line.split("\t")[0] for line in fh]
    prepared = prepare(texts, octis_config())
    if prepared.tokens != [text.split() for text in texts]:
        raise SystemExit("the pass-through preprocessing changed OCTIS's tokens")
    return prepared


def cached_vectors(texts: list[str], cfg: Config, store: Path) -> int:
    """How many of ``texts`` already have vectors in ``store``'s cache for ``cfg.embedder``:
    read before the pipeline's ``embed``, which returns only the vectors."""
    identity = embedding_identity(**cfg.embedder.identity_params())
    cache = EmbeddingCache(cache_dir(store, "embeddings") / identity)
    _, found = cache.get([EmbeddingCache.text_key(t) for t in texts])
    return int(found.sum())
