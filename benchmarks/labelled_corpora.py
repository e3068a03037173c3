"""Every model on raw labelled corpora: agreement with the gold labels, coherence, cost.

For raw ``bbc_news`` (2,225 articles, 5 labels) and raw ``20newsgroups`` (18,846
posts, 20 labels; USENET headers, quotes and signatures stripped): topicflow's LDA
and NMF with k = number of labels, and its embedding topics both at HDBSCAN's natural
count and merged to k. topicflow's models run through the pipeline's functions
(``prepare``, ``embed``, ``prepared_corpus``, ``fit_model``) with the default config
and only the overrides named here (``clean_usenet`` on 20 Newsgroups, ``n_topics``,
``embedder.long_documents``). Reported: NMI and ARI against the labels (unassigned
documents form one group of their own, so hiding outliers earns nothing), the
unassigned share, NPMI / TD on the one shared reference, topic count, seconds per
stage and the process's peak RSS. On bbc_news the embedding branch also runs with
``long_documents: chunk_mean``. The alternatives in the same run: BERTopic 0.17.4
with its defaults on the same cleaned texts and MiniLM vectors (natural count and
``nr_topics=k``; its outlier topic -1 counts as unassigned), and gensim
``LdaMulticore`` as its tutorials script it (``simple_preprocess``, ``filter_extremes``,
10 passes, k topics). Their words are scored on the same reference: each topic's
first 10 words that are in the reference vocabulary.

    .venv/bin/python benchmarks/labelled_corpora.py [--corpora bbc_news,20newsgroups]

Writes ``benchmarks/results/labelled_corpora.md``; the sections of corpora not run this
time are kept from the file as it was (marked so). Embeddings go through the store's
cache, so a second run skips them (the table says how many came from the cache).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np
from common import FILES, cached_vectors
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from topicflow.pipelines.analysis.pipeline import embed, fit_model, prepare, prepared_corpus
from topicflow.pipelines.config import Config, CorpusConfig, load_config
from topicflow.pipelines.corpus.ingest import read_corpus
from topicflow.pipelines.evaluate.coherence import mean, topic_diversity
from topicflow.pipelines.io.store import cache_dir, resolve_store
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.vectors.encoder import LazyEncoder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "labelled_corpora.md"
KEPT = (
    "_Not run by the command above: kept from an earlier run of this script, so it lacks "
    "any row added since._"
)
FOREIGN_WORDS = 30  # words asked of BERTopic and gensim, before keeping those in the reference


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


def config(**overrides) -> Config:
    """The default config with ``overrides`` (nested sections, as in a YAML file)."""
    return load_config(overrides=overrides)


def run_corpus(name: str, path: Path, store: Path) -> tuple[list[dict], dict]:
    corpus, read_s = timed(read_corpus, path, CorpusConfig(label_field="label", id_field="id"))
    labels = corpus.labels
    k = len(set(labels))
    preprocess = {"clean_usenet": name == "20newsgroups"}
    base = config(preprocess=preprocess)
    prepared, prep_s = timed(prepare, corpus.texts, base)
    reference = prepared.reference
    facts = {
        "documents": len(corpus),
        "labels": k,
        "read_s": read_s,
        "preprocess_s": prep_s,
        "vocabulary": len(prepared.vocabulary),
    }
    rows = []
    words_only = prepared_corpus(prepared)
    for model, title in (("lda", "LDA"), ("nmf", "NMF")):
        cfg = config(preprocess=preprocess, **{model: {"n_topics": k}})
        fitted, seconds = timed(fit_model, model, words_only, cfg)
        rows.append(score(f"{title} (k={k})", fitted.topics_, labels, reference, seconds))
    modes = ["truncate", "chunk_mean"] if name == "bbc_news" else ["truncate"]
    for mode in modes:
        embedded = config(preprocess=preprocess, embedder={"long_documents": mode})
        facts[f"embed_{mode}_cached"] = cached_vectors(prepared.texts, embedded, store)
        vectors, facts[f"embed_{mode}_s"] = timed(embed, prepared.texts, embedded, store)
        with_vectors = prepared_corpus(
            prepared, vectors, LazyEncoder(embedded.embedder, cache_dir(store, "models"))
        )
        for target in ("natural", k):
            cfg = config(
                preprocess=preprocess,
                embedder={"long_documents": mode},
                embedding={"n_topics": target},
            )
            fitted, seconds = timed(fit_model, "embedding", with_vectors, cfg)
            label = f"embedding, {mode}, {'natural' if target == 'natural' else f'k={k}'}"
            rows.append(score(label, fitted.topics_, labels, reference, seconds))
        print(name, rows[-2:], flush=True)
        if mode == "truncate" and _has_bertopic():
            for target in (None, k):
                topics, seconds = timed(run_bertopic, prepared.texts, vectors, target, base.seed)
                label = f"BERTopic 0.17.4 defaults, {'natural' if target is None else f'k={k}'}"
                rows.append(
                    score(label, in_reference(topics, prepared), labels, reference, seconds)
                )
    topics, seconds = timed(run_gensim, prepared.texts, k, base.seed)
    label = f"gensim LdaMulticore (k={k}, 10 passes)"
    rows.append(score(label, in_reference(topics, prepared), labels, reference, seconds))
    facts["peak_rss_mb"] = peak_rss_mb()
    return rows, facts


def _has_bertopic() -> bool:
    try:
        import bertopic  # noqa: F401
    except ImportError:
        return False
    return True


def run_bertopic(texts: list[str], vectors, k: int | None, seed: int) -> TopicSet:
    """BERTopic's defaults on the same texts and MiniLM vectors (UMAP seeded)."""
    from bertopic import BERTopic
    from umap import UMAP

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    model = BERTopic(umap_model=umap, nr_topics=k, top_n_words=FOREIGN_WORDS)
    labels, _ = model.fit_transform(texts, embeddings=vectors)
    ids = sorted(t for t in model.get_topics() if t != -1)
    words = [[w for w, _ in model.get_topic(t)] for t in ids]
    position = {t: i for i, t in enumerate(ids)}
    assignments = np.array([position.get(t, UNASSIGNED) for t in labels])
    return TopicSet(words, [[1.0] * len(w) for w in words], assignments)


