"""The shapes of the run files: pydantic models of ``topics.json``, ``metrics.json`` and
``manifest.json`` (read and written through :mod:`.run_files`).

Parts that topicflow writes refuse unknown keys, so a wrong shape is caught where it is
read; a model's own quality numbers and the manifest's facts may grow. The run-history
parts of ``metrics.json`` are in :mod:`.history_shapes`, its topics over time in
:mod:`.time_shapes`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from topicflow.pipelines.io.history_shapes import Drift, Lives
from topicflow.pipelines.io.shape_base import Number, Shape
from topicflow.pipelines.io.time_shapes import OverTime


class Topic(Shape):
    """One entry of ``topics.json``: words best first, their weights, documents assigned,
    and a short readable name (absent when naming was off, and in older runs)."""

    id: int
    words: list[str]
    weights: list[float]
    size: int
    name: str | None = None
    # Where the topic sits in the model's topic tree (``tree.json``): its node there, the
    # node at the next coarser level that contains it, the nodes at the next finer level
    # it contains, and its level (the number of topics at that level). Absent in older runs.
    node: int | None = None
    parent: int | None = None
    children: list[int] = []
    level: int | None = None

    @property
    def label(self) -> str:
        """The topic for people: its name, else its first three words."""
        return self.name or " ".join(self.words[:3])


class TreeNode(Shape):
    """A topic at one level of a model's tree. ``id`` is unique within the tree; ``topic``
    is the reported topic's id (``topics.json``, the assignments) when the node is one."""

    id: int
    level: int  # the number of topics at this node's level
    parent: int | None
    children: list[int]
    size: int
    words: list[str]
    name: str | None = None
    topic: int | None = None


class TopicTree(Shape):
    """One model's entry of ``tree.json``: nested levels of topics, coarsest first.

    Every level is a partition of the documents; each node's children partition its
    documents at the next finer level. ``reported`` is the level the run reports (its
    nodes are ``topics.json``'s topics); ``preferred`` the level the model's own
    granularity rule chose (they differ when the run matched levels across models).
    """

    levels: list[int]
    reported: int
    preferred: int
    nodes: list[TreeNode]

    def level(self, n_topics: int) -> list[TreeNode]:
        return [node for node in self.nodes if node.level == n_topics]


class Preprocess(Shape):
    vocabulary_size: int
    no_below: int | None = None  # a word's least number of documents (runs before it: absent)
    repeated_lines: int | None = None  # lines dropped as repeated (runs before it: absent)
    documents_with_repeated_lines: int | None = None
    documents_without_tokens: int
    mean_tokens_per_document: Number


class BackgroundTopic(Shape):
    """Words a mixture model spent a topic on that are no theme (kept out of the topics):
    its top words, the share of documents it is in, and its kind: ``background`` (words
    most documents use and few are about) or ``generic`` (words of conversation, whose
    documents are about many things; :mod:`topicflow.pipelines.models.generic`)."""

    words: list[str]
    presence: float
    kind: Literal["background", "generic"] = "background"  # runs before 2026-12 had none


class ModelQuality(BaseModel):
    """One model's numbers on the shared reference; model-specific extras are kept."""

    model_config = ConfigDict(extra="allow")

    background: list[BackgroundTopic] = []
    n_topics: int
    topn: int
    npmi: Number
    npmi_per_topic: list[Number]
    # NPMI's standard error when the reference is a sample of the corpus (else None).
    npmi_se: Number = None
    c_v: Number
    c_v_per_topic: list[Number]
    u_mass: Number
    u_mass_per_topic: list[Number]
    # Mean cosine of the top words' vectors (None when the run had no encoder).
    word_cosine: Number = None
    word_cosine_per_topic: list[Number] = []
    diversity: Number
    irbo: Number
    sizes: list[int]
    size_min: int | None
    size_median: Number
    size_max: int | None
    size_gini: Number
    unassigned_share: Number

    def value(self, key: str) -> Any:
        """A metric by name, extras included; None when the model has no such metric."""
        return getattr(self, key, None)


class Match(Shape):
    a: int
    b: int
    similarity: float


class Matching(Shape):
    """A one-to-one matching of topic ``a`` of one model with topic ``b`` of the other."""

    matched: list[Match]
    a_only: list[int]
    b_only: list[int]
    threshold: float


class Measure(Shape):
    matrix: list[list[Number]]  # rows: topics of a, columns: topics of b
    alignment: Matching


