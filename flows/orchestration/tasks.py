"""The flow's tasks: each times its stage and delegates to ``pipelines`` in a few lines.

A task returns a :class:`~topicflow.flows.orchestration.staged.Staged` value: the
result plus the stage's start, end and cache outcome, which the flow writes to the
manifest. The embedding branch's tasks are in
:mod:`topicflow.flows.orchestration.embedding_tasks`. The expensive steps keep their
results in the store under keys from :mod:`topicflow.flows.app.keys`, so a re-run with
the same inputs, settings and code reuses them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from prefect import get_run_logger

from topicflow.flows.orchestration.apart import run_apart
from topicflow.flows.orchestration.staged import Clock, Staged, not_an_input_error, outcome, task
from topicflow.pipelines.analysis.incremental import (
    FittedState,
    IncrementalResult,
    preprocess_incremental,
)
from topicflow.pipelines.analysis.incremental import update_topics as assign_to_fitted
from topicflow.pipelines.analysis.levels import match_levels
from topicflow.pipelines.analysis.pipeline import compare as compare_all
from topicflow.pipelines.analysis.pipeline import (
    document_map,
    grow_model,
    prepare,
    topics_over_time,
)
from topicflow.pipelines.analysis.pipeline import name_topics as name_all
from topicflow.pipelines.config import Config, CorpusConfig
from topicflow.pipelines.corpus.documents import Corpus
from topicflow.pipelines.evaluate.stability import stability
from topicflow.pipelines.io.store import (
    cached_result,
    cached_saved_apart,
    read_corpus_cached,
    save_result,
)
from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.registry import title
from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.report.html import write_report
from topicflow.pipelines.text.preprocess import Preprocessed


@task(name="ingest", retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=not_an_input_error)
def ingest_corpus(source: str, options: CorpusConfig, store: Path) -> Staged[Corpus]:
    logger = get_run_logger()
    clock = Clock("ingest")

    def progress(records: int) -> None:
        logger.info("ingest: %s records read", f"{records:,}")

    corpus, hit = read_corpus_cached(source, options, store, progress)
    stats = corpus.stats
    logger.info(
        "ingest: %s documents from %s file(s) (%s empty and %s duplicate dropped)%s",
        f"{len(corpus):,}",
        stats.files,
        stats.empty_dropped,
        stats.duplicates_dropped,
        " [cached]" if hit else "",
    )
    return clock.staged(corpus, outcome(hit))


@task(name="preprocess")
def preprocess(texts: list[str], cfg: Config, store: Path, key: str) -> Staged[Preprocessed]:
    clock = Clock("preprocess")
    prepared, hit = cached_result(store, "preprocess", key, lambda: prepare(texts, cfg))
    summary = prepared.summary()
    get_run_logger().info(
        "preprocess: %s lines found in many documents dropped from %s documents; "
        "vocabulary of %s words (each in at least %s documents); %s documents without any%s",
        f"{summary['repeated_lines'] or 0:,}",
        f"{summary['documents_with_repeated_lines'] or 0:,}",
        f"{summary['vocabulary_size']:,}",
        summary["no_below"],
        summary["documents_without_tokens"],
        " [cached]" if hit else "",
    )
    return clock.staged(prepared, outcome(hit))


@task(name="fit-model", task_run_name="fit-{name}")
def fit_model(
    name: str, corpus: PreparedCorpus, cfg: Config, store: Path, key: str, apart: bool = False
) -> Staged[TopicModel]:
    """One model's leaves, tree and preferred count (:func:`grow_model`), or the store's;
    ``apart``: computed in a low-priority process of its own (:mod:`.apart`)."""
    clock, kind = Clock(name), f"model-{name}"
    if apart:  # the model comes back through its entry in the store
        model, hit = cached_saved_apart(
            store,
            kind,
            key,
            lambda: run_apart(save_result, store, kind, key, grow_model, name, corpus, cfg),
        )
    else:
        model, hit = cached_result(store, kind, key, lambda: grow_model(name, corpus, cfg))
    get_run_logger().info(
        "%s: %s leaf topics, %s preferred%s",
        title(name),
        model.tree_.n_leaves,
        model.preferred_,
        " [cached]" if hit else "",
    )
    return clock.staged(model, outcome(hit))


@task(name="set-levels")
def set_levels(
    models: dict[str, TopicModel], corpus: PreparedCorpus, cfg: Config, store: Path, key: str
) -> Staged[dict[str, TopicModel]]:
    """Every model at the matched level (a mixture family fits that level afresh), or the
    store's levelled models."""
    clock = Clock("levels")

    def levelled() -> dict[str, TopicModel]:
        match_levels(models, corpus, cfg.granularity)
        return models

    models, hit = cached_result(store, "levels", key, levelled)
    get_run_logger().info(
        "levels: %s%s",
        ", ".join(
            f"{title(name)} {m.topics_.n_topics} topics, "
            f"{100 * m.topics_.unassigned_share():.1f} % unassigned"
            for name, m in models.items()
        ),
        " [cached]" if hit else "",
    )
    return clock.staged(models, outcome(hit))


