"""Matched levels and the trees written to tree.json, on a planted corpus."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from gensim.corpora import Dictionary
from sklearn.metrics import adjusted_rand_score

from tests.planted import block_corpus
from topicflow.pipelines.analysis.levels import (
    leaf_nodes,
    level_facts,
    match_levels,
    matched_levels,
    tree_levels,
    tree_shape,
)
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.lda.config import LdaConfig
from topicflow.pipelines.models.lda.model import LdaModel
from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.nmf.model import NmfModel
from topicflow.pipelines.models.tree import TopicTree


@pytest.fixture(scope="module")
def fitted():
    docs, truth, _ = block_corpus(n_topics=4, docs_per_topic=30, seed=1)
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs))
    models = {
        "nmf": NmfModel(NmfConfig(n_topics=8), random_state=0).fit(corpus),
        "lda": LdaModel(LdaConfig(n_topics=4, passes=3), random_state=0).fit(corpus),
    }
    return models, corpus, np.array(truth)


def test_models_are_reported_at_one_count_every_model_has(fitted):
    models, corpus, truth = fitted
    try:
        levels = match_levels(models, corpus, GranularityConfig())
        assert levels == {"nmf": 4, "lda": 4}  # NMF chose 8, but LDA has only 4 leaves
        assert models["nmf"].topics_.n_topics == 4
        assert adjusted_rand_score(truth, models["nmf"].topics_.assignments) == 1.0
        models["nmf"].set_level(8, corpus)
        unmatched = match_levels(models, corpus, GranularityConfig(match_levels=False))
        assert unmatched == {"nmf": 8, "lda": 4}
    finally:
        models["nmf"].set_level(8, corpus)


def test_the_tree_file_is_consistent_and_leaves_lead_to_the_reported_topics(fitted):
    models, corpus, truth = fitted
    model = models["nmf"]
    model.set_level(4, corpus)
    try:
        levels = tree_levels(model, corpus)
        tree = tree_shape(model, levels)
    finally:
        model.set_level(8, corpus)
    assert tree.levels == [2, 4, 8] and tree.reported == 4 and tree.preferred == 8
    nodes = {node.id: node for node in tree.nodes}
    assert len(nodes) == 2 + 4 + 8
    for node in nodes.values():
        if node.children:
            assert sum(nodes[c].size for c in node.children) == node.size
            assert all(nodes[c].parent == node.id for c in node.children)
        if node.parent is not None:
            assert node.id in nodes[node.parent].children
    reported = sorted((n for n in nodes.values() if n.level == 4), key=lambda n: n.topic)
    assert [n.topic for n in reported] == [0, 1, 2, 3]
    assert [n.words for n in reported] == levels[4].words
    # Each document's finest node leads, through its parents, to its reported topic.
    finest = leaf_nodes(model, tree)
    for doc, node_id in enumerate(finest):
        node = nodes[int(node_id)]
        while node.level != 4:
            node = nodes[node.parent]
        assert node.topic == levels[4].assignments[doc]
    # The planted themes are the reported level's topics.
    assert adjusted_rand_score(truth, levels[4].assignments) == 1.0


def test_level_facts_score_every_shown_level_when_the_count_was_fixed(fitted):
    models, corpus, _ = fitted
    facts = level_facts(models["lda"], corpus)
    assert facts["n_leaves"] == 4 and facts["n_topics_preferred"] == 4
    assert facts["n_topics_requested"] == 4
    assert [level["n_topics"] for level in facts["levels"]] == [2, 4]
    two, four = facts["levels"]
    assert four["npmi"] > two["npmi"]  # merging planted themes mixes their words
    assert four["largest_share"] == pytest.approx(0.25)


def test_without_a_count_every_model_admits_each_keeps_its_own():
    """NMF's rule finds catch-alls below the 4 planted themes; LDA was fixed at 3 leaves:
    no count suits both, so neither is forced into the other's."""
    docs, _, _ = block_corpus(n_topics=4, docs_per_topic=30, seed=1)
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs))
    rule = GranularityConfig(min_topics=2, max_topics=8, documents_per_leaf=15)
    models = {
        "nmf": NmfModel(NmfConfig(), random_state=0, granularity=rule).fit(corpus),
        "lda": LdaModel(LdaConfig(n_topics=3, passes=3), random_state=0).fit(corpus),
    }
    assert models["nmf"].preferred_ == 4
    assert match_levels(models, corpus, rule) == {"nmf": 4, "lda": 3}


