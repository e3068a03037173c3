"""The shapes of ``metrics.json``'s run-history parts: ``lives`` (each topic's runs) and
``drift`` (what changed since the corpus's previous run).

Kept apart from :mod:`.run_shapes` (which refers to :class:`Lives` and :class:`Drift`)
so the history parts read on their own. Like every part topicflow writes, unknown keys
are refused.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from topicflow.pipelines.io.shape_base import Number, Shape

# A topic's life: the runs it has lived through (metrics.json's ``lives``).


class LifeRun(Shape):
    run_id: str
    finished_at: str | None  # this run's: when its lives were measured, just before the end


class LifeStep(Shape):
    run_id: str
    topic: int  # its id in that run
    size: int
    share: Number  # of that run's documents


class TopicLife(Shape):
    topic: int  # its id in this run
    words: list[str]
    steps: list[LifeStep]  # oldest first; the last is this run's
    name: str | None = None


class Lives(Shape):
    window: int  # the most runs followed back (history.lineage_runs)
    runs: list[LifeRun]  # the last ``window`` runs of the corpus, oldest first, this one last
    # Per model, the topics of this run that lived through two runs or more.
    models: dict[str, list[TopicLife]]


# Drift entries carry the topic's name when the run that has the topic named it.


class BriefTopic(Shape):
    id: int
    size: int
    words: list[str]
    name: str | None = None


class SetAsideTopic(BriefTopic):
    """An old topic whose words the new fit kept out of its topics (as ``kind``)."""

    kind: Literal["background", "generic"]


class PersistedTopic(Shape):
    previous: int
    current: int
    similarity: float
    size_before: int
    size_after: int
    words: list[str]
    name: str | None = None  # the current run's
    previous_name: str | None = None  # the previous run's, where it differs

    @property
    def size_changed(self) -> bool:
        return self.size_after != self.size_before


class SplitTopic(Shape):
    previous: int
    into: list[int]
    words: list[str]
    name: str | None = None  # the previous run's


class MergedTopic(Shape):
    current: int
    from_: list[int] = Field(alias="from")
    words: list[str]
    name: str | None = None  # the current run's


class ModelDrift(Shape):
    persisted: list[PersistedTopic]
    emerged: list[BriefTopic]
    vanished: list[BriefTopic]
    set_aside: list[SetAsideTopic] = []  # runs before 2026-12 had none
    split: list[SplitTopic]
    merged: list[MergedTopic]
    counts: dict[str, int]


class Drift(Shape):
    previous_run: str | None
    since: str | None
    threshold: float
    models: dict[str, ModelDrift] | None = None  # absent on a corpus's first run
