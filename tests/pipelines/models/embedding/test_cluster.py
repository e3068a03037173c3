"""UMAP + HDBSCAN on planted blobs, determinism, sampling; outliers, the tree, topic words."""

from __future__ import annotations

import subprocess
import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.corpora import Dictionary
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from tests.planted import block_corpus
from topicflow.pipelines import blocks
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.embedding import cluster
from topicflow.pipelines.models.embedding.cluster import (
    EmbeddingClusterer,
    cluster_sizes,
    document_map,
)
from topicflow.pipelines.models.embedding.config import EmbeddingTopicsConfig
from topicflow.pipelines.models.embedding.model import EmbeddingTopicModel
from topicflow.pipelines.models.embedding.topics import reassign_outliers
from topicflow.pipelines.models.words import count_matrix


def blobs(n_per: int = 60, centers: int = 4, seed: int = 0):
    x, y = make_blobs(
        n_samples=[n_per] * centers, n_features=32, cluster_std=1.0, random_state=seed
    )
    return x.astype(np.float32), y


def family_blobs(n_per: int = 40, seed: int = 0):
    """Four blobs in two families: blobs 2f and 2f + 1 sit 8.5 apart (their points are
    about 5.7 from their centre, but 1 along the line between the centres), blobs of
    different families 37 to 39 apart."""
    rng = np.random.default_rng(seed)
    bases = rng.normal(size=(2, 32))
    bases *= 25 / np.linalg.norm(bases, axis=1, keepdims=True)
    centres = np.array([bases[t // 2] + 6 * np.eye(32)[t] for t in range(4)])
    x, y = make_blobs(n_samples=[n_per] * 4, centers=centres, cluster_std=1.0, random_state=seed)
    return x.astype(np.float32), y


@pytest.fixture(scope="module")
def planted():
    x, y = blobs()
    return x, y


def test_blobs_are_recovered(planted):
    x, y = planted
    model = EmbeddingClusterer(n_neighbors=10, min_cluster_size=15, random_state=0).fit(x)
    clustered = model.labels_ >= 0
    assert clustered.mean() > 0.9
    assert adjusted_rand_score(y[clustered], model.labels_[clustered]) == 1.0
    assert model.reduced_.shape == (len(x), 5)


@pytest.mark.parametrize(
    ("n", "sizes"),
    [
        (5, (5, 5)),
        (293, (10, 10)),
        (20_000, (10, 10)),
        (20_001, (11, 10)),
        (200_000, (100, 10)),
        (1_000_000, (500, 10)),
    ],
)
def test_auto_min_cluster_size_is_ten_then_a_two_thousandth(n, sizes):
    # The density estimate (min_samples) stays at 10 documents.
    assert cluster_sizes("auto", None, n) == sizes


def test_explicit_cluster_sizes_are_kept_and_clipped_to_the_corpus():
    assert cluster_sizes(50, None, 1_000_000) == (50, None)
    assert cluster_sizes(50, 7, 30) == (30, 7)
    assert cluster_sizes("auto", 3, 1_000_000) == (500, 3)


def test_auto_min_cluster_size_clusters_a_small_corpus_as_ten(planted):
    x, _ = planted
    auto = EmbeddingClusterer(n_neighbors=10, random_state=0).fit(x)
    ten = EmbeddingClusterer(n_neighbors=10, min_cluster_size=10, random_state=0).fit(x)
    assert auto.min_cluster_size_ == ten.min_cluster_size_ == 10
    np.testing.assert_array_equal(auto.labels_, ten.labels_)


def test_min_cluster_size_must_be_auto_or_a_count():
    with pytest.raises(ValueError, match="min_cluster_size"):
        EmbeddingTopicsConfig(hdbscan={"min_cluster_size": "tiny"})
    assert EmbeddingTopicsConfig().min_documents() == 11


def test_same_seed_same_clusters(planted):
    x, _ = planted
    a = EmbeddingClusterer(n_neighbors=10, min_cluster_size=15, random_state=3).fit(x)
    b = EmbeddingClusterer(n_neighbors=10, min_cluster_size=15, random_state=3).fit(x)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.reduced_, b.reduced_)


def test_umap_fitted_on_a_sample_still_finds_the_blobs(planted):
    x, y = planted
    model = EmbeddingClusterer(n_neighbors=10, min_cluster_size=15, fit_sample=120, random_state=0)
    labels = model.fit(x).labels_
    assert adjusted_rand_score(y[labels >= 0], labels[labels >= 0]) == 1.0


def test_umap_maps_the_rest_a_block_at_a_time_deterministically(planted, monkeypatch):
    # Five blocks of 50 rows instead of one: still the blobs, and the same every time.
    monkeypatch.setattr(cluster, "TRANSFORM_BLOCK", 50)
    x, y = planted
    a, b = (
        EmbeddingClusterer(n_neighbors=10, min_cluster_size=15, fit_sample=120, random_state=0).fit(
            x
        )
        for _ in range(2)
    )
    assert adjusted_rand_score(y[a.labels_ >= 0], a.labels_[a.labels_ >= 0]) == 1.0
    np.testing.assert_array_equal(a.reduced_, b.reduced_)
    assert a.reduced_.shape == (len(x), 5)


def test_the_document_map_fitted_on_a_sample_keeps_the_blobs_apart(planted):
    x, y = planted
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        model = EmbeddingClusterer(n_neighbors=10, min_cluster_size=15, random_state=0).fit(x)
        xy = document_map(model.reduced_, 0, 10, fit_sample=120)
    # Seeded UMAPs are asked for one thread, so none warns that its seed overrode more.
    assert not [w for w in shown if "n_jobs" in str(w.message)]
    assert xy.shape == (len(x), 2) and len(x) > 120
    # Every document's nearest other document on the map lies in its own blob.
    distance = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    np.fill_diagonal(distance, np.inf)
    assert np.array_equal(y[distance.argmin(axis=1)], y)


def _topics_on_blobs(config: EmbeddingTopicsConfig, noise: int = 0, families: bool = False):
    """Four blobs whose documents use four disjoint vocabularies, plus far-away noise points.

    With ``families``, blobs 0 and 1 lie near each other, and so do blobs 2 and 3 (each
    pair also shares half its words, which the tree does not read: it merges by the
    leaves' vectors).
    """
    x, y = family_blobs(n_per=40) if families else blobs(n_per=40)
    block_docs, truth, blocks = block_corpus(n_topics=4, docs_per_topic=40)
    # Document i of the corpus is written in the vocabulary of the blob it lies in.
    pools = {t: [d for d, dt in zip(block_docs, truth, strict=True) if dt == t] for t in range(4)}
    docs = [pools[int(label)].pop() for label in y]
    if families:
        docs = [
            [f"family{int(label) // 2}w{w[-1]}" if j % 2 else w for j, w in enumerate(doc)]
            for doc, label in zip(docs, y, strict=True)
        ]
    if noise:
        rng = np.random.default_rng(1)
        x = np.vstack([x, rng.uniform(-40, 40, size=(noise, x.shape[1])).astype(np.float32)])
        docs = docs + [["stray", "words"]] * noise
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs), vectors=x)
    model = EmbeddingTopicModel(config.model_copy(update=_BLOB_CLUSTERING), random_state=0)
    return model.fit(corpus).topics_, y, blocks


