"""Topics over time for the hand-made run (:mod:`tests.synthetic_run`): eight periods of
uneven width, one without documents, and each model's topics on a planted trend, written
the way ``pipelines/analysis/over_time`` writes ``metrics.json``'s ``over_time``."""

from __future__ import annotations

from topicflow.pipelines.models.topicset import TopicSet

# Topics over time: eight periods of uneven width from the 1790s (plotly must place dates
# before 1900), the fourth without documents; two documents have no time.
TIME_EDGES = [f"{year}-01-01T00:00:00Z" for year in (1790, 1800, 1810, 1830, 1850, 1900, 1950,
                                                     2000, 2020)]  # fmt: skip
TIME_LABELS = ["1790s", "1800s", "1810-1820s", "1830-1840s", "1850-1890s", "1900-1940s",
               "1950-1990s", "2000-2010s"]  # fmt: skip
TIME_DOCUMENTS = [4, 3, 4, 0, 5, 5, 5, 4]
EMPTY_PERIOD = 3
# A period's top word is as hostile as any: it comes from the documents.
HOSTILE_TIME_WORD = '<img src=x onerror="window.__pwned = 5">'
# Each topic's share per period by its planted trend (None: the empty period).
SHARES = {
    "rising": [0.1, 0.15, 0.2, None, 0.3, 0.4, 0.5, 0.6],
    "falling": [0.6, 0.5, 0.45, None, 0.35, 0.3, 0.2, 0.1],
    "steady": [0.3, 0.35, 0.35, None, 0.35, 0.3, 0.3, 0.3],
    "emerging": [0.0, 0.0, 0.0, None, 0.05, 0.1, 0.2, 0.3],
    "fading": [0.3, 0.35, 0.35, None, 0.3, 0.2, 0.1, 0.0],
}
TRENDS = {
    "lda": ["rising", "falling", "steady"],
    "nmf": ["rising", "falling", "emerging", "fading"],
    "embedding": ["rising", "steady", "falling"],
}
NO_TIME_REASON = "the corpus has no time field (run with --time-field)"


def synthetic_over_time(
    topics: dict[str, TopicSet], comparisons: list[dict], n_documents: int
) -> dict:
    """``over_time`` as the analysis writes it, with planted trends (:data:`TRENDS`): the
    significant ones are the movers, biggest change first, and the models' trends agree
    on their matched topics where they planted the same one."""
    models = {}
    for model, topic_set in topics.items():
        entries = []
        for t, kind in enumerate(TRENDS[model][: topic_set.n_topics]):
            shares = SHARES[kind]
            counts = [round((s or 0) * n) for s, n in zip(shares, TIME_DOCUMENTS, strict=True)]
            entries.append(
                {
                    "id": t,
                    "name": topic_set.names[t] if topic_set.names else None,
                    "counts": counts,
                    "shares": shares,
                    "low": [None if s is None else round(max(0.0, s - 0.1), 6) for s in shares],
                    "high": [None if s is None else round(min(1.0, s + 0.1), 6) for s in shares],
                    "trend": _trend(kind, shares),
                    "words": _period_words(model, t, topic_set.words[t]),
                }
            )
        significant = [e for e in entries if e["trend"]["significant"]]
        significant.sort(key=lambda e: (-abs(e["trend"]["change"]), e["id"]))
        models[model] = {"topics": entries, "movers": [e["id"] for e in significant][:5]}
    agreement = []
    for comparison in comparisons:
        a, b = comparison["a"], comparison["b"]
        primary = comparison["alignment"]["primary"]
        pairs = [
            {
                "a_topic": m["a"],
                "b_topic": m["b"],
                "a_class": TRENDS[a][m["a"]],
                "b_class": TRENDS[b][m["b"]],
                "agree": TRENDS[a][m["a"]] == TRENDS[b][m["b"]],
            }
            for m in comparison["alignment"][primary]["alignment"]["matched"]
        ]
        agreeing = sum(p["agree"] for p in pairs)
        agreement.append(
            {"a": a, "b": b, "pairs": pairs, "agreeing": agreeing, "matched": len(pairs)}
        )
    return {
        "available": True,
        "field": "date",
        "documents": sum(TIME_DOCUMENTS),
        "missing": n_documents - sum(TIME_DOCUMENTS),
        "period": {
            "unit": "decade",
            "chosen_by": "auto",
            "edges": TIME_EDGES,
            "labels": TIME_LABELS,
            "documents": TIME_DOCUMENTS,
        },
        "test": "Mann-Kendall test of each topic's share per period, Benjamini-Hochberg "
        "FDR at 0.05; the change is the late minus the early share.",
        "models": models,
        "agreement": agreement,
    }


def _trend(kind: str, shares: list) -> dict:
    present = [s for s in shares if s is not None]
    early, late = present[0], present[-1]
    moving = kind != "steady"
    sign = 1 if late >= early else -1
    return {
        "class": kind,
        "significant": moving,
        "statistic": round(sign * 0.9, 6) if moving else 0.05,
        "p": 0.001 if moving else 0.8,
        "q": 0.004 if moving else 0.85,
        "slope": round((late - early) / (len(shares) - 1), 6),
        "change": round(late - early, 6),
        "early_share": early,
        "late_share": late,
    }


def _period_words(model: str, topic: int, words: list[str]) -> list[list[str]]:
    """A topic's top words per period: its words rotated a step per period, none in the
    empty period nor (too few documents) in the 1800s; nmf's first topic takes a hostile
    word in its last period."""
    out = []
    for i in range(len(TIME_LABELS)):
        if i in (1, EMPTY_PERIOD):
            out.append([])
            continue
        out.append(words[i % len(words) :] + words[: i % len(words)])
    if model == "nmf" and topic == 0:
        out[-1] = [HOSTILE_TIME_WORD, *out[-1][:5]]
    return out
