"""Cache keys of the expensive steps: inputs, the settings that matter, and the step's code.

Prefect's own ``TASK_SOURCE`` policy would hash only the thin task wrapper, so an edit
to the maths in ``pipelines`` would silently reuse stale results. Each stage here names
only its entry modules, those whose functions the stage calls; its key holds the
:mod:`~topicflow.flows.app.code_identity` of everything they import (transitively) and
of the libraries they use, so no list of modules is kept by hand.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from topicflow.flows.app.code_identity import code_identity
from topicflow.pipelines.config import Config
from topicflow.pipelines.io.store import cache_key
from topicflow.pipelines.models.topicset import TopicSet

# A stage whose key names its tokens by the corpus and the preprocessing settings (not
# by the tokens themselves) also depends on the preprocessing code.
_PREPROCESS = ("topicflow.pipelines.text.preprocess",)
_LDA = (*_PREPROCESS, "topicflow.pipelines.models.lda.model")
_EMBEDDING = (
    *_PREPROCESS,
    "topicflow.pipelines.models.embedding.model",
    "topicflow.pipelines.models.embedding.cluster",  # the document map
    "topicflow.pipelines.vectors.embedder",  # word vectors for MMR
)
STAGE_ENTRIES: dict[str, tuple[str, ...]] = {
    "preprocess": _PREPROCESS,
    "lda": _LDA,
    "embedding-topics": _EMBEDDING,
    # Topic sets enter the key by content, so the model code is not the comparison's.
    "compare": (*_PREPROCESS, "topicflow.pipelines.evaluate.compare"),
    # The state is built from a full fit of both models, then updated incrementally.
    "fitted-state": (*_LDA, *_EMBEDDING, "topicflow.pipelines.analysis.incremental"),
}


def stage_code(stage: str, root: str | Path | None = None) -> str:
    """The identity of the code behind a cached stage (``root``: see ``code_identity``)."""
    return code_identity(*STAGE_ENTRIES[stage], root=root)


def lda_key(corpus_fingerprint: str, cfg: Config) -> str:
    return cache_key(
        "lda",
        corpus_fingerprint,
        cfg.preprocess.model_dump(),
        cfg.lda.model_dump(),
        cfg.seed,
        cfg.top_words,
        stage_code("lda"),
    )


def embedding_topics_key(corpus_fingerprint: str, embedder_identity: str, cfg: Config) -> str:
    return cache_key(
        "embedding-topics",
        corpus_fingerprint,
        embedder_identity,
        cfg.preprocess.model_dump(),
        cfg.umap.model_dump(),
        cfg.hdbscan.model_dump(),
        cfg.embedding_topics.model_dump(),
        cfg.seed,
        cfg.top_words,
        stage_code("embedding-topics"),
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


def preprocess_key(corpus_fingerprint: str, cfg: Config) -> str:
    return cache_key(
        "preprocess",
        corpus_fingerprint,
        cfg.preprocess.model_dump(),
        stage_code("preprocess"),
    )


def compare_key(
    corpus_fingerprint: str, vectors_identity: str, lda: TopicSet, emb: TopicSet, cfg: Config
) -> str:
    """The comparison of exactly these topics and assignments on exactly this corpus."""
    return cache_key(
        "compare",
        corpus_fingerprint,
        vectors_identity,
        cfg.preprocess.model_dump(),
        cfg.compare.model_dump(),
        _topics_digest(lda),
        _topics_digest(emb),
        stage_code("compare"),
    )


def _topics_digest(topic_set: TopicSet) -> str:
    digest = hashlib.sha256(repr((topic_set.words, topic_set.weights)).encode())
    for array in (topic_set.assignments, topic_set.probabilities, topic_set.word_distributions):
        if array is not None:
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
