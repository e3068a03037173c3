"""The ``nmf`` section of the config: non-negative matrix factorisation of TF-IDF."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from topicflow.pipelines.config_section import Section


class NmfConfig(Section):
    """Classical topics: scikit-learn NMF on the shared TF-IDF matrix (the BERTopic
    paper's classical baseline beside LDA)."""

    # auto: fit leaf topics and let the granularity rule pick the cut (see .model).
    n_topics: Annotated[int, Field(ge=1, le=1000)] | Literal["auto"] = "auto"
    init: Literal["nndsvd", "nndsvda", "nndsvdar", "random"] = "nndsvd"
    beta_loss: Literal["frobenius", "kullback-leibler"] = "frobenius"
    max_iter: int = Field(400, ge=1, le=100_000)
    alpha_w: float = Field(0.0, ge=0, le=100)
    l1_ratio: float = Field(0.0, ge=0, le=1)

    def min_documents(self) -> int:
        """One document per topic at least (``auto`` fits as many leaves as suit the corpus)."""
        return 1 if self.n_topics == "auto" else self.n_topics
