"""Cache keys of the expensive steps: inputs, the settings that matter, and the step's code.

Prefect's own ``TASK_SOURCE`` policy would hash only the thin task wrapper, so an edit
to the maths in ``pipelines`` would silently reuse stale results; each key here
hashes the source of the ``pipelines`` modules the step runs instead.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Mapping

import numpy as np
from topicflow.pipelines.analysis import incremental, pipeline
from topicflow.pipelines.config import Config
from topicflow.pipelines.evaluate import alignment, coherence, compare
from topicflow.pipelines.io.store import cache_key, code_fingerprint
from topicflow.pipelines.models import base, topicset, words
from topicflow.pipelines.models.registry import spec
from topicflow.pipelines.text import clean, preprocess, stopwords

_TOKENS_CODE = (preprocess, clean, stopwords)


def _model_code(name: str) -> list:
    module = importlib.import_module(spec(name).estimator.partition(":")[0])
    return [module, base, topicset, words, coherence, alignment]


def preprocess_key(corpus_fingerprint: str, cfg: Config) -> str:
    return cache_key(
        "preprocess",
        corpus_fingerprint,
        cfg.preprocess.model_dump(),
        code_fingerprint(*_TOKENS_CODE, pipeline),
    )


def model_key(name: str, corpus_fingerprint: str, vectors_identity: str | None, cfg: Config) -> str:
    """One model fitted on one corpus: its section, the seed, the tokens' settings, the
    vectors when it reads them, and its code."""
    uses_vectors = vectors_identity if spec(name).needs_vectors else None
    return cache_key(
        "model",
        name,
        corpus_fingerprint,
        uses_vectors,
        cfg.preprocess.model_dump(),
        cfg.model_section(name).model_dump(),
        cfg.seed,
        cfg.top_words,
        code_fingerprint(*_TOKENS_CODE, *_model_code(name)),
    )


def map_key(
    corpus_fingerprint: str, vectors_identity: str | None, models: Mapping, cfg: Config
) -> str:
    """The document map of the models fitted under these keys."""
    return cache_key(
        "document-map",
        [model_key(n, corpus_fingerprint, vectors_identity, cfg) for n in models],
        code_fingerprint(pipeline),
    )


def fitted_state_key(corpus_name: str, embedder_identity: str, cfg: Config) -> str:
    """The incremental state of one corpus under the settings that shape its models.

    Not the corpus fingerprint: the state is meant for the next, grown corpus. Settings
    that only read the models (history, comparison, stability, update policy) are left
    out, so changing them keeps the state.
    """
    code = code_fingerprint(
        *_TOKENS_CODE, *{m for n in cfg.models for m in _model_code(n)}, incremental
    )
    models = cfg.model_dump(
        mode="json", exclude={"history", "update", "incremental", "compare", "stability"}
    )
    models["corpus"].pop("min_documents", None)
    return cache_key("fitted-state", corpus_name, embedder_identity, models, code)


def compare_key(
    corpus_fingerprint: str,
    vectors_identity: str | None,
    topic_sets: Mapping,
    cfg: Config,
) -> str:
    """The comparison of exactly these topics and assignments on exactly this corpus."""
    code = code_fingerprint(*_TOKENS_CODE, compare, alignment, coherence, words, topicset)
    return cache_key(
        "compare",
        corpus_fingerprint,
        vectors_identity,
        cfg.preprocess.model_dump(),
        cfg.compare.model_dump(),
        [(name, _topics_digest(t)) for name, t in topic_sets.items()],
        code,
    )


def _topics_digest(topic_set) -> str:
    digest = hashlib.sha256(repr((topic_set.words, topic_set.weights)).encode())
    for array in (topic_set.assignments, topic_set.probabilities, topic_set.word_distributions):
        if array is not None:
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
