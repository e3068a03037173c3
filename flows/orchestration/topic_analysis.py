"""The ``topic-analysis`` flow: ingest, preprocess, every model at once, then the outputs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from prefect import flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from topicflow.flows.app.envelope import Outcome, RunContext, execute_run, run_lives
from topicflow.flows.app.keys import (
    compare_key,
    fitted_state_key,
    levels_key,
    map_key,
    model_key,
    names_key,
    preprocess_key,
)
from topicflow.flows.app.preflight import corpus_display_name, corpus_name, prepare
from topicflow.flows.app.reuse import answer_from, find_reusable, reuse_message, run_key
from topicflow.flows.app.stage_limit import stage_ended, stage_started
from topicflow.flows.orchestration.artifacts import publish_artifacts
from topicflow.flows.orchestration.embedding_tasks import (
    backend_undecided,
    cache_view,
    embed_shard,
    embedding_backend,
    merge_shards,
    shard_results,
)
from topicflow.flows.orchestration.tasks import (
    compare,
    draw_map,
    fit_model,
    incremental_preprocess,
    ingest_corpus,
    name_topics,
    over_time,
    preprocess,
    report,
    set_levels,
    stability_check,
    update_topics,
)
from topicflow.pipelines.analysis.incremental import (
    check_novelty,
    document_hashes,
    fitted_state,
    plan_update,
)
from topicflow.pipelines.analysis.levels import leaf_nodes
from topicflow.pipelines.analysis.pipeline import fit_trees, prepared_corpus
from topicflow.pipelines.config import Config, EmbedderConfig
from topicflow.pipelines.corpus.documents import Corpus, require_documents
from topicflow.pipelines.history.drift import drift_since
from topicflow.pipelines.io.run_files import (
    write_assignments,
    write_metrics,
    write_topics,
    write_trees,
)
from topicflow.pipelines.io.run_shapes import TopicTree
from topicflow.pipelines.io.store import cache_dir, load_entry, save_entry
from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.registry import spec
from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.text.preprocess import Preprocessed
from topicflow.pipelines.vectors.encoder import LazyEncoder
from topicflow.pipelines.vectors.identity import embedding_identity

# Below this many documents a word model's fit takes a second or two, less than starting
# a process for it (the imports alone take seconds): it fits in a thread here.
APART_MIN_DOCUMENTS = 1_000
# Embedding shards running at once in this process: the next starts while one ends.
SHARDS_IN_FLIGHT = 2


def _flow_run_name() -> str:
    params = flow_run.parameters
    config = Path(params["config"]).stem if params.get("config") else "default"
    return f"{corpus_display_name(params.get('corpus'))}-{config}"


@flow(name="topic-analysis", flow_run_name=_flow_run_name)
def topic_analysis(
    corpus: str | None = None,
    config: str | None = None,
    overrides: dict[str, Any] | None = None,
    out: str = "runs",
    store: str | None = None,
    reuse: bool = True,
) -> str:
    """Run the whole analysis on ``corpus`` (the built-in sample when None).

    With ``reuse``, a run whose documents, settings and code equal those of the corpus's
    last complete run is answered from that run (:mod:`topicflow.flows.app.reuse`) instead of
    recomputed. Returns the path of the finished run directory.
    """
    cfg, source, store_path = prepare(corpus, config, overrides, store)
    name = corpus_name(cfg, corpus)
    final, outcome = execute_run(
        cfg,
        source,
        store_path,
        out,
        name,
        lambda r: _analyse(r, reuse),
        config_file=config,
        task_runner=_task_runner_name(),
    )
    get_run_logger().info("run directory: %s", final)
    publish_artifacts(final, outcome.documents.summary(), outcome.metrics)
    return str(final)


@dataclass
class _Modelled:
    """Every model's topics for every document, however they were obtained."""

    prepared: Preprocessed
    corpus: PreparedCorpus  # tokens, vocabulary and vectors the models read
    identity: str | None  # of the vectors: model, settings and the backend that ran
    topic_sets: dict[str, TopicSet]  # in the config's order
    coordinates: np.ndarray  # the 2-D document map
    models: dict[str, TopicModel] | None = None  # when fitted in this run
    trees: dict[str, TopicTree] | None = None  # each model's levels (tree.json), when fitted
    leaves: dict[str, np.ndarray] | None = None  # each document's node at the finest level


