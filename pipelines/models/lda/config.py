"""The ``lda`` section of the config: classical topics with gensim LDA."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from topicflow.pipelines.config_section import PositiveFloat, Section


class LdaConfig(Section):
    """Classical topics: gensim LDA (online variational Bayes)."""

    # auto: fit leaf topics and let the granularity rule pick the cut (see .model).
    n_topics: Annotated[int, Field(ge=1, le=1000)] | Literal["auto"] = "auto"
    # auto: about 100,000 document visits, 1 to 10 passes (see .estimator.auto_passes).
    passes: Annotated[int, Field(ge=1, le=1000)] | Literal["auto"] = "auto"
    iterations: int = Field(400, ge=1, le=100_000)
    chunksize: int = Field(256, ge=1, le=1_000_000)
    alpha: Literal["symmetric", "asymmetric", "auto"] | PositiveFloat = "auto"
    eta: Literal["symmetric", "auto"] | PositiveFloat = "auto"
    decay: float = Field(0.7, gt=0.5, le=1)
    offset: float = Field(16.0, ge=1, le=1e6)
    init: Literal["nmf", "random"] = "nmf"
    relevance: float = Field(0.8, ge=0, le=1)
    workers: int = Field(1, ge=1, le=256)

    def estimator_params(self) -> dict[str, Any]:
        """The :class:`.estimator.LdaTopicModel` parameters (topic count and seed aside)."""
        return self.model_dump(exclude={"n_topics"})

    def min_documents(self) -> int:
        """One document per topic at least (``auto`` fits as many leaves as suit the corpus)."""
        return 1 if self.n_topics == "auto" else self.n_topics
