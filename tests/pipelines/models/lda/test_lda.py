"""LdaTopicModel: planted recovery, the sklearn contract, determinism, the topic-count sweep."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gensim.corpora import Dictionary
from sklearn.base import clone
from sklearn.decomposition import NMF
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score

from tests.planted import block_corpus
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.expected_warnings import ignore_nmf_convergence
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.lda import estimator
from topicflow.pipelines.models.lda.config import LdaConfig
from topicflow.pipelines.models.lda.estimator import LdaTopicModel, RowCorpus, auto_passes
from topicflow.pipelines.models.lda.model import LdaModel
from topicflow.pipelines.models.words import count_matrix


@pytest.fixture(scope="module")
def planted():
    return block_corpus(n_topics=4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_blocks_are_recovered_exactly(planted, seed):
    # gensim's random start merges two blocks here for seed 0; the NMF start does not.
    docs, truth, blocks = planted
    model = LdaTopicModel(n_topics=4, random_state=seed).fit(docs)
    found = sorted(sorted(words) for words in model.top_words(12))
    assert found == sorted(sorted(block) for block in blocks)
    assert adjusted_rand_score(truth, model.transform(docs).argmax(axis=1)) == 1.0


def test_transform_rows_sum_to_one(planted):
    docs, _, _ = planted
    model = LdaTopicModel(n_topics=4, random_state=0).fit(docs)
    theta = model.transform(docs + [[], ["unknown", "words"]])
    assert theta.shape == (len(docs) + 2, 4)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0, atol=1e-9)
    assert (theta >= 0).all()
    np.testing.assert_allclose(model.components_.sum(axis=1), 1.0, atol=1e-9)


def test_same_seed_same_topics_other_seed_may_differ(planted):
    docs, _, _ = planted
    a = LdaTopicModel(n_topics=3, random_state=5, init="random").fit(docs)
    b = LdaTopicModel(n_topics=3, random_state=5, init="random").fit(docs)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert a.top_words(10) == b.top_words(10)


def test_not_fitted_error_names_the_estimator():
    with pytest.raises(NotFittedError, match="This LdaTopicModel instance is not fitted yet"):
        LdaTopicModel().top_words()
    with pytest.raises(NotFittedError):
        LdaTopicModel().transform([["a"]])


def test_parameters_are_only_stored_until_fit():
    model = LdaTopicModel(n_topics=0, alpha="sometimes")  # no validation in __init__
    assert clone(model).get_params()["alpha"] == "sometimes"
    with pytest.raises(ValueError, match="n_topics must be a positive integer, got 0"):
        model.fit([["a", "b"]])
    with pytest.raises(
        ValueError, match="alpha must be 'symmetric', 'asymmetric', 'auto' or a number"
    ):
        LdaTopicModel(alpha="sometimes").fit([["a", "b"]])


@pytest.mark.parametrize(
    ("n_documents", "passes"),
    [(0, 10), (293, 10), (10_000, 10), (11_112, 9), (18_846, 6), (50_000, 2), (100_000, 1)]
    + [(1_000_000, 1)],
)
def test_auto_passes_make_about_100000_document_visits(n_documents, passes):
    assert auto_passes(n_documents) == passes


def test_auto_passes_fit_as_the_explicit_count_and_find_the_blocks():
    # 20,000 planted documents: "auto" makes 5 passes, the same fit as passes=5.
    docs, truth, blocks = block_corpus(n_topics=4, docs_per_topic=5_000, doc_length=8)
    auto = LdaTopicModel(n_topics=4, passes="auto", random_state=0).fit(docs)
    assert auto.passes_ == 5
    five = LdaTopicModel(n_topics=4, passes=5, random_state=0).fit(docs)
    np.testing.assert_array_equal(auto.components_, five.components_)
    assert sorted(sorted(w) for w in auto.top_words(12)) == sorted(sorted(b) for b in blocks)
    assert adjusted_rand_score(truth[:2_000], auto.transform(docs[:2_000]).argmax(axis=1)) == 1.0


def test_the_nmf_start_of_a_large_corpus_reads_a_seeded_sample(monkeypatch):
    # Above NMF_START_SAMPLE documents the start is the NMF of a seeded sample of them,
    # and it still puts each topic on one planted block.
    monkeypatch.setattr(estimator, "NMF_START_SAMPLE", 100)
    docs, _, blocks = block_corpus(n_topics=4, docs_per_topic=100, doc_length=10)
    vocabulary = Dictionary(docs)
    counts = count_matrix(docs, vocabulary)
    lda = LdaTopicModel(n_topics=4, random_state=3)
    start = lda._nmf_topics(counts)
    rows = np.sort(np.random.default_rng(3).choice(400, 100, replace=False))
    monkeypatch.setattr(estimator, "NMF_START_SAMPLE", 400)
    np.testing.assert_array_equal(start, lda._nmf_topics(counts[rows]))
    tops = [{vocabulary[i] for i in np.argsort(-row)[:12]} for row in start]
    assert sorted(map(sorted, tops)) == sorted(map(sorted, blocks))


@pytest.fixture
def block_counts():
    docs, _, _ = block_corpus(n_topics=4, docs_per_topic=50, doc_length=10)
    return count_matrix(docs, Dictionary(docs))


def test_the_unconverged_nmf_start_warns_nothing_where_every_warning_shows(
    monkeypatch, block_counts
):
    # The start stops at NMF_START_ITERATIONS by design (pipelines/models/expected_warnings.py).
    monkeypatch.setattr(estimator, "NMF_START_ITERATIONS", 1)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        LdaTopicModel(n_topics=4, random_state=3)._nmf_topics(block_counts)
        warnings.warn("a warning still shows", UserWarning, stacklevel=1)
    assert [str(w.message) for w in shown] == ["a warning still shows"]


def test_the_filter_set_at_the_start_outlives_another_threads_warning_block(block_counts):
    # The command sets it before any thread; a block another thread opens later saves
    # a filter list that holds it, so closing that block cannot drop it.
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        ignore_nmf_convergence()  # the command's start
        other = warnings.catch_warnings()  # another thread's block...
        other.__enter__()
        warnings.simplefilter("ignore")
        other.__exit__(None, None, None)  # ...ends: the list it found comes back
        NMF(n_components=4, max_iter=1, random_state=0).fit(block_counts)  # stops at max_iter
    assert shown == []


def test_lda_streams_the_bags_of_words_gensim_would_build():
    # The count matrix's rows are exactly doc2bow's pairs (ids sorted, repeats counted),
    # including an empty document and words outside the vocabulary.
    docs = [["b", "a", "b", "c"], [], ["zzz", "c"], ["a", "a", "a"]]
    vocabulary = Dictionary([["a", "b", "c"]])
    streamed = list(RowCorpus(count_matrix(docs, vocabulary)))
    assert streamed == [vocabulary.doc2bow(doc) for doc in docs]
    assert len(RowCorpus(count_matrix(docs, vocabulary))) == 4
    assert list(RowCorpus(count_matrix(docs, vocabulary))) == streamed  # iterable again


@pytest.mark.parametrize("passes", [0, "sometimes", 2.5])
def test_passes_must_be_auto_or_a_positive_integer(passes):
    with pytest.raises(ValueError, match="passes must be 'auto' or an integer >= 1"):
        LdaTopicModel(n_topics=2, passes=passes).fit([["a", "b"]])


def test_no_words_at_all_is_an_error():
    with pytest.raises(ValueError, match="at least one document with a word"):
        LdaTopicModel(n_topics=2).fit([[], []])


def test_weights_are_topic_word_probabilities(planted):
    docs, _, _ = planted
    model = LdaTopicModel(n_topics=4, random_state=0).fit(docs)
    words, weights = model.top_words(5), model.top_word_weights(5)
    index = model.vocabulary_.token2id
    for t, (ws, ps) in enumerate(zip(words, weights, strict=True)):
        assert ps == [pytest.approx(model.components_[t, index[w]]) for w in ws]


def test_relevance_one_ranks_by_probability(planted):
    docs, _, _ = planted
    model = LdaTopicModel(n_topics=4, random_state=0, relevance=1.0).fit(docs)
    for weights in model.top_word_weights(12):
        assert weights == sorted(weights, reverse=True)


@pytest.mark.parametrize("max_share", [0.25, 1.0])
def test_auto_topic_count_picks_the_planted_count(max_share):
    """Seven leaves on five planted themes: the rule cuts the tree at five, by coherence
    alone (max_share 1) as well as with the size cap."""
    docs, truth, _ = block_corpus(n_topics=5, docs_per_topic=30, seed=3)
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs))
    rule = GranularityConfig(min_topics=2, max_topics=8, max_topic_share=max_share)
    model = LdaModel(LdaConfig(n_topics="auto"), random_state=0, granularity=rule).fit(corpus)
    assert model.tree_.n_leaves == 7  # 150 documents / 20 per leaf
    assert [level["n_topics"] for level in model.levels_] == list(range(2, 8))
    assert [level["n_topics"] for level in model.levels_ if level["chosen"]] == [5]
    assert model.topics_.n_topics == 5
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0
    assert model.topics_.extra["passes"] == 10  # passes: auto, 150 documents


def test_documents_without_words_are_unassigned(planted):
    docs, _, _ = planted
    with_empty = docs + [[]]
    corpus = PreparedCorpus([" ".join(d) for d in with_empty], with_empty, Dictionary(docs))
    topics = LdaModel(LdaConfig(n_topics=4), random_state=0).fit(corpus).topics_
    assert topics.assignments[-1] == -1 and np.isnan(topics.probabilities[-1])
    assert (topics.assignments[:-1] >= 0).all()
    assert topics.unassigned_share() == pytest.approx(1 / len(with_empty))
