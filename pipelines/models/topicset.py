"""A model's topics in one shape for both families: words, weights, document assignments."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

UNASSIGNED = -1  # the topic id of a document no topic claims (no words, an outlier)


@dataclass
class TopicSet:
    """Topics ``0..k-1``; ``assignments[i]`` is document i's topic or ``UNASSIGNED``."""

    words: list[list[str]]
    weights: list[list[float]]
    assignments: np.ndarray
    probabilities: np.ndarray | None = None  # confidence in each assignment, NaN when unassigned
    extra: dict = field(default_factory=dict)  # model-specific facts for the metrics
    # p(word | topic) over the shared vocabulary, when the model has one (LDA does).
    word_distributions: np.ndarray | None = None
    # A short readable name per topic (models.names), once the topics have been named.
    names: list[str] | None = None

    @property
    def n_topics(self) -> int:
        return len(self.words)

    def sizes(self) -> list[int]:
        assigned = self.assignments[self.assignments != UNASSIGNED]
        return np.bincount(assigned, minlength=self.n_topics).astype(int).tolist()

    def unassigned_share(self) -> float:
        n = len(self.assignments)
        return float(np.mean(self.assignments == UNASSIGNED)) if n else 0.0

    def records(self) -> list[dict]:
        """The ``topics.json`` entries: id, words (best first), weights, size, and the
        name when the topics have been named."""
        records = [
            {"id": i, "words": words, "weights": [round(w, 6) for w in weights], "size": size}
            for i, (words, weights, size) in enumerate(
                zip(self.words, self.weights, self.sizes(), strict=True)
            )
        ]
        if self.names is not None:
            if len(self.names) != len(records):
                raise ValueError(f"{len(self.names)} names for {len(records)} topics")
            for record, name in zip(records, self.names, strict=True):
                record["name"] = name
        return records
