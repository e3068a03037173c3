"""Stability: re-fit both models with other seeds; how much do the metrics and topics move?"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from topicflow.pipelines.config import Config
from topicflow.pipelines.evaluate.compare import model_quality, summarize_runs, topic_recovery
from topicflow.pipelines.models.embedding.model import fit_embedding_topics
from topicflow.pipelines.models.lda.model import fit_classical
from topicflow.pipelines.models.topicset import TopicSet
from topicflow.pipelines.text.preprocess import Preprocessed

SUMMARIZED = ("n_topics", "npmi", "c_v", "u_mass", "diversity", "irbo", "unassigned_share")


def stability(
    prepared: Preprocessed,
    document_vectors: np.ndarray,
    cfg: Config,
    lda: TopicSet,
    embedding: TopicSet,
    seeds: Sequence[int],
) -> dict:
    """Mean and spread of each model's metrics over the run's seed and ``seeds``, and how
    often each of the run's topics is recovered (Jaccard of top words, Hungarian matching)."""
    reference = prepared.reference
    refits: dict[str, list[TopicSet]] = {"lda": [], "embedding": []}
    for seed in seeds:
        _, lda_run = fit_classical(
            prepared.tokens, prepared.vocabulary, cfg.lda, seed, cfg.top_words
        )
        embedding_run, _ = fit_embedding_topics(
            document_vectors,
            prepared.tokens,
            prepared.vocabulary,
            cfg.umap,
            cfg.hdbscan,
            cfg.embedding_topics,
            seed,
            cfg.top_words,
        )
        refits["lda"].append(lda_run)
        refits["embedding"].append(embedding_run)
    result: dict = {"seeds": list(seeds)}
    for name, base in (("lda", lda), ("embedding", embedding)):
        runs = [base, *refits[name]]
        result[name] = {
            "metrics": summarize_runs([model_quality(t, reference) for t in runs], SUMMARIZED),
            "recovery": topic_recovery(
                base.words,
                [t.words for t in refits[name]],
                threshold=cfg.stability.recovery_threshold,
            ),
        }
    return result
