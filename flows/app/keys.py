"""Cache keys of the expensive steps: inputs, the settings that matter, and the step's code.

Prefect's own ``TASK_SOURCE`` policy would hash only the thin task wrapper, so an edit
to the maths in ``pipelines`` would silently reuse stale results. Each stage here names
only its entry modules, those whose functions the stage calls; its key holds the
:mod:`~topicflow.flows.app.code_identity` of everything they import (transitively) and
of the libraries they use, so no list of modules is kept by hand. A model's entry is
its estimator's module, from the registry (which imports it by name, out of sight of
an import graph).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from topicflow.flows.app.code_identity import code_identity
from topicflow.pipelines.config import Config
from topicflow.pipelines.io.store import cache_key
from topicflow.pipelines.models.registry import MODELS, spec

# A stage whose key names its tokens by the corpus and the preprocessing settings (not
# by the tokens themselves) also depends on the preprocessing code.
_PREPROCESS = ("topicflow.pipelines.text.preprocess",)


def _model_entries(name: str) -> tuple[str, ...]:
    # Any model may embed words with the run's encoder: the granularity rule does on
    # corpora of very short documents, the embedding model for MMR.
    return (*_PREPROCESS, spec(name).estimator_module, "topicflow.pipelines.vectors.encoder")


STAGE_ENTRIES: dict[str, tuple[str, ...]] = {
    "preprocess": _PREPROCESS,
    **{f"model-{name}": _model_entries(name) for name in MODELS},
    # Models enter by their own keys; the levels are set by the models' code.
    "levels": (
        *(e for name in MODELS for e in _model_entries(name)),
        "topicflow.pipelines.analysis.levels",
    ),
    # Models enter the map's key by their own keys; the map's code is the pipeline's.
    "document-map": ("topicflow.pipelines.analysis.pipeline",),
    # Likewise the names (the pipeline imports models.names); phrases are embedded too.
    "name-topics": (
        "topicflow.pipelines.analysis.pipeline",
        "topicflow.pipelines.vectors.encoder",
    ),
    # Topic sets enter the key by content, so the model code is not the comparison's.
    "compare": (
        *_PREPROCESS,
        "topicflow.pipelines.evaluate.compare",
        "topicflow.pipelines.vectors.encoder",
    ),
    # The state is built from a full fit of the models and their names, then updated
    # incrementally (the names stay as fitted).
    "fitted-state": (
        *(e for name in MODELS for e in _model_entries(name)),
        "topicflow.pipelines.models.names",
        "topicflow.pipelines.analysis.incremental",
    ),
}


def stage_code(stage: str, root: str | Path | None = None) -> str:
    """The identity of the code behind a cached stage (``root``: see ``code_identity``)."""
    return code_identity(*STAGE_ENTRIES[stage], root=root)


def preprocess_key(corpus_fingerprint: str, cfg: Config) -> str:
    return cache_key(
        "preprocess", corpus_fingerprint, cfg.preprocess.model_dump(), stage_code("preprocess")
    )


def model_key(name: str, corpus_fingerprint: str, vectors_identity: str | None, cfg: Config) -> str:
    """One model fitted on one corpus: its section, the seed, the tokens' settings, the
    vectors when it reads them, the embedding settings (the granularity rule may embed
    topic words, see ``granularity.max_unseen_pairs``), and its code."""
    return cache_key(
        "model",
        name,
        corpus_fingerprint,
        vectors_identity if spec(name).needs_vectors else None,
        cfg.embedder.identity_params(),
        cfg.preprocess.model_dump(),
        cfg.model_section(name).model_dump(),
        cfg.granularity.model_dump(),
        cfg.seed,
        cfg.top_words,
        stage_code(f"model-{name}"),
    )


def levels_key(
    corpus_fingerprint: str, vectors_identity: str | None, models: Mapping, cfg: Config
) -> str:
    """The models grown under these keys, set to the matched level."""
    return _of_models("levels", corpus_fingerprint, vectors_identity, models, cfg)


def map_key(
    corpus_fingerprint: str, vectors_identity: str | None, models: Mapping, cfg: Config
) -> str:
    """The document map: the layout of the models fitted under these keys, or without one
    (no model given, or none with a layout), of these vectors or these tokens."""
    return cache_key(
        "document-map",
        corpus_fingerprint,
        vectors_identity,
        cfg.preprocess.model_dump(),
        cfg.seed,
        [model_key(n, corpus_fingerprint, vectors_identity, cfg) for n in models],
        stage_code("document-map"),
    )


def _of_models(
    stage: str, corpus_fingerprint: str, vectors_identity: str | None, models: Mapping, cfg
) -> str:
    """A stage whose inputs are the models fitted under their keys, and its code."""
    return cache_key(
        stage,
        [model_key(n, corpus_fingerprint, vectors_identity, cfg) for n in models],
        stage_code(stage),
    )


def names_key(
    corpus_fingerprint: str,
    vectors_identity: str | None,
    encoder_identity: str,
    topic_sets: Mapping,
    cfg: Config,
) -> str:
    """The names of exactly these topics (every level of every model's tree) on this
    corpus: their words and documents, the texts and tokens the phrases come from, the
    vectors (the topics' centroids), the model that embeds the phrases, and the naming
    settings."""
    return cache_key(
        "name-topics",
        corpus_fingerprint,
        cfg.preprocess.model_dump(),
        [(repr(key), _topics_digest(t)) for key, t in topic_sets.items()],
        vectors_identity,
        encoder_identity,
        cfg.naming.model_dump(),
        stage_code("name-topics"),
    )


def fitted_state_key(corpus_name: str, embedder_identity: str, cfg: Config) -> str:
    """The incremental state of one corpus under the settings that shape its models.

    Not the corpus fingerprint: the state is meant for the next, grown corpus. Settings
    that only read the models (history, comparison, stability, update policy) are left
    out, so changing them keeps the state.
    """
    models = cfg.model_dump(
        mode="json", exclude={"history", "update", "incremental", "compare", "stability"}
    )
    models["corpus"].pop("min_documents", None)
    return cache_key(
        "fitted-state", corpus_name, embedder_identity, models, stage_code("fitted-state")
    )


def compare_key(
    corpus_fingerprint: str, vectors_identity: str | None, topic_sets: Mapping, cfg: Config
) -> str:
    """The comparison of exactly these topics and assignments on exactly this corpus (and
    the embedding settings: the topics' words are embedded for their word cosine)."""
    return cache_key(
        "compare",
        corpus_fingerprint,
        vectors_identity,
        cfg.embedder.identity_params(),
        cfg.preprocess.model_dump(),
        cfg.compare.model_dump(),
        [(name, _topics_digest(t)) for name, t in topic_sets.items()],
        stage_code("compare"),
    )


def _topics_digest(topic_set) -> str:
    digest = hashlib.sha256(repr((topic_set.words, topic_set.weights)).encode())
    for array in (topic_set.assignments, topic_set.probabilities, topic_set.word_distributions):
        if array is not None:
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
