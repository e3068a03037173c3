"""``update: incremental``: keep the fitted models and place only the new documents in them.

A full fit leaves a :class:`FittedState` in the store: the fitted preprocessor, every
fitted model, and what each document (by content hash) was given. The next run of
the same corpus and configuration reuses the tokens and topics of every document it
has seen, tokenises and embeds only the new ones, and places them with each model's
``transform`` (LDA by inference, NMF by projection, the embedding model by the
nearest topic centroid). It refits everything instead when too much is new
(``incremental.max_new_share`` of the corpus since the last full fit) or when too
many new documents fit no existing topic of some model (``incremental.max_novel_share``;
models that can tell implement ``novel``): the topics no longer describe the corpus.
The fit's topic trees are kept as well, with the new documents placed in them
(:mod:`.placed_trees`), so an update's run directory has its ``tree.json`` too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from topicflow.pipelines.analysis.placed_trees import place_in_tree
from topicflow.pipelines.blocks import vector_blocks
from topicflow.pipelines.config import IncrementalConfig
from topicflow.pipelines.io.run_shapes import TopicTree
from topicflow.pipelines.models.base import PreparedCorpus, TopicModel
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet
from topicflow.pipelines.text.clean import Cleaner
from topicflow.pipelines.text.packed import PackedTokens
from topicflow.pipelines.text.preprocess import Preprocessed, Preprocessor
from topicflow.pipelines.vectors.centroids import unit_rows

# A new document's place on the document map: the mean position of this many of its
# nearest seen documents (cosine in the embedding space), as UMAP itself places points.
MAP_NEIGHBOURS = 10
# New documents compared with a block of seen ones at once (see _nearest_seen).
NEW_BLOCK = 256


def document_hashes(texts: Sequence[str]) -> list[str]:
    """A content hash per document: what "seen before" means between runs."""
    return [hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] for text in texts]


@dataclass
class FittedState:
    """The fitted models of the last full fit and what they said of every document since."""

    preprocessor: Preprocessor
    cleaner: Cleaner  # fitted: the text of documents added later is cleaned as the fit's was
    models: dict[str, TopicModel]  # fitted; their topics' words and weights stay as fitted
    fitted: frozenset[str]  # hashes of the documents of the last full fit
    hashes: list[str]  # every document seen, in the order of the columns below
    tokens: PackedTokens  # every document's, in the order of ``hashes``
    assignments: dict[str, np.ndarray]  # model -> each document's topic
    scores: dict[str, np.ndarray]  # model -> how strongly it belongs there
    coordinates: np.ndarray  # n x 2 document-map positions
    trees: dict[str, TopicTree] = field(default_factory=dict)  # model -> tree.json entry
    leaves: dict[str, np.ndarray] = field(default_factory=dict)  # model -> each one's leaf node

    def index(self) -> dict[str, int]:
        return {h: i for i, h in enumerate(self.hashes)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A state stored before trees were kept has none: its updates write no tree.
        self.__dict__.update({"trees": {}, "leaves": {}, **state})
        self.__post_init__()  # a state stored before tokens were packed has lists

    def __post_init__(self) -> None:
        self.tokens = PackedTokens.of(self.tokens, self.preprocessor.vocabulary_)


def fitted_state(
    hashes: list[str],
    prepared: Preprocessed,
    models: Mapping[str, TopicModel],
    coordinates: np.ndarray,
    trees: Mapping[str, TopicTree] | None = None,
    leaves: Mapping[str, np.ndarray] | None = None,
) -> FittedState:
    """The state a full fit leaves for the next run (with each model's tree and every
    document's leaf node in it, when the fit has them)."""
    if prepared.preprocessor is None or prepared.cleaner is None:
        raise ValueError("the preprocessing was not fitted in this run")
    return FittedState(
        preprocessor=prepared.preprocessor,
        cleaner=prepared.cleaner,
        models=dict(models),
        fitted=frozenset(hashes),
        hashes=list(hashes),
        tokens=prepared.tokens,
        assignments={n: np.asarray(m.topics_.assignments) for n, m in models.items()},
        scores={n: np.asarray(m.topics_.probabilities, dtype=float) for n, m in models.items()},
        coordinates=np.asarray(coordinates, dtype=float),
        trees=dict(trees or {}),
        leaves={n: np.asarray(nodes) for n, nodes in (leaves or {}).items()},
    )


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
    state: FittedState | None,
    hashes: Sequence[str],
    config: IncrementalConfig,
    models: Sequence[str] = (),
) -> UpdatePlan:
    """Incremental unless there is no state (for these models) or too much is new since
    the last full fit."""
    if state is None or (models and set(state.models) != set(models)):
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
    state: FittedState, texts: Sequence[str], hashes: Sequence[str]
) -> Preprocessed:
    """Seen documents keep their tokens; new ones go through the fitted cleaner and
    preprocessor (the fit's repeated lines are dropped from them too)."""
    cleaned, changed = state.cleaner.clean(texts)
    seen = state.index()
    new = [i for i, h in enumerate(hashes) if h not in seen]
    vocabulary = state.preprocessor.vocabulary_
    fresh = state.preprocessor.transform([cleaned[i] for i in new])
    # The state's documents followed by the new ones, then taken in the corpus's order.
    both = state.tokens.concat(PackedTokens.pack(fresh, vocabulary))
    rows = np.array([seen.get(h, -1) for h in hashes], dtype=np.int64)
    rows[new] = len(state.tokens) + np.arange(len(new))
    grown = bool(np.array_equal(rows, np.arange(len(rows))))  # new documents only appended
    tokens = both if grown else both.take(rows)
    return Preprocessed(cleaned, tokens, vocabulary, state.preprocessor, state.cleaner, changed)


