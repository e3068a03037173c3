"""Topics over time: each topic's share of every calendar period, its trend, its words.

Given each document's time, the corpus is binned into calendar periods
(:mod:`.periods`: day, week, month, quarter, year or decade, chosen from the span and
the document count or set in the config); every model's topics get their share of each
period with a Wilson band (:mod:`.prevalence`), a Mann-Kendall trend test with
Benjamini-Hochberg control of the false discovery rate and an effect size, hence a
class (rising, falling, emerging, fading, steady; :mod:`.trends`), and their top words
per period (:mod:`.words`); matched topics of two models are checked for agreeing
directions (:mod:`.agreement`). :func:`over_time` returns the ``metrics.json``
``over_time`` entry.

The entry point is imported on first use, so reading the config (which imports
:mod:`.config`) does not load numpy and scipy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from topicflow.pipelines.analysis.over_time.config import OverTimeConfig

if TYPE_CHECKING:
    from topicflow.pipelines.analysis.over_time.metrics import over_time

__all__ = ["OverTimeConfig", "over_time"]


def __getattr__(name: str) -> Any:
    if name == "over_time":
        from topicflow.pipelines.analysis.over_time.metrics import over_time

        return over_time
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
