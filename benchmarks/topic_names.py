"""Topic names against the gold labels: is a topic's name closest to its class's name?

For raw ``bbc_news`` (5 labels) and a seeded sample of raw ``20newsgroups`` (20 labels,
``preprocess.clean_usenet: true``), every model (``models: [lda, nmf, embedding]``,
default settings otherwise) is fitted with :func:`pipelines.analysis.pipeline.analyse`
and its topics named by :func:`pipelines.analysis.pipeline.name_topics`. Each topic's
majority gold class gets a readable name (``CLASS_NAMES``); a label **hits** when,
embedded with the run's own embedding model, it is closer (cosine) to the name of the
topic's majority class than to every other class's name. Compared in the same run:

- ``top words``: the topic's first three words joined (what the report showed before);
- ``KeyBERTInspired``: BERTopic 0.17's representation rebuilt on the same tokens and
  vectors: the topic's 100 best c-TF-IDF words, re-ranked by cosine to the mean vector
  of its five most representative documents (c-TF-IDF cosine among up to 500 sampled
  ones, seed 42); its first three words joined.

Also reported: **own topic**, the share of labels whose nearest topic centroid (mean
document vector) is the labelled topic's own, distinct labels, and words per label.

    .venv/bin/python benchmarks/topic_names.py [--corpora bbc_news,20newsgroups] [--sample 4000]

Writes ``benchmarks/results/topic_names.md``. Embeddings go through the store's cache.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from common import load_labelled, present, write_results

from topicflow.pipelines.analysis.pipeline import analyse, fit_model, name_topics
from topicflow.pipelines.config import load_config
from topicflow.pipelines.io.store import cache_dir, resolve_store
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.models.words import class_counts, ctfidf_from_class_counts
from topicflow.pipelines.vectors.encoder import LazyEncoder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "topic_names.md"
MODELS = ["lda", "nmf", "embedding"]
# A readable name for each gold class: what an analyst would call the topic.
CLASS_NAMES = {
    "bbc_news": {
        "business": "business",
        "entertainment": "entertainment",
        "politics": "politics",
        "sport": "sport",
        "tech": "technology",
    },
    "20newsgroups": {
        "alt.atheism": "atheism",
        "comp.graphics": "computer graphics",
        "comp.os.ms-windows.misc": "microsoft windows",
        "comp.sys.ibm.pc.hardware": "pc hardware",
        "comp.sys.mac.hardware": "mac hardware",
        "comp.windows.x": "x window system",
        "misc.forsale": "for sale",
        "rec.autos": "cars",
        "rec.motorcycles": "motorcycles",
        "rec.sport.baseball": "baseball",
        "rec.sport.hockey": "hockey",
        "sci.crypt": "cryptography",
        "sci.electronics": "electronics",
        "sci.med": "medicine",
        "sci.space": "space",
        "soc.religion.christian": "christianity",
        "talk.politics.guns": "guns",
        "talk.politics.mideast": "middle east",
        "talk.politics.misc": "politics",
        "talk.religion.misc": "religion",
    },
}
LABELLERS = ("names", "top words", "KeyBERTInspired")
# More fits on the same corpus and vectors: on the 20 Newsgroups sample HDBSCAN's default
# cluster selection (eom) finds two clusters, too few to say anything about names, so a
# fit with leaf selection (many small clusters) is named and scored beside it.
VARIANTS = {
    "20newsgroups": {
        "embedding, leaf clusters": ("embedding", {"hdbscan": {"selection_method": "leaf"}}),
    },
}


class Encoder:
    """The run's encoder with a memo: the same text is embedded once."""

    def __init__(self, encoder) -> None:
        self.encoder, self.memo = encoder, {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.encoder(missing), strict=True))
        return np.array([self.memo[t] for t in texts])


def unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def top_words_labels(topics: TopicSet) -> list[str]:
    return [" ".join(w.replace("_", " ") for w in words[:3]) for words in topics.words]


