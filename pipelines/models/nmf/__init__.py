"""Classical topics: NMF (scikit-learn) on the shared TF-IDF matrix."""

from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.spec import ModelSpec

SPEC = ModelSpec(
    name="nmf",
    title="NMF",
    config=NmfConfig,
    estimator="topicflow.pipelines.models.nmf.model:NmfModel",
    needs_vectors=False,
    description="non-negative matrix factorisation (scikit-learn) of the TF-IDF matrix",
)