_BLOB_CLUSTERING = {
    "umap": EmbeddingTopicsConfig().umap.model_copy(update={"n_neighbors": 10}),
    "hdbscan": EmbeddingTopicsConfig().hdbscan.model_copy(update={"min_cluster_size": 15}),
}


@pytest.mark.parametrize("word_score", ["pointwise_kl", "ctfidf"])
def test_topic_words_come_from_the_cluster_vocabulary(word_score):
    topics, y, blocks = _topics_on_blobs(EmbeddingTopicsConfig(word_score=word_score))
    assert topics.n_topics == 4
    assert adjusted_rand_score(y, topics.assignments[: len(y)]) == 1.0
    for words in topics.words:
        assert any(set(words) <= set(block) for block in blocks)
    assert topics.extra["hdbscan_min_cluster_size"] == 15  # in metrics.json


def test_the_tree_joins_the_most_similar_topics_first():
    topics, y, _ = _topics_on_blobs(EmbeddingTopicsConfig(n_topics=2), families=True)
    assert topics.n_topics == 2 and topics.extra["n_leaves"] == 4
    assert adjusted_rand_score(y // 2, topics.assignments) == 1.0


def _reassign(strategy: str, threshold: float):
    """Three topics of ten documents on orthogonal axes, plus two outliers: one close to
    topic 0 (in embedding space and in words) and one unlike anything."""
    axes = np.eye(8, dtype=np.float32)
    embeddings = np.vstack([np.repeat(axes[t : t + 1], 10, axis=0) for t in range(3)])
    embeddings = np.vstack([embeddings, 0.9 * axes[0] + 0.1 * axes[1], axes[7]])
    labels = np.array([t for t in range(3) for _ in range(10)] + [-1, -1])
    docs = [[f"topic{t}", f"word{t}"] for t in range(3) for _ in range(10)]
    docs += [["topic0", "word0", "extra"], ["unrelated", "stuff"]]
    vocabulary = Dictionary(docs)
    config = EmbeddingTopicsConfig(outliers={"strategy": strategy, "threshold": threshold})
    clustered = SimpleNamespace(reduced_=embeddings)  # the space HDBSCAN clustered in
    return reassign_outliers(labels, embeddings, count_matrix(docs, vocabulary), clustered, config)


@pytest.mark.parametrize("strategy", ["centroid", "cosine", "ctfidf"])
def test_outliers_are_reassigned_only_above_the_threshold(strategy):
    assert _reassign(strategy, 0.5)[-2:].tolist() == [0, -1]
    assert _reassign(strategy, 0.9999)[-2:].tolist() == [-1, -1]
    assert (_reassign(strategy, -1)[-2:] >= 0).all()
    assert _reassign(strategy, 0.5)[:30].tolist() == [t for t in range(3) for _ in range(10)]


@pytest.mark.parametrize(("threshold", "placed"), [(0.5, 0), (0.7, 1), (0.9, -1)])
def test_an_outlier_joins_the_leaf_nearest_where_hdbscan_clustered(threshold, placed):
    """The outlier is more like leaf 1 in the embedding space (cosine 0.8 against 0.6) but
    lies next to leaf 0 in the space the leaves were drawn in: it joins leaf 0 while that
    cosine clears the threshold, else the most similar leaf if that one's does."""
    axes = np.eye(4, dtype=np.float32)
    embeddings = np.vstack([np.repeat(axes[:1], 10, 0), np.repeat(axes[1:2], 10, 0)])
    embeddings = np.vstack([embeddings, 0.6 * axes[0] + 0.8 * axes[1]])
    reduced = np.array([[0.0, 0.0]] * 10 + [[10.0, 0.0]] * 10 + [[1.0, 0.0]])
    labels = np.array([0] * 10 + [1] * 10 + [-1])
    config = EmbeddingTopicsConfig(outliers={"strategy": "centroid", "threshold": threshold})
    counts = sp.csr_matrix((21, 1))
    got = reassign_outliers(labels, embeddings, counts, SimpleNamespace(reduced_=reduced), config)
    assert got[-1] == placed and got[:20].tolist() == labels[:20].tolist()


def test_outliers_are_placed_alike_in_one_block_and_in_many(monkeypatch):
    """Blocks of 7 outliers place each one as a single block does (cosines to the bit),
    and every outlier all alone as well: noise at random, 12 leaves, two spaces."""
    rng = np.random.default_rng(3)
    embeddings = rng.normal(size=(300, 16)).astype(np.float32)
    reduced = rng.normal(size=(300, 5)).astype(np.float32)
    labels = np.where(rng.random(300) < 0.4, -1, rng.integers(0, 12, 300))
    config = EmbeddingTopicsConfig(outliers={"strategy": "centroid", "threshold": 0.0})
    clustered = SimpleNamespace(reduced_=reduced)
    counts = sp.csr_matrix((300, 1))
    monkeypatch.setattr(blocks, "ROW_BLOCK", 16_384)
    whole = reassign_outliers(labels, embeddings, counts, clustered, config)
    monkeypatch.setattr(blocks, "ROW_BLOCK", 7)
    assert reassign_outliers(labels, embeddings, counts, clustered, config).tolist() == (
        whole.tolist()
    )
    # Each outlier by hand: the nearest UMAP centre if its cosine reaches 0, else the
    # most similar leaf (if that one's does).
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    sums = np.array([unit[labels == t].sum(axis=0) for t in range(12)])
    means = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    centres = np.array([reduced[labels == t].mean(axis=0) for t in range(12)])
    for i in np.flatnonzero(labels < 0):
        cosine = means @ unit[i]
        near = int(np.argmin(((centres - reduced[i]) ** 2).sum(axis=1)))
        expected = near if cosine[near] >= 0 else int(np.argmax(cosine))
        assert whole[i] == (expected if cosine[expected] >= 0 else -1)


def test_all_noise_stays_unassigned():
    config = EmbeddingTopicsConfig(outliers={"strategy": "centroid", "threshold": -1})
    labels = np.full(4, -1)
    got = reassign_outliers(labels, np.eye(4), sp.csr_matrix((4, 1)), None, config)
    assert got.tolist() == [-1] * 4


@pytest.mark.parametrize("strategy", ["soft", "ctfidf"])
def test_other_outlier_strategies_assign_everything_at_the_lowest_threshold(strategy):
    config = EmbeddingTopicsConfig(outliers={"strategy": strategy, "threshold": -1})
    topics, y, _ = _topics_on_blobs(config, noise=8)
    assert topics.unassigned_share() == 0
    assert adjusted_rand_score(y, topics.assignments[: len(y)]) == 1.0


def test_mmr_skips_near_duplicate_words():
    vocabulary = Dictionary([["car", "cars", "automobile", "road", "engine"]])
    names = [vocabulary[i] for i in range(len(vocabulary))]
    scores = np.array([[5.0 if w == "car" else 4.9 if w == "cars" else 1.0 for w in names]])
    directions = {
        "car": [1, 0, 0],
        "cars": [0.99, 0.14, 0],
        "automobile": [0.8, 0.6, 0],
        "road": [0.6, 0, 0.8],
        "engine": [0.7, 0.5, 0.5],
    }

    def embed_words(words):
        return np.array([directions[w] for w in words], dtype=np.float32)

    embeddings = np.array([[1.0, 0.0, 0.0]], dtype=np.float32)
    labels = np.array([0])
    from topicflow.pipelines.models.embedding.topics import topic_words

    plain = EmbeddingTopicsConfig()
    diverse = EmbeddingTopicsConfig(mmr_diversity=0.7, mmr_candidates=10)
    words, _ = topic_words(scores, vocabulary, 2, embeddings, labels, plain, embed_words)
    assert words == [["car", "cars"]]
    words, _ = topic_words(scores, vocabulary, 2, embeddings, labels, diverse, embed_words)
    assert words[0][0] == "car" and words[0][1] != "cars"


def test_umap_and_pynndescent_kernels_are_kept_on_disk_except_those_keyed_per_process():
    from numba.core.caching import NullCache
    from pynndescent import distances, pynndescent_
    from umap import umap_

    from topicflow.pipelines.models.embedding.cluster import _persist_umap_kernels

    _persist_umap_kernels()
    for kept in (umap_.compute_membership_strengths, distances.euclidean):
        assert not isinstance(kept._cache, NullCache), kept
    # nn_descent takes the distance kernel as an argument: a new cache entry every process.
    assert isinstance(pynndescent_.nn_descent._cache, NullCache)


@pytest.mark.subprocess
def test_clustering_a_large_corpus_starts_no_worker_processes():
    """Above 16,384 points hdbscan's default computes core distances in 4 joblib worker
    processes, 830 MB that then idle for the rest of the run. In a fresh interpreter: a
    process here may have joblib workers from another test already."""
    script = """
import numpy as np, psutil
from sklearn.datasets import make_blobs
from topicflow.pipelines.models.embedding.cluster import _hdbscan
x, y = make_blobs(n_samples=16_500, n_features=5, centers=4, random_state=0)
labels = _hdbscan(15, None, "eom").fit_predict(x)
print(len(psutil.Process().children(recursive=True)), len(set(labels) - {-1}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0", "4"]