def _analyse(r: RunContext, reuse: bool) -> Outcome:
    """Every stage, writing into the staging run directory (or the answer of an identical
    earlier run, when ``reuse`` and there is one).
    """
    documents = ingest_corpus(r.source, r.cfg.corpus, r.store).record(r.manifest, "ingest")
    require_documents(documents, r.cfg.required_documents())
    r.manifest.update(corpus={**documents.summary(), "history_name": r.name})
    key = run_key(documents.fingerprint, r.cfg)
    previous = find_reusable(r.history, r.name, key) if reuse else None
    if previous is not None:
        get_run_logger().info("%s", reuse_message(previous))
        return answer_from(previous, r, documents, key)
    r.manifest.update(run_key=key)
    if r.cfg.update == "incremental":
        modelled, update = _incremental(r, documents)
    else:
        modelled, update = _fit(r, documents), {"performed": "full", "reason": "update: full"}
    r.manifest.update(update=update)
    topic_sets, cfg = modelled.topic_sets, r.cfg

    write_topics(r.path, topic_sets, modelled.trees)
    if modelled.trees:
        write_trees(r.path, modelled.trees)
    write_assignments(
        r.path,
        documents,
        topic_sets,
        modelled.coordinates,
        modelled.leaves,
        texts=modelled.prepared.texts,
    )
    key = compare_key(documents.fingerprint, modelled.identity, topic_sets, cfg)
    corpus = _unwalked(modelled.corpus)
    metrics = compare(topic_sets, corpus, documents.labels, cfg, r.store, key)
    metrics = {"preprocess": modelled.prepared.summary(), **metrics.record(r.manifest, "compare")}
    times = _unwalked(documents.times)
    timed = over_time(topic_sets, corpus, times, cfg, metrics["comparisons"])
    metrics["over_time"] = timed.record(r.manifest, "over_time")
    if cfg.stability.seeds:
        check = stability_check(corpus, cfg, topic_sets)
        metrics["stability"] = check.record(r.manifest, "stability")
    topics = {name: topic_set.records() for name, topic_set in topic_sets.items()}
    metrics["drift"] = _drift(r, topics, metrics["models"])
    metrics["lives"] = run_lives(r, topics, metrics["drift"], len(documents))
    write_metrics(r.path, metrics)
    report(r.path).record(r.manifest, "report")
    return Outcome(documents, topics, metrics, update)


def _fit(r: RunContext, documents: Corpus) -> _Modelled:
    """Fit every listed model from scratch (or take it from the store's caches)."""
    cfg, manifest = r.cfg, r.manifest
    key = preprocess_key(documents.fingerprint, cfg)
    prepared = preprocess(documents.texts, cfg, r.store, key).record(manifest, "preprocess")
    # Models that read only tokens start at once and run while the documents are embedded;
    # those that need vectors start when the vectors are there. Each records its own stage.
    words_only = [n for n in cfg.models if not spec(n).needs_vectors]
    # Beside an embedding in this process they fit in a low-priority process of their own
    # (flows/orchestration/apart.py): in threads here they slow the embedding down.
    apart = cfg.needs_vectors() and _in_this_process() and len(documents) >= APART_MIN_DOCUMENTS
    plain = _prepared_corpus(r, prepared, None)
    plain = plain.words_only() if apart else plain
    futures = {n: _submit_fit(r, n, plain, documents.fingerprint, None, apart) for n in words_only}
    vectors, identity, embedder = _embed(r, prepared) if cfg.needs_vectors() else (None,) * 3
    corpus = _prepared_corpus(r, prepared, vectors, embedder)
    vectorised = [n for n in cfg.models if n not in futures]
    for name in vectorised:
        futures[name] = _submit_fit(r, name, corpus, documents.fingerprint, identity)
    # The document map is the layout of the models that read vectors (or of the vectors,
    # or of the tokens): it is drawn while the word-only models finish and levels are set.
    laid_out = {n: futures[n].result().value for n in vectorised}
    key = map_key(documents.fingerprint, identity, laid_out, cfg)
    drawn = _submit(
        "document_map", draw_map, _unwalked(laid_out), _unwalked(corpus), cfg.seed, r.store, key
    )
    # Stages are recorded in the config's order, whichever model finished first.
    models = {name: futures[name].result().record(manifest, name) for name in cfg.models}
    # The matched level (a mixture family's refit there) runs as a task, on a worker too.
    key = levels_key(documents.fingerprint, identity, models, cfg)
    levelled = _submit(
        "levels", set_levels, _unwalked(models), _unwalked(corpus), cfg, r.store, key
    )
    models = levelled.result().record(manifest, "levels")
    # Levels, trees and names before topics.json and the incremental state are written,
    # so an incremental update keeps the level and names of its fit.
    fingerprint = documents.fingerprint
    trees = fit_trees(
        models, corpus, cfg, namer=lambda sets, c, _: _name(r, sets, c, fingerprint, identity)
    )
    coordinates = drawn.result().record(manifest, "document_map")
    topic_sets = {name: model.topics_ for name, model in models.items()}
    leaves = {name: leaf_nodes(models[name], tree) for name, tree in trees.items()}
    return _Modelled(prepared, corpus, identity, topic_sets, coordinates, models, trees, leaves)


