"""Do the models agree on where matched topics are heading?

The pairs are the comparison's one-to-one matches under its primary measure
(:func:`evaluate.compare.compare_models`: ``alignment[primary]["alignment"]["matched"]``),
the same pairs the report shows side by side. Two topics agree when their classes point
the same way: up (rising, emerging), down (falling, fading) or flat (steady).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from topicflow.pipelines.analysis.over_time.trends import direction


def matched_pairs(comparison: Mapping) -> list[dict]:
    """The comparison's matched pairs ``{a, b, similarity}`` under its primary measure."""
    alignment = comparison["alignment"]
    return list(alignment[alignment["primary"]]["alignment"]["matched"])


def trend_agreement(
    comparisons: Sequence[Mapping], classes: Mapping[str, Sequence[str]]
) -> list[dict]:
    """One entry per comparison of two models that both have trends (``classes[model]``
    lists each topic's class), over its matched topics."""
    out = []
    for comparison in comparisons:
        a, b = comparison["a"], comparison["b"]
        if a not in classes or b not in classes:
            continue
        pairs = []
        for match in matched_pairs(comparison):
            a_class, b_class = classes[a][match["a"]], classes[b][match["b"]]
            pairs.append(
                {
                    "a_topic": int(match["a"]),
                    "b_topic": int(match["b"]),
                    "a_class": a_class,
                    "b_class": b_class,
                    "agree": direction(a_class) == direction(b_class),
                }
            )
        agreeing = sum(p["agree"] for p in pairs)
        out.append({"a": a, "b": b, "pairs": pairs, "agreeing": agreeing, "matched": len(pairs)})
    return out
