"""What changed between two runs of one model on one corpus: topic drift.

Topics of the two runs are compared by their word weights (cosine over the union of
their top words), since a topic's identity between runs is its vocabulary; the
documents and even the vocabulary may differ. The one-to-one Hungarian matching of
:func:`topicflow.pipelines.evaluate.alignment.align` pairs the topics that persisted. Of the rest:

- a new topic similar (above the threshold) to an old one that already has its
  match is a piece **split** off that old topic;
- an old topic similar to a new one that already has its match was **merged** into it;
- an old topic similar to none of the new topics but to one of the words the new fit
  set aside (a mixture model's background or generic topic, kept out of its topics:
  :mod:`topicflow.pipelines.models.generic`) was **set aside**: its words are still
  there, now as words of conversation or words every document uses, not a theme;
- a new topic similar to no old one **emerged**; an old one similar to none of either
  **vanished**.

Set-aside topics are lists of words without weights; they are compared as if every
listed word weighed the same, and an old topic must also share ``MIN_SHARED_ASIDE`` of
its words with one (a theme led by two common words stays a theme that vanished). A
merge comes first: an old topic similar to a new topic lives on in it, whatever else
its words resemble. Only this direction is told: the previous run's set-aside words are
not kept in the history, so a topic made of them again counts as emerged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from topicflow.pipelines.evaluate.alignment import align
from topicflow.pipelines.vectors.centroids import unit_rows

# Word-weight cosine above which two runs' topics count as related. Topics of two
# seeds of one model on one corpus score 0.5-1.0 when they are the same theme, and
# topics of unrelated themes share at most a word or two (under 0.2).
DEFAULT_DRIFT_THRESHOLD = 0.3
# Words an old topic shares with set-aside words, at least, to count as set aside.
MIN_SHARED_ASIDE = 3


def word_weight_similarity(previous: Sequence[dict], current: Sequence[dict]) -> np.ndarray:
    """Cosine similarity of each pair's word-weight vectors (topics.json records)."""
    vocabulary: dict[str, int] = {}
    for topic in [*previous, *current]:
        for word in topic["words"]:
            vocabulary.setdefault(word, len(vocabulary))

    def matrix(records: Sequence[dict]) -> np.ndarray:
        out = np.zeros((len(records), len(vocabulary)))
        for row, topic in enumerate(records):
            for word, weight in zip(topic["words"], topic["weights"], strict=True):
                out[row, vocabulary[word]] = max(float(weight), 0.0)
        return unit_rows(out)

    return matrix(previous) @ matrix(current).T


def topic_drift(
    previous: Sequence[dict],
    current: Sequence[dict],
    threshold: float = DEFAULT_DRIFT_THRESHOLD,
    set_aside: Sequence[dict] = (),
) -> dict:
    """Persisted, emerged, vanished, set-aside, split and merged topics from ``previous``
    to ``current``.

    Both are lists of topics.json records (``id``, ``words``, ``weights``, ``size``, and
    ``name`` when named; older records have none); ``set_aside`` the current fit's
    background and generic topics (``words``, ``kind``; ``metrics.json``'s
    ``background``). Every topic of either run appears in exactly one of persisted,
    emerged/split (new topics) and vanished/set aside/merged (old topics).
    """
    similarity = word_weight_similarity(previous, current)
    pairs = align(similarity, threshold)
    match_of_old = {m["a"]: m["b"] for m in pairs["matched"]}
    match_of_new = {m["b"]: m["a"] for m in pairs["matched"]}

    persisted = [
        {
            "previous": previous[m["a"]]["id"],
            "current": current[m["b"]]["id"],
            "similarity": m["similarity"],
            "size_before": previous[m["a"]]["size"],
            "size_after": current[m["b"]]["size"],
            "words": list(current[m["b"]]["words"][:5]),
            **_name(current[m["b"]]),
            **_previous_name(previous[m["a"]], current[m["b"]]),
        }
        for m in pairs["matched"]
    ]
    emerged, splits = [], {}
    for j in pairs["b_only"]:
        parent = _best(similarity[:, j], threshold, match_of_old)
        if parent is None:
            emerged.append(_brief(current[j]))
        else:
            splits.setdefault(parent, [match_of_old[parent]]).append(j)
    vanished, merges, aside = [], {}, []
    aside_similarity = word_weight_similarity(previous, [_even(t) for t in set_aside])
    for i in pairs["a_only"]:
        heir = _best(similarity[i, :], threshold, match_of_new)
        if heir is not None:
            merges.setdefault(heir, [match_of_new[heir]]).append(i)
            continue
        kept = _set_aside_as(previous[i], aside_similarity[i], set_aside, threshold)
        if kept is None:
            vanished.append(_brief(previous[i]))
        else:
            aside.append({**_brief(previous[i]), "kind": kept.get("kind", "background")})

    result = {
        "persisted": persisted,
        "emerged": emerged,
        "vanished": vanished,
        "set_aside": aside,
        "split": [
            {
                "previous": previous[i]["id"],
                "into": [current[j]["id"] for j in parts],
                "words": list(previous[i]["words"][:5]),
                **_name(previous[i]),
            }
            for i, parts in sorted(splits.items())
        ],
        "merged": [
            {
                "current": current[j]["id"],
                "from": [previous[i]["id"] for i in parts],
                "words": list(current[j]["words"][:5]),
                **_name(current[j]),
            }
            for j, parts in sorted(merges.items())
        ],
    }
    result["counts"] = {key: len(items) for key, items in result.items()}
    return result