@task(name="name-topics")
def name_topics(
    topic_sets: dict[Any, TopicSet], corpus: PreparedCorpus, cfg: Config, store: Path, key: str
) -> Staged[dict[Any, list[str]]]:
    """A short readable name for every topic of every set (every level of every model's
    tree), or the store's names."""
    clock = Clock("name_topics")
    names, hit = cached_result(
        store,
        "name-topics",
        key,
        lambda: {n: t.names for n, t in name_all(topic_sets, corpus, cfg).items()},
    )
    per_model: dict[str, int] = {}
    for (model, _), topic_names in names.items():
        per_model[model] = per_model.get(model, 0) + len(topic_names)
    named = ", ".join(f"{count} {title(model)}" for model, count in per_model.items())
    get_run_logger().info("names: %s topics named%s", named, " [cached]" if hit else "")
    return clock.staged(names, outcome(hit))


@task(name="document-map")
def draw_map(
    models: dict[str, TopicModel], corpus: PreparedCorpus, seed: int, store: Path, key: str
) -> Staged[np.ndarray]:
    """The report's 2-D document map (see :func:`pipelines.analysis.pipeline.document_map`)."""
    clock = Clock("document_map")
    coordinates, hit = cached_result(
        store, "document-map", key, lambda: document_map(models, corpus, seed)
    )
    return clock.staged(coordinates, outcome(hit))


@task(name="preprocess-incremental")
def incremental_preprocess(
    state: FittedState, texts: list[str], hashes: list[str]
) -> Staged[Preprocessed]:
    """Tokens of seen documents from the fitted state; only new documents are tokenised."""
    clock = Clock("preprocess")
    prepared = preprocess_incremental(state, texts, hashes)
    return clock.staged(prepared)


@task(name="update-topics")
def update_topics(
    state: FittedState, hashes: list[str], corpus: PreparedCorpus
) -> Staged[IncrementalResult]:
    """New documents into the fitted topics of every model, without refitting."""
    clock = Clock("update")
    result = assign_to_fitted(state, hashes, corpus)
    counts = ", ".join(f"{t.n_topics} {title(n)}" for n, t in result.topic_sets.items())
    get_run_logger().info(
        "update: %s new documents placed in the topics of the last fit (%s)",
        f"{result.new_documents:,}",
        counts,
    )
    return clock.staged(result)


@task(name="compare")
def compare(
    topic_sets: dict[str, TopicSet],
    corpus: PreparedCorpus,
    labels: list[str | None] | None,
    cfg: Config,
    store: Path,
    key: str,
) -> Staged[dict]:
    """Every model on the shared reference, every pair of models, the gold labels."""
    clock = Clock("compare")
    metrics, hit = cached_result(
        store, "compare", key, lambda: compare_all(topic_sets, corpus, labels, cfg)
    )
    logger = get_run_logger()
    for pair in metrics["comparisons"]:
        primary = pair["alignment"]["primary"]
        matched = len(pair["alignment"][primary]["alignment"]["matched"])
        logger.info(
            "compare: %s of %s %s topics match one of %s %s topics; document NMI %.3f%s",
            matched,
            topic_sets[pair["a"]].n_topics,
            title(pair["a"]),
            topic_sets[pair["b"]].n_topics,
            title(pair["b"]),
            pair["agreement"]["nmi"],
            " [cached]" if hit else "",
        )
    return clock.staged(metrics, outcome(hit))


@task(name="over-time")
def over_time(
    topic_sets: dict[str, TopicSet],
    corpus: PreparedCorpus,
    times: list[str | None] | None,
    cfg: Config,
    comparisons: list[dict],
) -> Staged[dict]:
    """Every model's topic shares per period, their trends and words per period."""
    clock = Clock("over_time")
    result = topics_over_time(topic_sets, corpus, times, cfg, comparisons)
    logger = get_run_logger()
    if not result["available"]:
        logger.info("over time: not computed: %s", result["reason"])
        return clock.staged(result)
    period = result["period"]
    logger.info(
        "over time: %s documents in %s %s periods, %s to %s",
        f"{result['documents']:,}",
        len(period["labels"]),
        period["unit"],
        period["labels"][0],
        period["labels"][-1],
    )
    for name, entry in result["models"].items():
        by_id = {t["id"]: t for t in entry["topics"]}
        movers = [
            f"{by_id[i].get('name') or i} ({by_id[i]['trend']['class']})" for i in entry["movers"]
        ]
        logger.info("over time: %s movers: %s", title(name), ", ".join(movers) or "none")
    return clock.staged(result)


@task(name="stability")
def stability_check(
    corpus: PreparedCorpus, cfg: Config, topic_sets: dict[str, TopicSet]
) -> Staged[dict]:
    clock = Clock("stability")
    seeds = [cfg.seed + i for i in range(1, cfg.stability.seeds + 1)]
    result = stability(corpus, cfg, topic_sets, seeds)
    recovered = ", ".join(
        f"{title(n)} {100 * m['recovery']['mean']:.0f} %" for n, m in result["models"].items()
    )
    get_run_logger().info("stability: topics recovered across %s seeds: %s", len(seeds), recovered)
    return clock.staged(result)


@task(name="report")
def report(run_dir: Path) -> Staged[Path]:
    """report.html and report.md, built from the run directory's own files."""
    clock = Clock("report")
    html = write_report(run_dir)
    get_run_logger().info("report: %s (%.1f MB)", html.name, html.stat().st_size / 1e6)
    return clock.staged(html)
