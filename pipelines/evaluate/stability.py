"""Stability: re-fit every model with other seeds; how much do the metrics and topics move?

The re-fits are built exactly as the run's models are (:func:`pipelines.analysis.
pipeline.grow_model`) and set to the level the run reported, so what is measured is
the model that was reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from topicflow.pipelines.analysis.pipeline import grow_model
from topicflow.pipelines.config import Config
from topicflow.pipelines.evaluate.compare import model_quality, summarize_runs, topic_recovery
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.topicset import TopicSet

SUMMARIZED = ("n_topics", "npmi", "c_v", "u_mass", "diversity", "irbo", "unassigned_share")


def stability(
    corpus: PreparedCorpus,
    cfg: Config,
    topic_sets: Mapping[str, TopicSet],
    seeds: Sequence[int],
) -> dict:
    """Per model, mean and spread of its metrics over the run's seed and ``seeds``, and how
    often each of the run's topics is recovered (Jaccard of top words, Hungarian matching)."""
    reference = corpus.reference
    result: dict = {"seeds": list(seeds), "models": {}}
    for name, base in topic_sets.items():
        # The level the run asked for: a mixture family reports fewer topics when its fit
        # has background or generic topics, and a refit asked for fewer would set apart
        # as many again.
        level = base.extra.get("n_topics_requested", base.n_topics)
        refits = [
            grow_model(name, corpus, cfg, seed).set_level(level, corpus).topics_ for seed in seeds
        ]
        result["models"][name] = {
            "metrics": summarize_runs(
                [model_quality(t, reference) for t in [base, *refits]], SUMMARIZED
            ),
            "recovery": topic_recovery(
                base.words, [t.words for t in refits], threshold=cfg.stability.recovery_threshold
            ),
        }
    return result
