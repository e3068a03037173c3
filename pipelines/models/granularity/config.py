"""The ``granularity`` section of the config (kept free of numerical imports: reading a
config must not load gensim)."""

from __future__ import annotations

from pydantic import Field, model_validator

from topicflow.pipelines.config_section import Section


class GranularityConfig(Section):
    """The ``granularity`` section: how every model with ``n_topics: auto`` picks its count,
    and at which level the run reports and compares the models."""

    min_topics: int = Field(3, ge=2, le=1000)
    max_topics: int = Field(40, ge=2, le=1000)
    max_topic_share: float = Field(0.25, gt=0, le=1)
    # ...that is also incoherent: its parts' score beats its own by more than this (scored
    # by word vectors: its parts are not more alike than other pairs of topics by this).
    catch_all_gain: float = Field(0.02, ge=0, le=1)
    min_diversity: float = Field(0.6, ge=0, le=1)
    # When more than this share of the word pairs the rule scores never share a window
    # (documents of a few words), NPMI measures that sparsity: the rule then scores word
    # vectors' cosine instead (pipelines.models.granularity.rule). 1 = always NPMI.
    max_unseen_pairs: float = Field(0.5, ge=0, le=1)
    tolerance: float = Field(0.01, ge=0, le=1)
    # Leaf topics for the families that fit a fixed number (LDA, NMF): one per this many
    # documents, between min_topics and max_topics, so a small corpus gets few leaves.
    documents_per_leaf: int = Field(20, ge=1, le=1_000_000)
    # Report every model at one count: the finest of their chosen counts that every model
    # has and admits (pipelines.analysis.levels); false: each model at its own choice.
    match_levels: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> GranularityConfig:
        if self.min_topics > self.max_topics:
            raise ValueError(
                f"min_topics ({self.min_topics}) is above max_topics ({self.max_topics})"
            )
        return self

    def leaves_for(self, n_documents: int) -> int:
        """How many leaf topics a fixed-count family fits on ``n_documents`` documents."""
        wanted = n_documents // self.documents_per_leaf
        return int(min(self.max_topics, max(self.min_topics, wanted), max(n_documents, 1)))
