"""The ``nmf`` model: a known answer on planted blocks, placement of new documents,
empty documents, and the protocol's errors."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.corpora import Dictionary
from sklearn.metrics import adjusted_rand_score

from tests.planted import block_corpus
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.nmf.model import NmfModel
from topicflow.pipelines.models.topicset import UNASSIGNED


def _corpus(docs: list[list[str]], vocabulary: Dictionary | None = None) -> PreparedCorpus:
    vocabulary = vocabulary or Dictionary(docs)
    return PreparedCorpus([" ".join(d) for d in docs], docs, vocabulary)


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_blocks_are_recovered_exactly(seed):
    docs, truth, blocks = block_corpus(n_topics=4, seed=seed)
    model = NmfModel(NmfConfig(n_topics=4), random_state=seed, top_words=12).fit(_corpus(docs))
    topics = model.topics_
    assert sorted(sorted(words) for words in topics.words) == sorted(sorted(b) for b in blocks)
    assert adjusted_rand_score(truth, topics.assignments) == 1.0
    assert np.all((topics.probabilities > 0.5) & (topics.probabilities <= 1.0))
    # The topic-word distributions the comparison aligns on are distributions.
    np.testing.assert_allclose(topics.word_distributions.sum(axis=1), 1.0)
    assert topics.weights[0] == sorted(topics.weights[0], reverse=True)


def test_new_documents_join_their_block_and_empty_ones_stay_unassigned():
    docs, truth, _ = block_corpus(n_topics=3, seed=0)
    corpus = _corpus(docs)
    model = NmfModel(NmfConfig(n_topics=3), random_state=0).fit(corpus)
    fresh, fresh_truth, _ = block_corpus(n_topics=3, docs_per_topic=2, seed=5)
    topics, scores = model.transform(_corpus([*fresh, []], corpus.vocabulary))
    block = {t: int(np.bincount(model.topics_.assignments[np.array(truth) == t]).argmax())
             for t in range(3)}  # fmt: skip
    assert list(topics[:-1]) == [block[t] for t in fresh_truth]
    assert topics[-1] == UNASSIGNED and np.isnan(scores[-1])


def test_same_seed_same_topics():
    docs, _, _ = block_corpus(n_topics=3, seed=2)
    fit = [NmfModel(NmfConfig(n_topics=5, init="random"), random_state=3).fit(_corpus(docs))]
    fit.append(NmfModel(NmfConfig(n_topics=5, init="random"), random_state=3).fit(_corpus(docs)))
    assert fit[0].topics_.words == fit[1].topics_.words
    np.testing.assert_array_equal(fit[0].topics_.assignments, fit[1].topics_.assignments)


def test_more_topics_than_documents_is_a_clear_error():
    docs, _, _ = block_corpus(n_topics=2, docs_per_topic=2)
    with pytest.raises(ValueError, match=r"nmf.n_topics is 10, more than the 4 documents"):
        NmfModel(NmfConfig(n_topics=10)).fit(_corpus(docs))