def test_a_model_that_finds_no_topic_has_no_tree_and_breaks_nothing():
    """HDBSCAN can find no cluster in a small, shapeless corpus: every document stays
    unassigned, new ones too, and the other model is matched, treed and compared alone."""
    from topicflow.pipelines.analysis.pipeline import compare, fit_model, fit_trees
    from topicflow.pipelines.config import load_config
    from topicflow.pipelines.models.embedding.config import EmbeddingTopicsConfig
    from topicflow.pipelines.models.embedding.model import EmbeddingTopicModel

    rng = np.random.default_rng(0)
    docs = [[f"w{rng.integers(50)}" for _ in range(8)] for _ in range(30)]
    vectors = rng.normal(size=(30, 16)).astype(np.float32)
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs), vectors)
    shapeless = EmbeddingTopicsConfig(hdbscan={"min_cluster_size": 25})
    embedding = EmbeddingTopicModel(shapeless, random_state=0).fit(corpus)
    assert embedding.tree_.n_leaves == 0 and embedding.topics_.unassigned_share() == 1.0
    assert (embedding.transform(corpus)[0] == -1).all() and embedding.novel(corpus).all()
    cfg = load_config(overrides={"lda": {"n_topics": 3}, "naming": {"enabled": False}})
    models = {"lda": fit_model("lda", corpus, cfg), "embedding": embedding}
    trees = fit_trees(models, corpus, cfg)
    assert list(trees) == ["lda"] and models["lda"].level_ == 3
    assert embedding.topics_.extra["levels"] == []
    metrics = compare({n: m.topics_ for n, m in models.items()}, corpus, None, cfg)
    assert metrics["models"]["embedding"]["n_topics"] == 0
    assert metrics["comparisons"][0]["groups"] == []


@dataclass
class _Grown:
    """What matched_levels reads of a grown model: its rule's numbers per cut and the
    grown tree's leaves (the tree around a reported level can have fewer)."""

    preferred_: int
    refits_levels: bool
    levels_: list[dict]
    n_grown_leaves_: int = 40
    tree_: TopicTree = field(default_factory=lambda: TopicTree(40, (), (), ()))


def _cuts(largest: dict[int, float] | None = None) -> list[dict]:
    largest = largest or {}
    return [
        {"n_topics": k, "score": 0.1, "diversity": 0.9, "catch_alls": 0, "largest_share": s}
        for k in range(2, 41)
        for s in [largest.get(k, 0.1)]
    ]


def test_the_models_that_can_only_cut_their_tree_lead_the_matched_level():
    rule = GranularityConfig()
    mixture = _Grown(preferred_=20, refits_levels=True, levels_=_cuts())
    cut_only = _Grown(preferred_=31, refits_levels=False, levels_=_cuts())
    # A refitting family reads as well at 31 as at 20; the tree cut to 20 would merge.
    assert matched_levels({"lda": mixture, "embedding": cut_only}, rule) == {
        "lda": 31,
        "embedding": 31,
    }
    # Matched again after a mixture family set generic topics apart (its tree around the
    # level then has fewer leaves), the count is the same: a run's level is stable.
    mixture.tree_ = TopicTree(25, (), (), ())
    assert matched_levels({"lda": mixture, "embedding": cut_only}, rule)["lda"] == 31
    mixture.tree_ = TopicTree(40, (), (), ())
    # Only refitting families: the smallest of their choices.
    other = _Grown(preferred_=26, refits_levels=True, levels_=_cuts())
    assert matched_levels({"lda": mixture, "nmf": other}, rule) == {"lda": 20, "nmf": 20}
    # A count with a topic above a quarter of the documents is passed over when a
    # larger one up to the largest choice has none.
    crowded = _Grown(preferred_=5, refits_levels=False, levels_=_cuts({5: 0.3, 6: 0.28}))
    wide = _Grown(preferred_=14, refits_levels=True, levels_=_cuts())
    assert matched_levels({"embedding": crowded, "lda": wide}, rule)["lda"] == 7
    off = GranularityConfig(match_levels=False)
    assert matched_levels({"embedding": crowded, "lda": wide}, off) == {"embedding": 5, "lda": 14}
