"""``update: incremental``: keep the fitted topics and place only the new documents in them.

A full fit leaves a :class:`FittedState` in the store: the fitted preprocessor and
LDA model, both models' topics, the embedding topics' centroids, and what each
document (by content hash) was given. The next run of the same corpus and
configuration reuses the tokens and topics of every document it has seen, tokenises
and embeds only the new ones, and assigns them to the existing topics: LDA by
inference with the fitted model, embedding topics by the nearest centroid (the rule
outliers are reassigned by). It refits everything instead when too much is new
(``incremental.max_new_share`` of the corpus since the last full fit) or when too
many new documents fit no existing topic (``incremental.max_novel_share``; a
document fits a topic when it is as close to the topic's centroid as the topic's
own documents were): the topics no longer describe the corpus.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from topicflow.pipelines.config import IncrementalConfig
from topicflow.pipelines.evaluate.alignment import topic_vectors_from_documents, unit_rows
from topicflow.pipelines.models.lda.estimator import LdaTopicModel
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.text.clean import strip_usenet
from topicflow.pipelines.text.preprocess import Preprocessed, Preprocessor

# A new document is novel when it is less similar to its nearest topic's centroid than
# this share of the topic's own documents were at the full fit: a bar relative to each
# topic (and to the embedding model's scale of cosines), not one absolute number.
NOVELTY_PERCENTILE = 5

# A new document's place on the document map: the mean position of this many of its
# nearest seen documents (cosine in the embedding space), as UMAP itself places points.
MAP_NEIGHBOURS = 10


def document_hashes(texts: Sequence[str]) -> list[str]:
    """A content hash per document: what "seen before" means between runs."""
    return [hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] for text in texts]


@dataclass
class FittedState:
    """The fitted models of the last full fit and what they said of every document since."""

    preprocessor: Preprocessor
    lda_model: LdaTopicModel
    lda: TopicSet  # words, weights, distributions; its assignments are not used
    embedding: TopicSet
    centroids: np.ndarray  # unit-length embedding centroid of each embedding topic
    novelty_floor: np.ndarray  # per topic: members' cosine to the centroid, 5th percentile
    fitted: frozenset[str]  # hashes of the documents of the last full fit
    hashes: list[str]  # every document seen, in the order of the columns below
    tokens: list[list[str]]
    lda_topic: np.ndarray
    lda_prob: np.ndarray
    embedding_topic: np.ndarray
    embedding_similarity: np.ndarray
    coordinates: np.ndarray  # n x 2 document-map positions

    def index(self) -> dict[str, int]:
        return {h: i for i, h in enumerate(self.hashes)}


def fitted_state(
    hashes: list[str],
    prepared: Preprocessed,
    lda_model: LdaTopicModel,
    lda: TopicSet,
    embedding: TopicSet,
    vectors: np.ndarray,
    coordinates: np.ndarray,
    fitted: frozenset[str] | None = None,
) -> FittedState:
    """The state a run leaves for the next; ``fitted`` defaults to all of ``hashes``."""
    if prepared.preprocessor is None:
        raise ValueError("the preprocessing was not fitted in this run")
    centroids = topic_vectors_from_documents(vectors, embedding.assignments, embedding.n_topics)
    return FittedState(
        preprocessor=prepared.preprocessor,
        lda_model=lda_model,
        lda=replace(lda, assignments=np.empty(0, dtype=int), probabilities=None),
        embedding=replace(embedding, assignments=np.empty(0, dtype=int), probabilities=None),
        centroids=centroids,
        novelty_floor=_novelty_floor(vectors, embedding.assignments, centroids),
        fitted=frozenset(hashes) if fitted is None else fitted,
        hashes=list(hashes),
        tokens=[list(doc) for doc in prepared.tokens],
        lda_topic=np.asarray(lda.assignments),
        lda_prob=np.asarray(lda.probabilities, dtype=float),
        embedding_topic=np.asarray(embedding.assignments),
        embedding_similarity=np.asarray(embedding.probabilities, dtype=float),
        coordinates=np.asarray(coordinates, dtype=float),
    )


def _novelty_floor(vectors: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    cosine = unit_rows(vectors) @ centroids.T
    floor = np.full(len(centroids), np.inf)  # an empty topic fits nothing new
    for topic in range(len(centroids)):
        members = cosine[labels == topic, topic]
        if len(members):
            floor[topic] = np.percentile(members, NOVELTY_PERCENTILE)
    return floor


def novel(state: FittedState, vectors: np.ndarray) -> np.ndarray:
    """Which vectors no fitted topic holds: below the nearest topic's novelty floor."""
    if len(vectors) == 0 or len(state.centroids) == 0:
        return np.ones(len(vectors), dtype=bool)
    best, cosine = _nearest_centroid(state, vectors)
    return cosine < state.novelty_floor[best]


