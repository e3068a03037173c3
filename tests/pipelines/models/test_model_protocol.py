"""Every registered model family keeps the protocol: the same checks for each, so a new
family is tested the moment it is registered."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.corpora import Dictionary
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score

from tests.planted import block_corpus
from topicflow.pipelines.config import Config
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.registry import MODELS
from topicflow.pipelines.models.topicset import UNASSIGNED

N_TOPICS = 3


def _corpus(docs, truth, seed: int = 0, vocabulary=None) -> PreparedCorpus:
    """Planted blocks whose vectors lie in one orthogonal blob per block."""
    rng = np.random.default_rng(seed)
    vectors = np.eye(8)[truth] + rng.normal(scale=0.1, size=(len(truth), 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vocabulary = vocabulary or Dictionary(docs)
    return PreparedCorpus([" ".join(d) for d in docs], docs, vocabulary, vectors)


def _model(name: str, seed: int = 0):
    """Model ``name`` configured for a tiny planted corpus through the config tree."""
    overrides = {
        "lda": {"n_topics": N_TOPICS},
        "nmf": {"n_topics": N_TOPICS},
        "embedding": {"umap": {"n_neighbors": 10}, "hdbscan": {"min_cluster_size": 10}},
    }
    cfg = Config.model_validate({name: overrides.get(name, {})})
    return MODELS[name].build(cfg.model_section(name), seed=seed, top_words=10)


@pytest.fixture(scope="module")
def planted():
    docs, truth, _ = block_corpus(n_topics=N_TOPICS, docs_per_topic=30, seed=0)
    return docs, truth


@pytest.mark.parametrize("name", list(MODELS))
def test_a_model_recovers_planted_blocks_and_places_new_documents(name, planted):
    docs, truth = planted
    corpus = _corpus(docs, truth)
    with pytest.raises(NotFittedError):
        _model(name).transform(corpus)
    model = _model(name).fit(corpus)
    topics = model.topics_
    assert topics.n_topics == N_TOPICS and all(len(w) == 10 for w in topics.words)
    assert len(topics.assignments) == len(docs) and len(topics.probabilities) == len(docs)
    assert adjusted_rand_score(truth, topics.assignments) == 1.0
    assert sum(topics.sizes()) == len(docs) - int(np.sum(topics.assignments == UNASSIGNED))

    new_docs, new_truth, _ = block_corpus(n_topics=N_TOPICS, docs_per_topic=2, seed=4)
    placed, scores = model.transform(_corpus(new_docs, new_truth, 1, corpus.vocabulary))
    block = {t: np.bincount(topics.assignments[np.array(truth) == t]).argmax() for t in range(3)}
    assert list(placed) == [block[t] for t in new_truth] and len(scores) == len(new_docs)


@pytest.mark.parametrize("name", list(MODELS))
def test_same_seed_same_topics(name, planted):
    docs, truth = planted
    first, second = (_model(name, seed=3).fit(_corpus(docs, truth)) for _ in range(2))
    assert first.topics_.words == second.topics_.words
    np.testing.assert_array_equal(first.topics_.assignments, second.topics_.assignments)


@pytest.mark.parametrize("name", [n for n, s in MODELS.items() if s.needs_vectors])
def test_a_model_that_reads_vectors_says_so_without_them(name, planted):
    docs, _ = planted
    bare = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs))
    with pytest.raises(ValueError, match="needs document vectors; the corpus has none"):
        _model(name).fit(bare)


@pytest.mark.parametrize("name", [n for n, s in MODELS.items() if not s.needs_vectors])
def test_a_model_that_reads_only_words_fits_the_same_without_the_texts(name, planted):
    # Such a model fits in a process of its own on words_only(), whose texts raise when
    # read: a family that came to read them would fail here, not find none there.
    docs, truth = planted
    corpus = _corpus(docs, truth)
    without = corpus.words_only()
    with pytest.raises(RuntimeError, match="sent without its texts"):
        without.texts[0]
    whole, words_only = _model(name, seed=2).fit(corpus), _model(name, seed=2).fit(without)
    assert words_only.topics_.words == whole.topics_.words
    np.testing.assert_array_equal(words_only.topics_.assignments, whole.topics_.assignments)
