"""Cache keys of the expensive steps: inputs, the settings that matter, and the step's code.

Prefect's own ``TASK_SOURCE`` policy would hash only the thin task wrapper, so an edit
to the maths in ``pipelines`` would silently reuse stale results; each key here
hashes the source of every ``pipelines`` module the step runs instead.
"""

from __future__ import annotations

import hashlib

import numpy as np
from topicflow.pipelines.analysis import incremental
from topicflow.pipelines.config import Config
from topicflow.pipelines.evaluate import alignment, coherence, compare
from topicflow.pipelines.io.store import cache_key, code_fingerprint
from topicflow.pipelines.models import topicset as topics
from topicflow.pipelines.models import words as represent
from topicflow.pipelines.models.embedding import cluster
from topicflow.pipelines.models.embedding import model as embedding_topics
from topicflow.pipelines.models.lda import estimator as lda
from topicflow.pipelines.models.lda import model as classical
from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.text import clean as textclean
from topicflow.pipelines.text import preprocess, stopwords

_TOKENS_CODE = (preprocess, textclean, stopwords)


def lda_key(corpus_fingerprint: str, cfg: Config) -> str:
    code = code_fingerprint(*_TOKENS_CODE, lda, classical, coherence, represent, topics)
    return cache_key(
        "lda",
        corpus_fingerprint,
        cfg.preprocess.model_dump(),
        cfg.lda.model_dump(),
        cfg.seed,
        cfg.top_words,
        code,
    )


def embedding_topics_key(corpus_fingerprint: str, embedder_identity: str, cfg: Config) -> str:
    code = code_fingerprint(*_TOKENS_CODE, cluster, embedding_topics, represent, topics)
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
        code,
    )


def fitted_state_key(corpus_name: str, embedder_identity: str, cfg: Config) -> str:
    """The incremental state of one corpus under the settings that shape its models.

    Not the corpus fingerprint: the state is meant for the next, grown corpus. Settings
    that only read the models (history, comparison, stability, update policy) are left
    out, so changing them keeps the state.
    """
    code = code_fingerprint(
        *_TOKENS_CODE, lda, classical, cluster, embedding_topics, represent, topics, incremental
    )
    models = cfg.model_dump(
        mode="json", exclude={"history", "update", "incremental", "compare", "stability"}
    )
    models["corpus"].pop("min_documents", None)
    return cache_key("fitted-state", corpus_name, embedder_identity, models, code)


def preprocess_key(corpus_fingerprint: str, cfg: Config) -> str:
    return cache_key(
        "preprocess",
        corpus_fingerprint,
        cfg.preprocess.model_dump(),
        code_fingerprint(*_TOKENS_CODE),
    )


def compare_key(
    corpus_fingerprint: str, vectors_identity: str, lda: TopicSet, emb: TopicSet, cfg: Config
) -> str:
    """The comparison of exactly these topics and assignments on exactly this corpus."""
    code = code_fingerprint(*_TOKENS_CODE, compare, alignment, coherence, represent, topics)
    return cache_key(
        "compare",
        corpus_fingerprint,
        vectors_identity,
        cfg.preprocess.model_dump(),
        cfg.compare.model_dump(),
        _topics_digest(lda),
        _topics_digest(emb),
        code,
    )


def _topics_digest(topic_set: TopicSet) -> str:
    digest = hashlib.sha256(repr((topic_set.words, topic_set.weights)).encode())
    for array in (topic_set.assignments, topic_set.probabilities, topic_set.word_distributions):
        if array is not None:
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