def _nearest_centroid(state: FittedState, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each vector's most similar embedding-topic centroid and that cosine."""
    similarity = unit_rows(vectors) @ state.centroids.T
    best = similarity.argmax(axis=1)
    return best, similarity[np.arange(len(vectors)), best]


@dataclass(frozen=True)
class UpdatePlan:
    incremental: bool
    reason: str
    new_documents: int = 0
    new_share: float | None = None
    novel_share: float | None = None

    def record(self) -> dict[str, Any]:
        """The manifest's ``update`` entry: what happened and why."""
        return {
            "performed": "incremental" if self.incremental else "full",
            "reason": self.reason,
            "new_documents": self.new_documents,
            "new_share": None if self.new_share is None else round(self.new_share, 6),
            "novel_share": None if self.novel_share is None else round(self.novel_share, 6),
        }


def plan_update(
    state: FittedState | None, hashes: Sequence[str], config: IncrementalConfig
) -> UpdatePlan:
    """Incremental unless there is no state or too much is new since the last full fit."""
    if state is None:
        return UpdatePlan(False, "no fitted models of this corpus and configuration yet")
    new_documents = sum(1 for h in hashes if h not in state.fitted)
    share = new_documents / max(1, len(hashes))
    if share > config.max_new_share:
        reason = (
            f"{share:.1%} of the documents are new since the last full fit "
            f"(incremental.max_new_share {config.max_new_share:.1%})"
        )
        return UpdatePlan(False, reason, new_documents, share)
    reason = f"{share:.1%} of the documents are new since the last full fit"
    return UpdatePlan(True, reason, new_documents, share)


def preprocess_incremental(
    state: FittedState, texts: Sequence[str], hashes: Sequence[str], clean_usenet: bool
) -> Preprocessed:
    """Seen documents keep their tokens; new ones go through the fitted preprocessor."""
    cleaned = [strip_usenet(t) for t in texts] if clean_usenet else list(texts)
    seen = state.index()
    new = [i for i, h in enumerate(hashes) if h not in seen]
    new_tokens = dict(
        zip(new, state.preprocessor.transform([cleaned[i] for i in new]), strict=True)
    )
    tokens = [
        new_tokens[i] if i in new_tokens else state.tokens[seen[h]] for i, h in enumerate(hashes)
    ]
    return Preprocessed(cleaned, tokens, state.preprocessor.vocabulary_, state.preprocessor)


def nearest_topics(state: FittedState, vectors: np.ndarray, threshold: float):
    """Each vector's most similar embedding-topic centroid: (topics, cosine), with topic
    ``UNASSIGNED`` where even the best cosine is below ``threshold``."""
    if len(vectors) == 0 or len(state.centroids) == 0:
        return np.full(len(vectors), UNASSIGNED), np.full(len(vectors), np.nan)
    best, cosine = _nearest_centroid(state, vectors)
    return np.where(cosine >= threshold, best, UNASSIGNED), cosine


def check_novelty(
    plan: UpdatePlan,
    state: FittedState,
    hashes: Sequence[str],
    vectors: np.ndarray,
    config: IncrementalConfig,
) -> UpdatePlan:
    """The plan, turned into a full refit when too many new documents fit no topic."""
    seen = state.index()
    new = [i for i, h in enumerate(hashes) if h not in seen]
    share = float(np.mean(novel(state, vectors[new]))) if new else 0.0
    if share > config.max_novel_share:
        reason = (
            f"{share:.1%} of the {len(new):,} new documents fit no existing topic "
            f"(incremental.max_novel_share {config.max_novel_share:.1%})"
        )
        return replace(plan, incremental=False, reason=reason, novel_share=share)
    return replace(plan, novel_share=share)


@dataclass
class IncrementalResult:
    lda: TopicSet
    embedding: TopicSet
    coordinates: np.ndarray
    state: FittedState  # to hand to the next run
    new_documents: int


def update_topics(
    state: FittedState,
    hashes: Sequence[str],
    prepared: Preprocessed,
    vectors: np.ndarray,
    threshold: float,
) -> IncrementalResult:
    """Assign every document of this run to the fitted topics, computing only the new ones."""
    seen = state.index()
    rows = np.array([seen.get(h, -1) for h in hashes])
    new = np.flatnonzero(rows < 0)
    old = np.flatnonzero(rows >= 0)

    lda_topic = np.empty(len(hashes), dtype=int)
    lda_prob = np.empty(len(hashes))
    lda_topic[old], lda_prob[old] = state.lda_topic[rows[old]], state.lda_prob[rows[old]]
    new_tokens = [prepared.tokens[i] for i in new]
    theta = state.lda_model.transform(new_tokens) if len(new) else np.zeros((0, 1))
    has_words = np.array([len(doc) > 0 for doc in new_tokens], dtype=bool)
    if len(new):
        lda_topic[new] = np.where(has_words, theta.argmax(axis=1), UNASSIGNED)
        lda_prob[new] = np.where(has_words, theta.max(axis=1), np.nan)

    emb_topic = np.empty(len(hashes), dtype=int)
    emb_sim = np.empty(len(hashes))
    emb_topic[old] = state.embedding_topic[rows[old]]
    emb_sim[old] = state.embedding_similarity[rows[old]]
    emb_topic[new], emb_sim[new] = nearest_topics(state, vectors[new], threshold)

    coordinates = np.empty((len(hashes), 2))
    coordinates[old] = state.coordinates[rows[old]]
    coordinates[new] = _place_on_map(vectors[new], vectors[old], coordinates[old])

    lda = replace(state.lda, assignments=lda_topic, probabilities=lda_prob)
    embedding = replace(state.embedding, assignments=emb_topic, probabilities=emb_sim)
    following = replace(
        state,
        hashes=list(hashes),
        tokens=[list(doc) for doc in prepared.tokens],
        lda_topic=lda_topic,
        lda_prob=lda_prob,
        embedding_topic=emb_topic,
        embedding_similarity=emb_sim,
        coordinates=coordinates,
    )
    return IncrementalResult(lda, embedding, coordinates, following, len(new))


def _place_on_map(new: np.ndarray, seen: np.ndarray, seen_xy: np.ndarray) -> np.ndarray:
    if len(new) == 0 or len(seen) == 0:
        return np.zeros((len(new), 2))
    k = min(MAP_NEIGHBOURS, len(seen))
    similarity = unit_rows(new) @ unit_rows(seen).T
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    return seen_xy[nearest].mean(axis=1)
