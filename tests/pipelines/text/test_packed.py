"""Packed tokens read back exactly as the token lists they replace."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from gensim.corpora import Dictionary

from topicflow.pipelines.evaluate import coherence
from topicflow.pipelines.evaluate.coherence import bounded_reference
from topicflow.pipelines.evaluate.windows import TokenIndex
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.lda.estimator import LdaTopicModel
from topicflow.pipelines.models.words import count_matrix
from topicflow.pipelines.text import packed as packed_module
from topicflow.pipelines.text.packed import PackedTokens

DOCS = [["rates", "bank", "rates"], [], ["goal", "match", "unknown"], ["bank"], ["goal"]]
VOCABULARY = Dictionary([["rates", "bank"], ["goal", "match"]])
IN_VOCABULARY = [["rates", "bank", "rates"], [], ["goal", "match"], ["bank"], ["goal"]]


def _random_docs(n: int, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(50)]
    return [[words[j] for j in rng.integers(0, 50, rng.integers(0, 15))] for _ in range(n)]


def test_packing_keeps_each_documents_vocabulary_tokens_in_order():
    packed = PackedTokens.pack(DOCS, VOCABULARY)
    assert len(packed) == 5 and packed.n_tokens == 7
    assert [packed[d] for d in range(5)] == IN_VOCABULARY and list(packed) == IN_VOCABULARY
    assert packed[-1] == ["goal"] and packed == IN_VOCABULARY and packed != DOCS
    assert packed.lengths().tolist() == [3, 0, 2, 1, 1]
    with pytest.raises(IndexError):
        packed[5]
    # Every occurrence of a word is the vocabulary's one string, as the lists shared them.
    assert packed[0][0] is packed[0][2]


def test_take_slice_and_concat_pick_whole_documents():
    packed = PackedTokens.pack(DOCS, VOCABULARY)
    assert list(packed.take([4, 0, 1, 0])) == [["goal"], *IN_VOCABULARY[:2], IN_VOCABULARY[0]]
    assert list(packed.take([])) == [] and list(packed[1:4]) == IN_VOCABULARY[1:4]
    assert list(packed[::-2]) == IN_VOCABULARY[::-2]
    joined = packed.concat(PackedTokens.pack([["match", "bank"]], VOCABULARY))
    assert list(joined) == [*IN_VOCABULARY, ["match", "bank"]]
    with pytest.raises(ValueError, match="two vocabularies"):
        packed.concat(PackedTokens.pack([["x"]], Dictionary([["x"]])))


def test_ids_take_two_bytes_up_to_a_vocabulary_of_65536_words():
    small = PackedTokens.pack(DOCS, VOCABULARY)
    assert small.ids.dtype == np.uint16 and small.take([2, 0]).ids.dtype == np.uint16
    vocabulary = Dictionary([[f"w{i}" for i in range(70_000)]])
    large = PackedTokens.pack([["w69999", "w1"], ["w65536"]], vocabulary)
    assert large.ids.dtype == np.int32 and list(large) == [["w69999", "w1"], ["w65536"]]
    assert large.ids.max() > 65_535  # ids past two bytes survive
    counts = count_matrix(large, vocabulary)
    assert counts[0, vocabulary.token2id["w69999"]] == counts[1, vocabulary.token2id["w65536"]] == 1


def test_take_gathers_a_block_of_documents_at_a_time(monkeypatch):
    monkeypatch.setattr(packed_module, "TAKE_BLOCK", 2)
    packed = PackedTokens.pack(DOCS, VOCABULARY)
    rows = [4, 0, 2, 2, 1, 3, 0]
    assert list(packed.take(rows)) == [IN_VOCABULARY[r] for r in rows]
    with pytest.raises(TypeError, match="boolean mask"):
        packed.take(np.array([True, False, True, False, True]))


def test_counts_read_off_the_ids_only_in_the_vocabulary_they_were_packed_with():
    docs = [["b", "a", "b"], ["c"]]
    packed = PackedTokens.pack(docs, Dictionary([["a", "b", "c"]]))
    renumbered = Dictionary([["c", "b"], ["a"]])  # the same words, other ids
    assert not packed.numbered_as(renumbered.token2id)
    from_ids, from_lists = count_matrix(packed, renumbered), count_matrix(docs, renumbered)
    assert (from_ids != from_lists).nnz == 0


def test_counts_and_coherence_index_are_those_of_the_lists():
    docs = _random_docs(300)
    vocabulary = Dictionary(docs)
    packed = PackedTokens.pack(docs, vocabulary)
    from_ids, from_lists = count_matrix(packed, vocabulary), count_matrix(docs, vocabulary)
    assert from_ids.has_sorted_indices and from_ids.dtype == from_lists.dtype
    assert (from_ids != from_lists).nnz == 0 and from_ids.shape == from_lists.shape
    index, built = packed.token_index(), TokenIndex.build(docs, vocabulary.token2id)
    assert np.array_equal(index.ids, built.ids) and np.array_equal(index.starts, built.starts)
    topics = [["w1", "w2", "w3"], ["w7", "w9", "w0", "w4"]]
    packed_npmi = bounded_reference(packed, vocabulary).npmi(topics)
    assert packed_npmi == bounded_reference(docs, vocabulary).npmi(topics)


def test_a_sampled_reference_takes_the_same_documents(monkeypatch):
    docs = _random_docs(400, seed=1)
    vocabulary = Dictionary(docs)
    monkeypatch.setattr(coherence, "REFERENCE_TOKENS", 1_000)
    packed = bounded_reference(PackedTokens.pack(docs, vocabulary), vocabulary)
    lists = bounded_reference(docs, vocabulary)
    assert packed.sampled and isinstance(packed.tokens, PackedTokens)
    assert packed.tokens == lists.tokens and packed.facts() == lists.facts()


def test_pickled_as_two_arrays_and_the_vocabulary():
    packed = PackedTokens.pack(_random_docs(2_000), Dictionary(_random_docs(2_000)))
    blob = pickle.dumps(packed)
    back = pickle.loads(blob)
    assert back == packed and back.ids.dtype == np.uint16
    # 2 bytes a token and 8 a document, plus the 50 words: not a walk over every token.
    assert len(blob) < 2 * packed.n_tokens + 8 * len(packed) + 2_000


def test_the_corpus_packs_lists_and_lda_reads_the_same_either_way():
    docs = _random_docs(200, seed=2)
    vocabulary = Dictionary(docs)
    corpus = PreparedCorpus(["text"] * len(docs), docs, vocabulary)
    assert isinstance(corpus.tokens, PackedTokens) and corpus.tokens == docs
    assert list(corpus.subset([3, 1]).tokens) == [docs[3], docs[1]]
    lda = LdaTopicModel(n_topics=3, passes=2, random_state=0).fit(docs, vocabulary=vocabulary)
    # gensim's inference draws its start from the model's generator: each from the same state.
    assert np.array_equal(copy.deepcopy(lda).transform(corpus.tokens), lda.transform(docs))
    again = LdaTopicModel(n_topics=3, passes=2, random_state=0)
    assert np.allclose(again.fit(corpus.tokens, vocabulary=vocabulary).components_, lda.components_)