def keybert_labels(topics: TopicSet, corpus: PreparedCorpus, encoder) -> list[str]:
    """BERTopic 0.17's KeyBERTInspired on the shared tokens and the run's vectors."""
    k, counts, labels = topics.n_topics, corpus.counts, topics.assignments
    per_topic = class_counts(counts, labels, k)
    ctfidf = ctfidf_from_class_counts(per_topic)  # BERTopic's default ClassTfidfTransformer
    idf = np.log1p(per_topic.sum() / max(1, k) / np.maximum(per_topic.sum(axis=0), 1))
    rng = np.random.default_rng(42)
    out = []
    for topic in range(k):
        candidates = [
            i for i in np.argsort(-ctfidf[topic], kind="stable")[:100] if ctfidf[topic, i] > 0
        ]
        members = np.flatnonzero(labels == topic)
        if not candidates or not len(members):
            out.append(" ".join(corpus.vocabulary[i] for i in candidates[:3]))
            continue
        sample = members if len(members) <= 500 else rng.choice(members, 500, replace=False)
        docs = unit(counts[sample].toarray() * idf)
        representative = sample[np.argsort(-(docs @ unit(ctfidf[topic : topic + 1])[0]))[:5]]
        center = unit(corpus.vectors[representative].mean(axis=0, keepdims=True))[0]
        words = [corpus.vocabulary[i].replace("_", " ") for i in candidates]
        best = np.argsort(-(unit(encoder(words)) @ center), kind="stable")[:3]
        out.append(" ".join(words[i] for i in best))
    return out


def score(labels: list[str], topics: TopicSet, gold: list[str], classes: dict, corpus, encoder):
    """Class hits, own-topic hits, topics scored, distinct labels, mean words per label."""
    names = list(classes)
    class_vectors = unit(encoder([classes[c] for c in names]))
    label_vectors = unit(encoder(labels))
    unit_docs = unit(corpus.vectors)
    centroids = np.zeros((topics.n_topics, unit_docs.shape[1]))
    hits = scored = own = 0
    for topic, label_vector in enumerate(label_vectors):
        members = np.flatnonzero(topics.assignments == topic)
        if not len(members):
            continue
        centroids[topic] = unit_docs[members].mean(axis=0)
        majority = Counter(gold[i] for i in members).most_common(1)[0][0]
        hits += names[int(np.argmax(class_vectors @ label_vector))] == majority
        scored += 1
    centroids = unit(centroids)
    for topic, label_vector in enumerate(label_vectors):
        own += int(np.argmax(centroids @ label_vector)) == topic
    return {
        "hits": hits,
        "scored": scored,
        "own": own,
        "topics": topics.n_topics,
        "distinct": len({label.lower() for label in labels}),
        "words": float(np.mean([len(label.split()) for label in labels])),
    }


def run_corpus(name: str, sample: int, naming: dict) -> dict:
    texts, gold = load_labelled(name, sample if name == "20newsgroups" else None)
    overrides: dict = {"models": MODELS, "naming": {"enabled": False, **naming}}
    if name == "20newsgroups":
        overrides["preprocess"] = {"clean_usenet": True}
    cfg = load_config(overrides=overrides)
    start = time.perf_counter()
    analysis = analyse(texts, cfg, labels=gold, store=resolve_store())
    fit_s = time.perf_counter() - start
    encoder = Encoder(LazyEncoder(cfg.embedder, cache_dir(resolve_store(), "models")))
    corpus = analysis.corpus
    corpus.encoder = encoder
    topic_sets = dict(analysis.topic_sets)
    for label, (model, section) in VARIANTS.get(name, {}).items():
        variant = load_config(overrides={**overrides, model: section})
        topic_sets[label] = fit_model(model, corpus, variant).topics_
    start = time.perf_counter()
    named = name_topics(topic_sets, corpus, cfg)  # enabled or not, the naming settings
    name_s = time.perf_counter() - start
    classes = CLASS_NAMES[name]
    rows, examples = [], {}
    for model, topics in named.items():
        labels = {
            "names": topics.names,
            "top words": top_words_labels(topics),
            "KeyBERTInspired": keybert_labels(topics, corpus, encoder),
        }
        for labeller, values in labels.items():
            rows.append(
                {"model": model, "labeller": labeller}
                | score(values, topics, gold, classes, corpus, encoder)
            )
        examples[model] = [
            (i, topics.sizes()[i], *(labels[k][i] for k in LABELLERS))
            for i in range(topics.n_topics)
        ]
    facts = {"documents": len(texts), "labels": len(set(gold)), "fit_s": fit_s, "name_s": name_s}
    return {"rows": rows, "examples": examples, "facts": facts}


