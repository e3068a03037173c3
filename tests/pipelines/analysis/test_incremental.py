"""``update: incremental`` on planted data: seen documents keep their topics, new ones land
in the topic of their theme, and too much (or too novel) new material triggers a refit."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.pipelines.history.test_history_flow import SMOKE, SUBJECTS, subject_documents
from tests.planted import block_corpus
from topicflow.pipelines.analysis.incremental import (
    NEW_BLOCK,
    _nearest_seen,
    check_novelty,
    document_hashes,
    fitted_state,
    plan_update,
    preprocess_incremental,
    update_topics,
)
from topicflow.pipelines.blocks import ROW_BLOCK
from topicflow.pipelines.config import IncrementalConfig
from topicflow.pipelines.history.database import RunHistory
from topicflow.pipelines.history.location import history_url
from topicflow.pipelines.io.disk_array import disk_array
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.embedding.config import EmbeddingTopicsConfig
from topicflow.pipelines.models.embedding.model import EmbeddingTopicModel
from topicflow.pipelines.models.lda.config import LdaConfig
from topicflow.pipelines.models.lda.model import LdaModel
from topicflow.pipelines.text.clean import Cleaner
from topicflow.pipelines.text.preprocess import Preprocessed, Preprocessor

N_TOPICS = 3


_LETTERS = str.maketrans("0123456789", "abcdefghij")


def _texts(docs: list[list[str]]) -> list[str]:
    """Planted words as text the tokeniser keeps (it drops tokens with digits)."""
    return [" ".join(doc).translate(_LETTERS) for doc in docs]


def _blobs(truth: list[int], seed: int) -> np.ndarray:
    """Unit vectors around one orthogonal direction per topic."""
    rng = np.random.default_rng(seed)
    centres = np.eye(8)[: max(truth) + 1]
    vectors = centres[truth] + rng.normal(scale=0.15, size=(len(truth), 8))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _vectors_only(vectors: np.ndarray, vocabulary) -> PreparedCorpus:
    """Documents known only by their vectors (what novelty looks at)."""
    n = len(vectors)
    return PreparedCorpus([""] * n, [[] for _ in range(n)], vocabulary, vectors)


@pytest.fixture(scope="module")
def fitted():
    """Real LDA and embedding models fitted on a planted 3-block corpus whose vectors lie
    in three orthogonal blobs: the state, texts, hashes, truth and vectors."""
    docs, truth, _ = block_corpus(n_topics=N_TOPICS, docs_per_topic=30, seed=0)
    texts = _texts(docs)
    preprocessor = Preprocessor(stopwords="none", bigrams=False, no_below=1, no_above=1.0)
    tokens = preprocessor.fit_transform(texts)
    cleaner = Cleaner().fit(texts)
    prepared = Preprocessed(texts, tokens, preprocessor.vocabulary_, preprocessor, cleaner)
    vectors = _blobs(truth, seed=0)
    corpus = PreparedCorpus(texts, tokens, prepared.vocabulary, vectors)
    models = {
        "lda": LdaModel(LdaConfig(n_topics=N_TOPICS), random_state=0).fit(corpus),
        "embedding": EmbeddingTopicModel(
            EmbeddingTopicsConfig(umap={"n_neighbors": 10}, hdbscan={"min_cluster_size": 10}),
            random_state=0,
        ).fit(corpus),
    }
    assert models["embedding"].topics_.n_topics == N_TOPICS  # the blobs are found
    coordinates = np.array(truth, dtype=float)[:, None] * [10.0, 0.0] + _blobs(truth, 1)[:, :2]
    hashes = document_hashes(texts)
    state = fitted_state(hashes, prepared, models, coordinates)
    return state, texts, hashes, truth, vectors


def _topic_of_block(state, model: str, truth) -> dict[int, int]:
    topics = state.assignments[model]
    return {t: int(np.bincount(topics[np.array(truth) == t]).argmax()) for t in range(N_TOPICS)}


def test_no_state_or_too_much_new_means_a_full_refit(fitted):
    state, _, hashes, _, _ = fitted
    config = IncrementalConfig(max_new_share=0.2)
    assert plan_update(None, hashes, config).reason.startswith("no fitted models")
    grown = hashes + [f"new{i}" for i in range(30)]  # 30 of 120 = 25 % new
    plan = plan_update(state, grown, config)
    assert not plan.incremental and plan.new_documents == 30
    assert plan.reason == (
        "25.0% of the documents are new since the last full fit (incremental.max_new_share 20.0%)"
    )
    few = hashes + ["new0", "new1"]
    assert plan_update(state, few, config).incremental
    # A state fitted for other models cannot serve this run's.
    assert not plan_update(state, few, config, ("lda", "nmf")).incremental


def test_novel_documents_are_told_apart_from_new_documents_of_known_themes(fitted):
    state, _, _, _, _ = fitted
    model = state.models["embedding"]
    vocabulary = state.preprocessor.vocabulary_
    known = _blobs([0, 1, 2] * 10, seed=5)
    unknown = _blobs([5] * 10, seed=6)  # a direction no topic has
    assert model.novel(_vectors_only(known, vocabulary)).mean() <= 0.2
    assert model.novel(_vectors_only(unknown, vocabulary)).all()
    assert state.models["lda"].novel(_vectors_only(unknown, vocabulary)) is None


def test_seen_documents_keep_their_topics_and_new_ones_join_their_theme(fitted):
    state, texts, hashes, truth, vectors = fitted
    docs, new_truth, _ = block_corpus(n_topics=N_TOPICS, docs_per_topic=2, seed=9)
    new_texts = _texts(docs)
    all_hashes = hashes + document_hashes(new_texts)
    prepared = preprocess_incremental(state, texts + new_texts, all_hashes)
    assert prepared.tokens[: len(texts)] == state.tokens  # reused, not recomputed
    all_vectors = np.vstack([vectors, _blobs(new_truth, seed=7)])
    corpus = PreparedCorpus(prepared.texts, prepared.tokens, prepared.vocabulary, all_vectors)
    result = update_topics(state, all_hashes, corpus)

    n = len(texts)
    assert result.new_documents == len(new_texts)
    for name, model in state.models.items():
        got = result.topic_sets[name]
        assert np.array_equal(got.assignments[:n], state.assignments[name])
        assert got.words == model.topics_.words  # no refit
        # Each new document lands in the topic that holds its planted block.
        block = _topic_of_block(state, name, truth)
        assert [int(t) for t in got.assignments[n:]] == [block[t] for t in new_truth], name
    # ...and on the map, beside the documents of its block.
    assert np.allclose(result.coordinates[n:, 0], np.array(new_truth) * 10.0, atol=1.0)
    assert result.state.hashes == all_hashes and result.state.fitted == state.fitted


def test_novelty_turns_an_incremental_plan_into_a_refit(fitted):
    state, texts, hashes, _, vectors = fitted
    grown = hashes + [f"new{i}" for i in range(10)]
    config = IncrementalConfig(max_new_share=0.5, max_novel_share=0.3)
    plan = plan_update(state, grown, config)
    vocabulary = state.preprocessor.vocabulary_

    def corpus(extra: np.ndarray) -> PreparedCorpus:
        all_vectors = np.vstack([vectors, extra])
        return PreparedCorpus(
            texts + [""] * 10, list(state.tokens) + [[]] * 10, vocabulary, all_vectors
        )

    assert check_novelty(plan, state, grown, corpus(_blobs([0, 1] * 5, seed=3)), config).incremental
    refit = check_novelty(plan, state, grown, corpus(_blobs([6] * 10, seed=4)), config)
    assert not refit.incremental and refit.novel_share == 1.0
    assert "10 new documents fit no existing topic" in refit.reason


def _assignments(run: Path) -> list[tuple[int, int]]:
    """(LDA topic, embedding topic) per document, in corpus order."""
    table = pq.read_table(run / "assignments.parquet").to_pylist()
    return [(row["lda_topic"], row["embedding_topic"]) for row in table]


def _assert_tree_holds(run: Path, model: str, fitted: Path) -> None:
    """``run``'s tree of ``model`` is ``fitted``'s (levels, links, words), and its sizes
    and each document's leaf agree with the run's topics."""
    tree = json.loads((run / "tree.json").read_text())[model]
    fit = json.loads((fitted / "tree.json").read_text())[model]
    assert [(n["id"], n["parent"], n["words"]) for n in tree["nodes"]] == [
        (n["id"], n["parent"], n["words"]) for n in fit["nodes"]
    ]
    nodes = {n["id"]: n for n in tree["nodes"]}
    rows = pq.read_table(run / "assignments.parquet").to_pylist()
    topic_node = {n["topic"]: n["id"] for n in tree["nodes"] if n["topic"] is not None}
    for row in rows:
        node = row[f"{model}_leaf"]
        if row[f"{model}_topic"] == -1:
            assert node == -1
            continue
        while nodes[node]["level"] != tree["reported"]:
            node = nodes[node]["parent"]
        assert node == topic_node[row[f"{model}_topic"]]
    assigned = sum(row[f"{model}_topic"] != -1 for row in rows)
    for level in tree["levels"]:
        assert sum(n["size"] for n in tree["nodes"] if n["level"] == level) == assigned
    for topic in json.loads((run / "topics.json").read_text())[model]:
        assert nodes[topic["node"]]["size"] == topic["size"]


@pytest.mark.slow
def test_incremental_runs_through_the_flow(tmp_path, store, prefect_api):
    from topicflow.flows.orchestration.topic_analysis import topic_analysis

    overrides = {
        "update": "incremental",
        "corpus": {"name": "planted"},
        "preprocess": {"bigrams": False},
        "lda": {"n_topics": 3},
        "embedding": {"hdbscan": {"min_cluster_size": 10}},
    }
    corpus = tmp_path / "stories.cor"
    base = subject_documents(["money", "space", "sport"])
    extra = subject_documents(["money", "space", "sport"], per_subject=33)
    added = [extra[33 * s + 30 + i] for s in range(3) for i in range(3)]  # 9 unseen stories

    def run(texts: list[str]) -> tuple[Path, dict]:
        corpus.write_text("\n".join(texts) + "\n")
        path = Path(
            topic_analysis(str(corpus), SMOKE, overrides, str(tmp_path / "runs"), str(store))
        )
        return path, json.loads((path / "manifest.json").read_text())

    first, manifest = run(base)
    assert manifest["update"]["performed"] == "full"
    assert manifest["update"]["reason"].startswith("no fitted models")

    second, manifest = run(base + added)
    assert manifest["update"]["performed"] == "incremental", manifest["update"]
    assert manifest["update"]["new_documents"] == 9
    assert "update" in manifest["stages"] and "lda" not in manifest["stages"]
    assert manifest["stages"]["embed"]["cache"] == "partial"

    def names(run: Path) -> dict[str, list[str]]:
        topics = json.loads((run / "topics.json").read_text())
        return {model: [t["name"] for t in records] for model, records in topics.items()}

    assert names(second) == names(first)  # an update keeps the names of its fit
    for model in ("lda", "embedding"):
        _assert_tree_holds(second, model, fitted=first)
    assert all(names(first).values()) and "name_topics" not in manifest["stages"]

    before, after = _assignments(first), _assignments(second)
    assert after[: len(base)] == before  # seen documents keep their topics
    subjects = ["money", "space", "sport"]
    # A subject's topic in each model: the one most of its 30 stories got (the embedding
    # clusters of these near-identical stories put a few of one subject beside another's).
    topic_of = {
        subject: Counter(before[30 * i : 30 * i + 30]).most_common(1)[0][0]
        for i, subject in enumerate(subjects)
    }
    assert len(set(topic_of.values())) == 3
    expected = [topic_of[subject] for subject in subjects for _ in range(3)]
    assert after[len(base) :] == expected  # new stories join their subject's topics
    assert (
        json.loads((first / "topics.json").read_text())["lda"][0]["words"]
        == json.loads((second / "topics.json").read_text())["lda"][0]["words"]
    )

    food = subject_documents(["food"])[:12]
    third, manifest = run(base + added + food)
    assert manifest["update"]["performed"] == "full"
    assert "new documents fit no existing topic" in manifest["update"]["reason"]
    assert len(json.loads((third / "topics.json").read_text())["embedding"]) == 4
    modes = [r.update_mode for r in RunHistory(history_url(store)).runs("planted")]
    assert modes == ["full", "incremental", "full"]
    assert set(SUBJECTS["food"]) & set(
        json.loads((third / "metrics.json").read_text())["drift"]["models"]["embedding"]["emerged"][
            0
        ]["words"]
    )


def test_new_documents_find_their_nearest_seen_ones_a_block_at_a_time(tmp_path):
    """Known answer: the blocked search (more new rows than NEW_BLOCK, seen rows over
    three ROW_BLOCKs, vectors in a file) finds neighbours as close as the whole matrix's
    (to float32's rounding, which may swap two all but equally close ones)."""
    rng = np.random.default_rng(7)
    n_new = NEW_BLOCK + 50
    vectors = disk_array((2 * ROW_BLOCK + 100 + n_new, 16), np.float32, tmp_path)
    vectors[:] = rng.standard_normal(vectors.shape)
    order = rng.permutation(len(vectors))
    new, seen = np.sort(order[:n_new]), np.sort(order[n_new:])
    found = _nearest_seen(vectors, new, seen, 10)
    assert found.shape == (len(new), 10)
    assert (np.diff(found, axis=1) > 0).all()  # ten distinct neighbours, in order
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for start in range(0, n_new, 128):
        similarity = unit[new[start : start + 128]] @ unit[seen].T
        expected = -np.sort(-similarity, axis=1)[:, :10]
        got = -np.sort(-np.take_along_axis(similarity, found[start : start + 128], axis=1))
        np.testing.assert_allclose(got, expected, atol=1e-6)