def _new_rows(state: FittedState, hashes: Sequence[str]) -> list[int]:
    seen = state.index()
    return [i for i, h in enumerate(hashes) if h not in seen]


def check_novelty(
    plan: UpdatePlan,
    state: FittedState,
    hashes: Sequence[str],
    corpus: PreparedCorpus,
    config: IncrementalConfig,
) -> UpdatePlan:
    """The plan, turned into a full refit when too many new documents fit no topic of a
    model that can tell (the largest share over those models counts)."""
    new = _new_rows(state, hashes)
    shares = {}
    if new:
        fresh = corpus.subset(new)
        for name, model in state.models.items():
            novel = model.novel(fresh)
            if novel is not None:
                shares[name] = float(np.mean(novel))
    share = max(shares.values(), default=0.0)
    if share > config.max_novel_share:
        reason = (
            f"{share:.1%} of the {len(new):,} new documents fit no existing topic "
            f"(incremental.max_novel_share {config.max_novel_share:.1%})"
        )
        return replace(plan, incremental=False, reason=reason, novel_share=share)
    return replace(plan, novel_share=share)


@dataclass
class IncrementalResult:
    topic_sets: dict[str, TopicSet]
    coordinates: np.ndarray
    state: FittedState  # to hand to the next run
    new_documents: int
    trees: dict[str, TopicTree] = field(default_factory=dict)  # the fit's, resized
    leaves: dict[str, np.ndarray] = field(default_factory=dict)  # each document's leaf node


def update_topics(
    state: FittedState, hashes: Sequence[str], corpus: PreparedCorpus
) -> IncrementalResult:
    """Assign every document of this run to the fitted topics, computing only the new ones."""
    seen = state.index()
    rows = np.array([seen.get(h, -1) for h in hashes])
    new = np.flatnonzero(rows < 0)
    old = np.flatnonzero(rows >= 0)
    fresh = corpus.subset(new)

    assignments, scores, topic_sets = {}, {}, {}
    for name, model in state.models.items():
        topic = np.empty(len(hashes), dtype=np.int64)
        score = np.empty(len(hashes))
        topic[old], score[old] = state.assignments[name][rows[old]], state.scores[name][rows[old]]
        if len(new):
            topic[new], score[new] = model.transform(fresh)
        assignments[name], scores[name] = topic, score
        topic_sets[name] = replace(model.topics_, assignments=topic, probabilities=score)
    trees, leaves = {}, {}
    for name, tree in state.trees.items():
        known = np.full(len(hashes), UNASSIGNED, dtype=np.int64)
        known[old] = state.leaves[name][rows[old]]
        trees[name], leaves[name] = place_in_tree(
            tree, assignments[name], known, rows < 0, corpus.counts
        )

    coordinates = np.empty((len(hashes), 2))
    coordinates[old] = state.coordinates[rows[old]]
    if corpus.vectors is not None:
        coordinates[new] = _place_on_map(corpus.vectors, new, old, coordinates[old])
    else:
        coordinates[new] = 0.0
    following = replace(
        state,
        hashes=list(hashes),
        tokens=corpus.tokens,
        assignments=assignments,
        scores=scores,
        coordinates=coordinates,
        trees=state.trees,  # as fitted: the next update resizes them again
        leaves=leaves,
    )
    return IncrementalResult(topic_sets, coordinates, following, len(new), trees, leaves)


def _place_on_map(
    vectors: np.ndarray, new: np.ndarray, seen: np.ndarray, seen_xy: np.ndarray
) -> np.ndarray:
    """Each new document at the mean map position of its MAP_NEIGHBOURS most similar
    seen documents (``seen_xy``, in ``seen``'s order)."""
    if len(new) == 0 or len(seen) == 0:
        return np.zeros((len(new), 2))
    nearest = _nearest_seen(vectors, new, seen, min(MAP_NEIGHBOURS, len(seen)))
    return seen_xy[nearest].mean(axis=1)


def _nearest_seen(vectors: np.ndarray, new: np.ndarray, seen: np.ndarray, k: int) -> np.ndarray:
    """Each new row's ``k`` most similar seen rows (positions in ``seen``, ascending).

    One pass over the seen vectors, a block at a time, each block against NEW_BLOCK new
    rows at a time (16 MB of float32 similarities and 32 MB of their order), keeping
    every new row's best ``k`` so far: the whole new x seen matrix of a +1 % update of a
    million documents would be 80 GB in float64."""
    targets = unit_rows(vectors[new]).astype(np.float32)
    best_score = np.full((len(new), k), -np.inf, dtype=np.float32)
    best = np.zeros((len(new), k), dtype=np.int64)
    at = 0
    for _, block in vector_blocks(vectors, seen):
        candidates = unit_rows(block).astype(np.float32).T
        for start in range(0, len(new), NEW_BLOCK):
            rows = slice(start, start + NEW_BLOCK)
            similarity = targets[rows] @ candidates
            top = np.argpartition(-similarity, min(k, len(block)) - 1, axis=1)[:, :k]
            score = np.hstack([best_score[rows], np.take_along_axis(similarity, top, axis=1)])
            index = np.hstack([best[rows], top + at])
            keep = np.argpartition(-score, k - 1, axis=1)[:, :k]
            best_score[rows] = np.take_along_axis(score, keep, axis=1)
            best[rows] = np.take_along_axis(index, keep, axis=1)
        at += len(block)
    return np.sort(best, axis=1)  # the same order however the blocks fell
