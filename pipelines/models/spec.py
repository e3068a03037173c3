"""How the registry knows a model family, without importing it.

Kept free of numerical imports: reading a config consults the registry, and that
must not load gensim, UMAP or torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from topicflow.pipelines.models.base import TopicModel


@dataclass(frozen=True)
class ModelSpec:
    """A model family as the registry knows it: its name (the key of its config section,
    of ``topics.json`` and of the assignment columns), a title for people, its config
    section, and where its estimator lives (imported only when a model is built, so
    reading a config never loads gensim, UMAP or torch)."""

    name: str
    title: str
    config: type[BaseModel]
    estimator: str  # "package.module:Class"
    needs_vectors: bool
    description: str = ""
    # Config keys of earlier versions that now live in this model's section: old -> new.
    moved_keys: dict[str, str] = field(default_factory=dict)

    @property
    def estimator_module(self) -> str:
        return self.estimator.partition(":")[0]

    def build(
        self,
        section: BaseModel,
        *,
        seed: int,
        top_words: int,
        granularity: BaseModel | None = None,
    ) -> TopicModel:
        """An unfitted estimator configured by ``section`` (and the shared granularity rule)."""
        cls = getattr(
            importlib.import_module(self.estimator_module), self.estimator.partition(":")[2]
        )
        return cls(config=section, random_state=seed, top_words=top_words, granularity=granularity)
