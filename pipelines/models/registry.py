"""The model families topicflow knows, by name.

A family is a package under ``pipelines/models/`` that exposes a :class:`ModelSpec`
as ``SPEC``; listing it here is all it takes for the config to gain its section
and for every output (topics, assignments, comparison, report, history) to include
it. Nothing outside a model's own package and this module names a model.
"""

from __future__ import annotations

from topicflow.pipelines.models.embedding import SPEC as EMBEDDING
from topicflow.pipelines.models.lda import SPEC as LDA
from topicflow.pipelines.models.nmf import SPEC as NMF
from topicflow.pipelines.models.spec import ModelSpec

MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (LDA, NMF, EMBEDDING)}

# What a run fits when the config does not say: the two families the product compares.
DEFAULT_MODELS: tuple[str, ...] = (LDA.name, EMBEDDING.name)


def spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(MODELS)
        raise KeyError(f"unknown model {name!r} (known models: {known})") from None


def title(name: str) -> str:
    """A model's name for people ("LDA"); an unknown name (an older run) as it is."""
    return MODELS[name].title if name in MODELS else name
