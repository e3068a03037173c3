"""The granularity rule on planted themes: the planted count, catch-alls and broad themes."""

from __future__ import annotations

import pytest
from gensim.corpora import Dictionary
from sklearn.metrics import adjusted_rand_score

from tests.planted import block_corpus
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.nmf.model import NmfModel


def _fit(n_themes: int, **rule):
    docs, truth, _ = block_corpus(n_topics=n_themes, docs_per_topic=30, seed=2)
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs))
    granularity = GranularityConfig(min_topics=2, max_topics=8, documents_per_leaf=15, **rule)
    model = NmfModel(NmfConfig(), random_state=0, granularity=granularity).fit(corpus)
    return model, truth


def test_merged_unrelated_themes_are_catch_alls_and_the_planted_count_is_chosen():
    model, truth = _fit(4)
    catch_alls = {level["n_topics"]: level["catch_alls"] for level in model.levels_}
    assert catch_alls[2] == 2 and catch_alls[3] == 1 and catch_alls[4] == 0
    assert model.preferred_ == 4
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0


def test_three_broad_themes_are_not_catch_alls_though_each_holds_a_third():
    model, truth = _fit(3)
    three = next(level for level in model.levels_ if level["n_topics"] == 3)
    assert three["largest_share"] == pytest.approx(1 / 3) and three["catch_alls"] == 0
    assert model.preferred_ == 3
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0


def test_min_topics_above_max_topics_is_refused():
    with pytest.raises(ValueError, match="min_topics"):
        GranularityConfig(min_topics=9, max_topics=4)
