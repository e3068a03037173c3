"""Sentence embeddings with the real bundled model, offline, and their cache."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tests.locks import WAIT_S, until, waiters
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.vectors.cache import EmbeddingCache
from topicflow.pipelines.vectors.embedder import SentenceEmbedder, embed_once

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def embedder():
    return SentenceEmbedder().fit()


def test_paraphrases_are_closer_than_unrelated_sentences(embedder):
    vectors = embedder.transform(
        [
            "The central bank raised interest rates to fight inflation.",
            "Interest rates were increased by the central bank to curb rising prices.",
            "The striker scored twice in the second half of the cup final.",
        ]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    paraphrase, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert paraphrase > 0.7 and unrelated < 0.3


def test_chunk_mean_reads_past_the_window():
    opening = "The team won the match. " * 30  # about 180 word pieces, past a 128 window
    text_a = opening + "Stock markets crashed on inflation fears. " * 60
    text_b = opening + "A new telescope found distant galaxies. " * 60
    truncating = SentenceEmbedder(max_seq_length=128).fit()
    chunking = SentenceEmbedder(max_seq_length=128, long_documents="chunk_mean").fit()
    same_start = truncating.transform([text_a, text_b])
    whole = chunking.transform([text_a, text_b])
    assert same_start[0] @ same_start[1] > 0.99  # truncation sees only the shared opening
    assert whole[0] @ whole[1] < 0.95  # the average sees how the documents differ
    np.testing.assert_allclose(np.linalg.norm(whole, axis=1), 1.0, atol=1e-5)
    assert truncating.identity_ != chunking.identity_


def test_cache_embeds_only_unseen_documents(embedder, tmp_path):
    cache = EmbeddingCache(tmp_path / embedder.identity_)
    texts = ["first document", "second document", "third document"]
    first, hits = embedder.transform_cached(texts, cache)
    assert hits == 0 and len(cache) == 3
    again, hits = embedder.transform_cached(texts[::-1] + ["a new one"], cache)
    assert hits == 3 and len(cache) == 4
    np.testing.assert_array_equal(again[:3], first[::-1])
    np.testing.assert_allclose(again[3], embedder.transform(["a new one"])[0], atol=1e-6)


def test_texts_another_caller_is_embedding_are_waited_for_and_read(embedder, tmp_path):
    # Two runs embedding the same shard at once: the second waits for the first's vectors
    # and reads them, loading no model; the cache holds each text once.
    directory = tmp_path / embedder.identity_
    texts = ["first document", "second document", "third document"]
    loads, results = [], {}

    def loading(name: str):
        def load():
            loads.append(name)
            if name == "first":  # nothing stored yet: wait until the second is queued
                (lock,) = directory.glob(".*.lock")
                until(lambda: waiters(lock) == 1)
            return embedder

        return load

    def run(name: str) -> threading.Thread:
        def embed() -> None:
            results[name] = embed_once(texts, EmbeddingCache(directory), loading(name))

        thread = threading.Thread(target=embed)
        thread.start()
        return thread

    first = run("first")
    until(lambda: loads == ["first"])
    second = run("second")
    first.join(WAIT_S), second.join(WAIT_S)
    assert loads == ["first"]
    (vectors, hits), (again, hits_again) = results["first"], results["second"]
    assert (hits, hits_again) == (0, 3)
    np.testing.assert_array_equal(again, vectors)
    assert len(list(directory.glob("*.json"))) == 1  # one shard: no text embedded twice
    assert [p.name for p in directory.iterdir() if p.name.startswith(".")] == []


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match=r"^embedding model not found: .*nowhere is not a model"):
        SentenceEmbedder(model=str(tmp_path / "nowhere")).fit()
    with pytest.raises(
        InputError, match=r"^embedding model 'no-such-org/no-such-model' cannot be loaded offline"
    ):
        SentenceEmbedder(model="no-such-org/no-such-model").fit()
