"""A topic's life across runs: the chain of topics, one per run, that drift matched.

Drift (:mod:`.drift`) pairs each run's topics one to one with those of the corpus's
previous successful run, per model; the history keeps each pair as a link from the new
topic to the one it continues. Following the links backwards, and forwards, gives a
topic's line through the runs. A line ends where there is no link: the topic emerged,
split off another one, or the run before it is not recorded. A topic that merged into
another or vanished has no successor, so its line ends too.

Nothing here reads the database: :meth:`RunHistory.topic_steps` hands over the steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from topicflow.pipelines.errors import InputError

TopicKey = tuple[str, int]  # (run id, topic id): a topic of one model in one run

# Words per step kept in metrics.json's lives: enough to recognise an unnamed topic.
LIFE_WORDS = 5


@dataclass(frozen=True)
class RunPoint:
    """A complete run on a corpus's time line."""

    run_id: str
    finished_at: dt.datetime | None
    n_documents: int | None


@dataclass(frozen=True)
class TopicStep:
    """One topic of one model in one run, and the topic it continues (if any)."""

    run: RunPoint
    topic_id: int
    size: int
    words: tuple[str, ...]
    name: str | None = None
    previous: TopicKey | None = None

    @property
    def key(self) -> TopicKey:
        return (self.run.run_id, self.topic_id)

    @property
    def share(self) -> float | None:
        """The share of the run's documents the topic holds (None: count unknown)."""
        return self.size / self.run.n_documents if self.run.n_documents else None


@dataclass(frozen=True)
class TopicSpec:
    """``RUN_ID:MODEL:TOPIC``, as ``topicflow history --topic`` takes it."""

    run_id: str
    model: str
    topic_id: int


@dataclass(frozen=True)
class TopicLine:
    """The line of one model's topic asked for by a :class:`TopicSpec`."""

    model: str
    start: TopicKey  # the topic asked for, its run id in full
    steps: list[TopicStep]  # oldest first


def parse_topic_spec(text: str) -> TopicSpec:
    """Split from the right: a run id is made from the corpus name, which may hold ':'."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise InputError(
            f"--topic must be RUN_ID:MODEL:TOPIC, e.g. 20261121-060000:lda:3; got {text!r}"
        )
    run_id, model, topic = (p.strip() for p in parts)
    try:
        topic_id = int(topic)
    except ValueError:
        raise InputError(f"--topic {text!r}: the topic must be a number, got {topic!r}") from None
    return TopicSpec(run_id, model, topic_id)


def drift_links(drift: Mapping[str, Any] | None) -> dict[str, dict[int, TopicKey]]:
    """Per model, each topic that persisted (``metrics.json``'s ``drift``) and the topic of
    the previous run it continues: ``{model: {topic id: (previous run, its topic id)}}``.

    Only the one-to-one matches link: a piece split off a topic starts a line of its own,
    and of topics merged into one, only its match continues into it.
    """
    previous_run = (drift or {}).get("previous_run")
    if not previous_run or not drift.get("models"):
        return {}
    return {
        model: {int(p["current"]): (previous_run, int(p["previous"])) for p in changes["persisted"]}
        for model, changes in drift["models"].items()
    }


def steps_of(
    run: RunPoint,
    topics: Mapping[str, Sequence[Mapping[str, Any]]],
    links: Mapping[str, Mapping[int, TopicKey]],
) -> dict[str, list[TopicStep]]:
    """The steps of a run's topics (topics.json records), per model, with their links."""
    return {
        model: [
            TopicStep(
                run,
                int(t["id"]),
                int(t["size"]),
                tuple(t["words"]),
                t.get("name"),
                links.get(model, {}).get(int(t["id"])),
            )
            for t in records
        ]
        for model, records in topics.items()
    }


def topic_line(steps: Iterable[TopicStep], start: TopicKey) -> list[TopicStep]:
    """The line through ``start`` of one model's ``steps``, oldest first.

    Backwards it follows each step's link while the linked step is there; forwards, the
    step that links to it. Two runs can both link to one topic (they both started after
    it, e.g. at the same time): the earlier finished one continues the line.
    """
    by_key = {step.key: step for step in steps}
    if start not in by_key:
        raise KeyError(start)
    successors: dict[TopicKey, TopicStep] = {}
    for step in sorted(by_key.values(), key=_run_order, reverse=True):
        if step.previous is not None:
            successors[step.previous] = step  # the earliest run wins: it comes last
    line, seen = [by_key[start]], {start}
    while (previous := line[0].previous) in by_key and previous not in seen:
        line.insert(0, by_key[previous])
        seen.add(previous)
    while (following := successors.get(line[-1].key)) is not None and following.key not in seen:
        line.append(following)
        seen.add(following.key)
    return line


def _run_order(step: TopicStep) -> tuple:
    finished = step.run.finished_at
    return (finished is None, finished or dt.datetime.min.replace(tzinfo=dt.UTC), step.run.run_id)


def topic_lives(
    runs: Sequence[RunPoint], steps: Mapping[str, Sequence[TopicStep]], window: int
) -> dict[str, Any]:
    """``metrics.json``'s ``lives``: each topic of the last of ``runs`` (oldest first) that
    has lived through two or more of the last ``window`` runs, with its size and share
    in each, per model. ``steps`` are the topics of ``runs``, per model."""
    shown = list(runs)[-window:]
    current = shown[-1].run_id
    in_window = {run.run_id for run in shown}
    lives: dict[str, list[dict[str, Any]]] = {}
    for model, model_steps in steps.items():
        kept = [s for s in model_steps if s.run.run_id in in_window]
        now = sorted((s for s in kept if s.run.run_id == current), key=lambda s: s.topic_id)
        if not now:
            continue  # a model an earlier run fitted, not this one
        lives[model] = []
        for step in now:
            line = topic_line(kept, step.key)
            if len(line) < 2:
                continue
            lives[model].append(
                {
                    "topic": step.topic_id,
                    **({"name": step.name} if step.name else {}),
                    "words": list(step.words[:LIFE_WORDS]),
                    "steps": [
                        {
                            "run_id": s.run.run_id,
                            "topic": s.topic_id,
                            "size": s.size,
                            "share": s.share,
                        }
                        for s in line
                    ],
                }
            )
    return {"window": window, "runs": [_run_entry(run) for run in shown], "models": lives}


def _run_entry(run: RunPoint) -> dict[str, Any]:
    at = run.finished_at.isoformat(timespec="seconds") if run.finished_at else None
    return {"run_id": run.run_id, "finished_at": at}