def _best(similarities: np.ndarray, threshold: float, matched: dict[int, int]) -> int | None:
    """The most similar topic at or above ``threshold`` among those that have a match."""
    candidates = [k for k in matched if similarities[k] >= threshold]
    return max(candidates, key=lambda k: similarities[k]) if candidates else None


def _set_aside_as(
    topic: dict, similarities: np.ndarray, set_aside: Sequence[dict], threshold: float
) -> dict | None:
    """The most similar set-aside topic ``topic`` counts as set aside as (at or above
    ``threshold`` and sharing ``MIN_SHARED_ASIDE`` words), or None."""
    words = set(topic["words"])
    candidates = [
        k
        for k, kept in enumerate(set_aside)
        if similarities[k] >= threshold and len(words & set(kept["words"])) >= MIN_SHARED_ASIDE
    ]
    return set_aside[max(candidates, key=lambda k: similarities[k])] if candidates else None


def _even(words: dict) -> dict:
    """A set-aside topic (words only, best first) as a record whose words weigh the same."""
    return {"words": list(words["words"]), "weights": [1.0] * len(words["words"])}


def _brief(topic: dict) -> dict:
    return {
        "id": topic["id"],
        "size": topic["size"],
        "words": list(topic["words"][:5]),
        **_name(topic),
    }


def _name(topic: dict) -> dict:
    """``{"name": ...}`` for a named topic; nothing for an unnamed or older one."""
    return {"name": topic["name"]} if topic.get("name") else {}


def _previous_name(before: dict, now: dict) -> dict:
    """``{"previous_name": ...}`` when a persisting topic was named otherwise before: its
    words moved enough to be named anew, which a reader should see (nothing when the
    name is the same, or either run's topic has none)."""
    if before.get("name") and now.get("name") and before["name"] != now["name"]:
        return {"previous_name": before["name"]}
    return {}


def drift_since(
    previous_run: str | None,
    previous_finished: str | None,
    previous_topics: Mapping[str, Sequence[dict]],
    current_topics: Mapping[str, Sequence[dict]],
    threshold: float = DEFAULT_DRIFT_THRESHOLD,
    set_aside: Mapping[str, Sequence[dict]] | None = None,
) -> dict:
    """``metrics.json``'s ``drift``: each model's drift since the previous run (if any),
    under ``models``. A model the previous run did not fit has every topic emerged.
    ``set_aside``: per model, the words this run's fit kept out of its topics
    (:func:`topic_drift`)."""
    drift: dict = {"previous_run": previous_run, "since": previous_finished, "threshold": threshold}
    if previous_run is not None:
        drift["models"] = {
            model: topic_drift(
                previous_topics.get(model, []),
                current,
                threshold,
                (set_aside or {}).get(model, ()),
            )
            for model, current in current_topics.items()
        }
    return drift