def _name(r: RunContext, topic_sets: dict, corpus, fingerprint: str, identity) -> dict:
    """The topic sets named by the (cached) naming stage."""
    key = names_key(fingerprint, identity, _identity(r.cfg), topic_sets, r.cfg)
    staged = name_topics(topic_sets, _unwalked(corpus), r.cfg, r.store, key)
    names = staged.record(r.manifest, "name_topics")
    return {key: replace(topics, names=names[key]) for key, topics in topic_sets.items()}


def _prepared_corpus(
    r: RunContext,
    prepared: Preprocessed,
    vectors: np.ndarray | None,
    embedder: EmbedderConfig | None = None,
):
    # Phrases and words go through the documents' embedding cache: a re-run names its
    # topics without loading the model when it has embedded every text before. They are
    # embedded like the documents (``embedder``: the backend the run decided on).
    models, vectors_cache = cache_dir(r.store, "models"), cache_dir(r.store, "embeddings")
    encoder = LazyEncoder(embedder or r.cfg.embedder, models, vectors_cache)
    return prepared_corpus(prepared, vectors, encoder)


def _submit_fit(
    r: RunContext, name: str, corpus, fingerprint: str, identity: str | None, apart: bool = False
):
    key = model_key(name, fingerprint, identity, r.cfg)
    return _submit(name, fit_model, name, _unwalked(corpus), r.cfg, r.store, key, apart)


def _submit(stage: str, task, *args):
    """``task.submit(*args)``. A task on a Dask worker tells this process's watchdog of
    ``limits.stage_timeout_s`` nothing, so it is timed from its submission to its end."""
    future = task.submit(*args)
    if not _in_this_process():
        key = ("submitted", id(future))
        stage_started(stage, key)
        future.add_done_callback(lambda _: stage_ended(key))
    return future


def _embed(r: RunContext, prepared: Preprocessed) -> tuple[np.ndarray, str, EmbedderConfig]:
    """The document vectors, their identity and the embedder settings that made them:
    one backend for the whole run, the configured one or torch after a fallback."""
    texts, config = prepared.texts, r.cfg.embedder
    decision = None
    if backend_undecided(texts, config, r.store):
        decision = _submit("embed", embedding_backend, config, r.store).result()
        config, fallback = decision.value
        if fallback:
            r.manifest.update(embedding_fallback=fallback)
    # Embedding is split into shards, separate tasks that a Dask cluster spreads out. In this
    # process at most SHARDS_IN_FLIGHT run at once: they share its cores, and each holds a
    # view of the cache and its vectors (a million documents started 100 shards together
    # and held 5.6 GB); a cluster gets them all.
    window = SHARDS_IN_FLIGHT if _in_this_process() else None
    # Held while the shards run, so that they all read one view of the cache, indexed once.
    view = cache_view(config, r.store) if config.cache else None

    def submit(shard: list[str], label: str) -> Any:
        return _submit("embed", embed_shard, shard, config, r.store, label)

    results = shard_results(texts, config.shard_size, submit, window)
    # Kept in a file in the store (the page cache holds them, not this process: see
    # pipelines/io/disk_array.py), for a million documents 1.5 GB.
    scratch = cache_dir(r.store, "scratch")
    merged = merge_shards(results, len(texts), config.cache, decision, scratch)
    vectors = merged.record(r.manifest, "embed")
    del view
    r.manifest.update(embedding_backend=config.backend)
    return vectors, embedding_identity(**config.identity_params()), config