def render(name: str, result: dict) -> str:
    facts = result["facts"]
    lines = [
        f"## {name}: {facts['documents']:,} documents, {facts['labels']} labels",
        "",
        f"Fitting the three models took {facts['fit_s']:.0f} s (embeddings included); naming "
        f"every topic of every fit (one phrase index, loading the encoder and its calls "
        f"included) {facts['name_s']:.1f} s.",
        "",
        "| model | labels | nearest its class's name | nearest its own topic | distinct | words |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['model']} | {r['labeller']} | {r['hits']}/{r['scored']} "
            f"({r['hits'] / max(1, r['scored']):.0%}) | {r['own']}/{r['topics']} | "
            f"{r['distinct']}/{r['topics']} | {r['words']:.1f} |"
        )
    totals = {}
    for r in result["rows"]:
        t = totals.setdefault(r["labeller"], [0, 0])
        t[0] += r["hits"]
        t[1] += r["scored"]
    lines += [
        "",
        "All models: " + "; ".join(f"{k} {h}/{n} ({h / n:.0%})" for k, (h, n) in totals.items()),
        "",
        "Every topic's labels (id, documents, name | top words | KeyBERTInspired):",
        "",
    ]
    for model, examples in result["examples"].items():
        lines += [
            f"<details><summary>{model}</summary>",
            "",
            "| id | docs | name | top words | KeyBERTInspired |",
            "|---|---|---|---|---|",
        ]
        lines += [f"| {i} | {n:,} | {a} | {b} | {c} |" for i, n, a, b, c in examples]
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="bbc_news,20newsgroups")
    parser.add_argument("--sample", type=int, default=4000, help="20 Newsgroups posts (0: all)")
    parser.add_argument("--diversity", type=float, help="naming.diversity (default: config's)")
    parser.add_argument("--candidates", type=int, help="naming.candidates (default: config's)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    corpora = present(args.corpora)
    if not corpora:
        return 0
    sections = []
    for name in corpora:
        naming = {"diversity": args.diversity, "candidates": args.candidates}
        result = run_corpus(name, args.sample, {k: v for k, v in naming.items() if v is not None})
        sections.append(render(name, result))
        print(sections[-1], flush=True)
    command = " ".join(["benchmarks/topic_names.py", *sys.argv[1:]])
    header = [
        "# Topic names against the gold labels",
        "",
        "- Every model fitted with the default config but `models: [lda, nmf, embedding]` "
        "(20 Newsgroups: `preprocess.clean_usenet: true`, a seeded sample); names with the "
        "default `naming` settings unless the command says otherwise.",
        "- **nearest its class's name**: the label, embedded with the run's model "
        "(all-MiniLM-L6-v2, `onnx-int8`), is closer to the readable name of its topic's "
        "majority class (`CLASS_NAMES` in the script) than to any other class's name; "
        "topics without documents are not scored. **nearest its own topic**: closer to "
        "its topic's centroid (mean document vector) than to any other topic's of the "
        "model. **words**: mean words per label.",
        "- **top words**: the first three topic words. **KeyBERTInspired**: BERTopic "
        "0.17's representation rebuilt on the same tokens and vectors (100 c-TF-IDF "
        "candidates, re-ranked by cosine to the mean of the 5 most representative "
        "documents), first three words.",
    ]
    write_results(args.out, header, sections, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
