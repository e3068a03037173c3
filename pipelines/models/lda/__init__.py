"""Classical topics: LDA (gensim) as a scikit-learn-style estimator."""

from topicflow.pipelines.models.lda.config import LdaConfig
from topicflow.pipelines.models.spec import ModelSpec

SPEC = ModelSpec(
    name="lda",
    title="LDA",
    config=LdaConfig,
    estimator="topicflow.pipelines.models.lda.model:LdaModel",
    needs_vectors=False,
    description="latent Dirichlet allocation (gensim), NMF-started, relevance-ranked words",
    # Before topic trees, auto swept counts itself; the shared granularity rule does it now.
    moved_keys={
        "lda.auto_range": "granularity (min_topics, max_topics)",
        "lda.auto_tolerance": "granularity.tolerance",
    },
)