def _identity(cfg: Config) -> str:
    return embedding_identity(**cfg.embedder.identity_params())


def _incremental(r: RunContext, documents: Corpus) -> tuple[_Modelled, dict[str, Any]]:
    """Place new documents in the last fit's topics, or refit when that no longer holds."""
    cfg, manifest = r.cfg, r.manifest
    hashes = document_hashes(documents.texts)
    key = fitted_state_key(r.name, _identity(cfg), cfg)
    found, state = load_entry(r.store, "fitted-state", key)
    plan = plan_update(state if found else None, hashes, cfg.incremental, cfg.models)
    if plan.incremental:
        prepared = incremental_preprocess(_unwalked(state), documents.texts, hashes)
        prepared = prepared.record(manifest, "preprocess")
        vectors, identity, embedder = _embed(r, prepared) if cfg.needs_vectors() else (None,) * 3
        corpus = _prepared_corpus(r, prepared, vectors, embedder)
        plan = check_novelty(plan, state, hashes, corpus, cfg.incremental)
    if plan.incremental:
        result = update_topics(_unwalked(state), hashes, _unwalked(corpus))
        result = result.record(manifest, "update")
        save_entry(r.store, "fitted-state", key, result.state)
        modelled = _Modelled(
            prepared,
            corpus,
            identity,
            result.topic_sets,
            result.coordinates,
            trees=result.trees,
            leaves=result.leaves,
        )
    else:
        # The refit merges the vectors into a file of its own: let the placing's go first.
        corpus = vectors = None
        modelled = _fit(r, documents)
        state = fitted_state(
            hashes,
            modelled.prepared,
            modelled.models,
            modelled.coordinates,
            modelled.trees,
            modelled.leaves,
        )
        save_entry(r.store, "fitted-state", key, state)
    get_run_logger().info("update: %s (%s)", plan.record()["performed"], plan.reason)
    return modelled, {**plan.record(), "state": key}


def _drift(
    r: RunContext, topics: dict[str, list[dict]], quality: dict[str, dict]
) -> dict[str, Any]:
    """How the topics moved since the last successful run of this corpus (``quality``:
    each model's metrics, whose ``background`` lists the words its fit set aside)."""
    run_id = r.manifest.data["run_id"]
    previous = r.history.previous_success(r.name, run_id) if r.history is not None else None
    return drift_since(
        previous.run_id if previous else None,
        previous.finished_at.isoformat() if previous and previous.finished_at else None,
        previous.topics if previous else {},
        topics,
        r.cfg.history.drift_threshold,
        {name: numbers.get("background", []) for name, numbers in quality.items()},
    )


def _unwalked(value: Any) -> Any:
    """A large argument (token lists, a fitted state) for a task, marked so that Prefect
    does not walk every token looking for futures to wait on: about a second per task on
    BBC News. Only for tasks in this process: Dask rebuilds the marker, a tuple, as a plain
    tuple, and pickling the value for a worker costs more than the walk anyway."""
    return quote(value) if _in_this_process() else value


def _in_this_process() -> bool:
    """Whether submitted tasks run in threads of this process."""
    context = FlowRunContext.get()
    return isinstance(context.task_runner if context else None, ThreadPoolTaskRunner)


def _task_runner_name() -> str | None:
    context = FlowRunContext.get()
    return type(context.task_runner).__name__ if context and context.task_runner else None