class TopicAlignment(Shape):
    primary: str
    thresholds: dict[str, float]
    topn: int
    jaccard: Measure
    jensen_shannon: Measure
    embedding_cosine: Measure | None = None  # absent when the run had no document vectors

    def measure(self, name: str | None = None) -> Measure | None:
        """A measure's matrix and matching (the primary one by default), None if absent."""
        found = getattr(self, name or self.primary, None)
        return found if isinstance(found, Measure) else None


class Contingency(Shape):
    rows: list[int | str | None]
    columns: list[int | str | None]
    counts: list[list[int]]


class Agreement(Shape):
    nmi: Number
    ami: Number
    ari: Number
    nmi_with_unassigned: Number
    ami_with_unassigned: Number
    ari_with_unassigned: Number
    documents: int
    documents_compared: int
    contingency: Contingency


class Edge(Shape):
    """Documents topic ``a`` (of model a) and topic ``b`` (of model b) share, when they
    are a large part of either topic."""

    a: int
    b: int
    documents: int
    share_of_a: float
    share_of_b: float


class Group(Shape):
    """A connected set of edges: ``one_to_one`` (one topic each side), ``split`` (one topic
    of a is several of b), ``merge`` (several of a are one of b), ``tangle`` (several each)."""

    kind: str
    a: list[int]
    b: list[int]


class Comparison(Shape):
    """Two models side by side at one level: topic alignment, document agreement, and
    the edges between topics that share documents (one-to-one, splits, merges)."""

    a: str
    b: str
    alignment: TopicAlignment
    agreement: Agreement
    level: dict[str, int] | None = None  # each model's topic count compared here
    edges: list[Edge] | None = None
    groups: list[Group] | None = None


class LabelScores(Shape):
    nmi: Number
    ami: Number
    ari: Number
    purity: Number
    homogeneity: Number
    completeness: Number
    documents_scored: int
    documents_unlabelled: int
    contingency: Contingency


class Spread(Shape):
    mean: Number
    std: Number
    n: int


class Recovery(Shape):
    per_topic: list[Number]
    mean: Number
    runs: int
    threshold: float


class ModelStability(Shape):
    metrics: dict[str, Spread]
    recovery: Recovery


class Stability(Shape):
    seeds: list[int]
    models: dict[str, ModelStability]


class ReferenceFacts(Shape):
    """What the coherence numbers were measured on: the corpus, or a seeded sample of
    whole documents when it holds more than ``max_tokens`` tokens."""

    documents: int
    tokens: int
    corpus_documents: int
    sampled: bool
    max_tokens: int
    seed: int


class Metrics(Shape):
    """``metrics.json``."""

    preprocess: Preprocess
    models: dict[str, ModelQuality]
    reference: ReferenceFacts | None = None  # absent in runs from before it was recorded
    comparisons: list[Comparison]
    labels: dict[str, LabelScores] | None = None  # only when the corpus has labels
    stability: Stability | None = None  # only when enabled
    lives: Lives | None = None  # only with a run history (and not in older runs)
    drift: Drift | None = None
    over_time: OverTime | None = None  # absent in runs from before topics over time

    def comparison(self, a: str, b: str) -> Comparison | None:
        return next((c for c in self.comparisons if (c.a, c.b) == (a, b)), None)


class StageTiming(BaseModel):
    model_config = ConfigDict(extra="allow")

    started_at: str
    finished_at: str
    seconds: float
    cache: str | None = None


class CorpusFacts(BaseModel):
    """The manifest's ``corpus``: :meth:`Corpus.summary` and the name in the history."""

    model_config = ConfigDict(extra="allow")

    name: str = "corpus"
    documents: int = 0
    fingerprint: str | None = None
    has_labels: bool = False
    n_labels: int = 0
    has_times: bool = False


class RunManifest(BaseModel):
    """``manifest.json`` (written stage by stage by :class:`io.manifest.Manifest`); the
    facts a run adds (source, store, config file, task runner) are kept as extras."""

    model_config = ConfigDict(extra="allow")

    run_id: str
    status: str
    started_at: str
    finished_at: str | None = None
    config: dict[str, Any] = {}
    seed: int | None = None
    versions: dict[str, str | None] = {}
    corpus: CorpusFacts = CorpusFacts()
    stages: dict[str, StageTiming] = {}
    update: dict[str, Any] | None = None
    run_key: str | None = None
    reused_from: str | None = None
    embedding_backend: str | None = None
    embedding_fallback: str | None = None  # why the run embedded with torch, when it fell back
