"""Short texts of a few broad themes: the count each model's granularity rule chooses
on subject lines of a few newsgroups, and what it costs in label agreement.

The rule scores short texts by word vectors (`pipelines/models/granularity/rule.py`,
README "Short texts"); there a large topic is a catch-all unless its parts are more
alike than the cut's topics are anyway. This checks the two ways that can go wrong: a
corpus of 2 or 3 broad themes split finer than its themes (each theme holds more than
`max_topic_share` of the lines), and a catch-all kept (the largest topic far above the
largest newsgroup). Each model is grown alone at the defaults and reported at its own
choice (an LDA-only run reports LDA's); BERTopic's defaults on the same vectors for
scale. Each set is also run with ``preprocess.no_below: auto`` (a vocabulary that
places all but 5 % of the lines, if words in two lines can), the opt-in for short
texts. Writes benchmarks/results/short_themes.md.

Usage: .venv/bin/python benchmarks/short_themes.py
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np
from common import FILES
from labelled_corpora import in_reference, run_bertopic
from subject_lines import subject_lines

from topicflow.pipelines.analysis.pipeline import embed, grow_model, prepare, prepared_corpus
from topicflow.pipelines.config import load_config
from topicflow.pipelines.evaluate.compare import label_scores
from topicflow.pipelines.io.store import cache_dir, resolve_store
from topicflow.pipelines.vectors.encoder import LazyEncoder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "short_themes.md"
MODELS = ("embedding", "lda", "nmf")
# (name, newsgroups, the number of broad themes an analyst would name)
SETS = [
    ("space, autos", ("sci.space", "rec.autos"), 2),
    (
        "graphics, hockey, mideast",
        ("comp.graphics", "rec.sport.hockey", "talk.politics.mideast"),
        3,
    ),
    (
        "computers, sport, religion (7 groups)",
        (
            "comp.graphics",
            "comp.windows.x",
            "rec.sport.hockey",
            "rec.sport.baseball",
            "soc.religion.christian",
            "alt.atheism",
            "talk.religion.misc",
        ),
        3,
    ),
    ("all 20 newsgroups", None, 20),
]


# no_below: the default, then the opt-in for short texts
NO_BELOW = (5, "auto")


def measure(name, groups, texts, labels, store, no_below) -> list[dict]:
    if groups:
        keep = [i for i, label in enumerate(labels) if label in groups]
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    overrides = {"naming": {"enabled": False}, "preprocess": {"no_below": no_below}}
    cfg = load_config(overrides=overrides)
    prepared = prepare(texts, cfg)
    chosen = prepared.summary()["no_below"]
    vectors = embed(prepared.texts, cfg, store)
    encoder = LazyEncoder(cfg.embedder, cache_dir(store, "models"), cache_dir(store, "embeddings"))
    corpus = prepared_corpus(prepared, vectors, encoder)
    largest_class = np.unique(labels, return_counts=True)[1].max() / len(labels)
    rows = []
    for model_name in MODELS:
        start = time.perf_counter()
        model = grow_model(model_name, corpus, cfg)
        model.set_level(model.preferred_, corpus)
        rows.append(_row(name, model_name, model.topics_, labels, largest_class, model.levels_))
        rows[-1] |= {"seconds": time.perf_counter() - start, "no_below": f"{no_below}"}
        if no_below == "auto":
            rows[-1]["no_below"] += f" ({chosen})"
        print("  ", rows[-1], flush=True)
    if no_below == NO_BELOW[0]:
        bertopic = in_reference(run_bertopic(prepared.texts, vectors, None, cfg.seed), prepared)
        rows.append(_row(name, "BERTopic defaults", bertopic, labels, largest_class, None))
        rows[-1]["no_below"] = "–"
        print("  ", rows[-1], flush=True)
    return rows


def _row(corpus, model, topics, labels, largest_class, levels) -> dict:
    sizes = topics.sizes()
    largest = max(sizes) / len(labels) if sizes else 0.0
    measures = {level["measure"] for level in levels or []}
    return {
        "corpus": corpus,
        "documents": len(labels),
        "model": model,
        "topics": topics.n_topics,
        "measure": ", ".join(sorted(measures)) or "",
        "nmi": label_scores(topics.assignments, labels)["nmi"],
        "largest": largest,
        "largest_x": largest / largest_class,
        "unassigned": topics.unassigned_share(),
    }


def main() -> int:
    store = resolve_store()
    texts, labels = subject_lines(FILES["20newsgroups"])
    rows, start = [], time.perf_counter()
    for name, groups, themes in SETS:
        print(f"{name}: {themes} themes", flush=True)
        for no_below in NO_BELOW:
            for row in measure(name, groups, texts, labels, store, no_below):
                rows.append({**row, "themes": themes})
    lines = [
        "# Short texts of a few broad themes",
        "",
        "Command: `.venv/bin/python benchmarks/short_themes.py` "
        f"({time.perf_counter() - start:.0f} s; Python {platform.python_version()}, "
        f"{platform.machine()}). 20 Newsgroups subject lines (`benchmarks/subject_lines.py`: "
        "under 12 words, reply markers stripped, duplicates dropped), restricted to the "
        "newsgroups named; default config, then the same with `preprocess.no_below: auto` "
        "(the value it chose in brackets; NMI counts unassigned lines as one group). Each "
        "model grown alone, reported at its own choice; `largest x` is the largest topic's "
        "share over the largest newsgroup's. BERTopic 0.17.4 defaults on the same MiniLM "
        "vectors (seeded UMAP; its outliers are `unassigned`).",
        "",
        "| corpus | lines | themes | no_below | model | measure | topics | NMI | largest "
        "| largest x | unassigned |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['corpus']} | {r['documents']} | {r['themes']} | {r['no_below']} | "
            f"{r['model']} | "
            f"{r['measure']} | {r['topics']} | {r['nmi']:.3f} | {r['largest']:.1%} | "
            f"{r['largest_x']:.2f} | {r['unassigned']:.1%} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
