"""Stability refits: built as the run's models are, at the level the run asked for."""

from __future__ import annotations

import pytest
from gensim.corpora import Dictionary

from tests.planted import block_corpus
from topicflow.pipelines.analysis.pipeline import grow_model
from topicflow.pipelines.config import load_config
from topicflow.pipelines.evaluate.stability import stability
from topicflow.pipelines.models.base import PreparedCorpus


def test_refits_are_set_to_the_level_the_run_asked_for_not_the_count_it_reported():
    """A mixture model reports fewer topics than the run asked for when it sets generic
    topics apart; a refit asked for the reported count would set as many apart again.
    The run's topics say what was asked (``n_topics_requested``), and refits use it."""
    docs, _, _ = block_corpus(n_topics=4)
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs))
    cfg = load_config(overrides={"models": ["nmf"], "nmf": {"n_topics": 4}})
    base = grow_model("nmf", corpus, cfg).set_level(4, corpus).topics_
    assert base.n_topics == 4
    base.extra["n_topics_requested"] = 2  # as if the run had asked for 2 and got 4
    got = stability(corpus, cfg, {"nmf": base}, seeds=[1, 2])
    assert got["models"]["nmf"]["metrics"]["n_topics"]["mean"] == pytest.approx((4 + 2 + 2) / 3)
    # Without it (a model that reports what it was asked for) refits take the count.
    del base.extra["n_topics_requested"]
    got = stability(corpus, cfg, {"nmf": base}, seeds=[1])
    assert got["models"]["nmf"]["metrics"]["n_topics"]["mean"] == 4
