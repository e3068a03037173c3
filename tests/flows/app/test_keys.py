"""The cache keys of the expensive steps change with exactly the settings that change
their results. The code part of the keys is tested in test_code_identity."""

from __future__ import annotations

import numpy as np
import pytest

from topicflow.flows.app.keys import compare_key, model_key
from topicflow.pipelines.config import load_config
from topicflow.pipelines.models.topicset import TopicSet

TOPICS = {
    "lda": TopicSet(
        words=[["bank", "rates"], ["match", "goal"]],
        weights=[[0.6, 0.4], [0.5, 0.5]],
        assignments=np.array([0, 1, 1]),
    )
}
# Settings that change the vectors, hence the words' vectors the granularity rule and
# the comparison score on documents of a few words.
EMBEDDER_CHANGES = [
    {"model": "all-mpnet-base-v2"},
    {"max_seq_length": 128},
    {"backend": "torch"},
    {"normalize": False},
]
# Settings of the embedder that leave every vector as it is.
EMBEDDER_SAME = [{"batch_size": 7}, {"shard_size": 500}]


@pytest.mark.parametrize("change", EMBEDDER_CHANGES)
def test_word_only_models_and_the_comparison_are_keyed_by_the_vectors_settings(change):
    base, changed = load_config(), load_config(overrides={"embedder": change})
    for name in ("lda", "nmf"):
        assert model_key(name, "corpus", None, changed) != model_key(name, "corpus", None, base)
    assert compare_key("corpus", None, TOPICS, changed) != compare_key("corpus", None, TOPICS, base)


@pytest.mark.parametrize("same", EMBEDDER_SAME)
def test_embedder_settings_that_change_no_vector_keep_the_keys(same):
    base, changed = load_config(), load_config(overrides={"embedder": same})
    assert model_key("lda", "corpus", None, changed) == model_key("lda", "corpus", None, base)
    assert compare_key("corpus", None, TOPICS, changed) == compare_key("corpus", None, TOPICS, base)


def test_a_model_key_changes_with_its_own_section_and_the_granularity_rule():
    base = load_config()
    key = model_key("lda", "corpus", None, base)
    assert model_key("lda", "corpus", None, load_config()) == key
    assert model_key("lda", "other", None, base) != key
    for override in ({"lda": {"passes": 3}}, {"granularity": {"max_unseen_pairs": 0.3}}):
        assert model_key("lda", "corpus", None, load_config(overrides=override)) != key
    # Another model's section is not LDA's business.
    assert model_key("lda", "corpus", None, load_config(overrides={"nmf": {"max_iter": 50}})) == key