def run_gensim(texts: list[str], k: int, seed: int) -> TopicSet:
    """gensim LDA as its tutorials script it: simple_preprocess, filter_extremes, 10 passes."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaMulticore
    from gensim.utils import simple_preprocess

    tokens = [simple_preprocess(t) for t in texts]
    vocabulary = Dictionary(tokens)
    vocabulary.filter_extremes(no_below=5, no_above=0.5)
    bows = [vocabulary.doc2bow(t) for t in tokens]
    model = LdaMulticore(bows, num_topics=k, id2word=vocabulary, passes=10, random_state=seed)
    words = [[w for w, _ in model.show_topic(t, topn=FOREIGN_WORDS)] for t in range(k)]
    theta = [model.get_document_topics(bow, minimum_probability=0.0) for bow in bows]
    assignments = np.array(
        [
            max(doc, key=lambda p: p[1])[0] if bow else UNASSIGNED
            for doc, bow in zip(theta, bows, strict=True)
        ]
    )
    return TopicSet(words, [[1.0] * len(w) for w in words], assignments)


def in_reference(topics: TopicSet, prepared) -> TopicSet:
    """Another tool's topics scored on the shared reference: each topic's first 10 words
    that are in the reference vocabulary (its stopwords and unknown words are skipped,
    which can only help that tool's scores)."""
    known = prepared.vocabulary.token2id
    words = [[w for w in ws if w in known][:10] for ws in topics.words]
    return TopicSet(words, [[1.0] * len(w) for w in words], topics.assignments)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="bbc_news,20newsgroups")
    args = parser.parse_args()
    names = [n for n in args.corpora.split(",") if FILES[n].is_file()]
    if not names:
        print("skipped: the shared datasets are not on this machine")
        return 0
    store = resolve_store()
    fresh = {}
    for name in names:
        rows, facts = run_corpus(name, FILES[name], store)
        fresh[name] = render_corpus(name, rows, facts)
    earlier = earlier_sections(RESULTS)
    sections = [
        fresh[n] if n in fresh else kept(earlier[n]) for n in FILES if n in {**earlier, **fresh}
    ]
    header = [
        "# Raw labelled corpora: every model against the gold labels",
        "",
        "- Default config (seed 42) through the pipeline's `prepare`, `embed`, "
        "`prepared_corpus` and `fit_model`; LDA and NMF with k = number of labels; "
        "embedding topics at HDBSCAN's natural count and merged to k. Unassigned documents "
        "count as one group of their own in NMI / ARI.",
        "- New in this version: the `NMF (k=labels)` row (the `nmf` model, default settings: "
        "TF-IDF of the shared counts, `nndsvd` start, Frobenius loss, 400 iterations).",
        "- Alternatives in the same run: BERTopic 0.17.4 defaults on the same cleaned texts "
        "and MiniLM vectors (seeded UMAP; outlier topic -1 = unassigned), natural and "
        "`nr_topics=k`; gensim `LdaMulticore` (`simple_preprocess`, `filter_extremes(5, 0.5)`, "
        "10 passes, k topics). Their words are scored on topicflow's reference: each topic's "
        "first 10 of 30 words that are in the reference vocabulary.",
        "- NPMI (`c_npmi`, top 10) and TD on the shared reference (topicflow's preprocessing "
        "of that corpus).",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, no GPU; the cores are shared with other engineers' "
        "test runs, so seconds are noisy (the quality columns are not).",
        f"- Command: `.venv/bin/python benchmarks/labelled_corpora.py --corpora {args.corpora}`",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(header + [s.strip() + "\n" for s in sections]))
    print(RESULTS.read_text())
    return 0


def earlier_sections(path: Path) -> dict[str, str]:
    """The corpus sections (``## <corpus>: ...``) of an earlier results file, by corpus."""
    if not path.is_file():
        return {}
    parts = re.split(r"(?m)^(?=## )", path.read_text(encoding="utf-8"))[1:]
    return {part.removeprefix("## ").split(":", 1)[0]: part for part in parts}


def kept(section: str) -> str:
    """A section of a corpus this command did not run, marked as such."""
    if KEPT in section:
        return section
    heading, _, rest = section.partition("\n\n")
    return f"{heading}\n\n{KEPT}\n\n{rest}"


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
