"""The one configuration tree: pydantic models loaded from YAML, overridable from the CLI.

Every knob has a default here; ``configs/default.yaml`` spells them all out with a
comment each (a test keeps the two equal). Unknown keys and out-of-range values are
rejected with a one-line message naming the key and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, create_model, field_validator

from topicflow.pipelines.analysis.over_time.config import OverTimeConfig
from topicflow.pipelines.config_errors import describe_errors
from topicflow.pipelines.config_section import Section
from topicflow.pipelines.errors import ConfigError
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.registry import DEFAULT_MODELS, MODELS

CorpusFormat = Literal["auto", "txt", "lines", "csv", "tsv", "jsonl", "parquet"]


class CorpusConfig(Section):
    """How to read the corpus (CLI flags such as ``--text-field`` override these)."""

    format: CorpusFormat = "auto"
    text_field: str = Field("text", min_length=1)
    id_field: str | None = None
    label_field: str | None = None
    time_field: str | None = None
    # A missing or unreadable time: count (the document keeps no time; the manifest counts
    # it) | strict (the run stops, naming the row and the value).
    time_errors: Literal["count", "strict"] = "count"
    encoding_errors: Literal["replace", "strict"] = "replace"
    min_documents: int = Field(20, ge=2, le=1_000_000)
    # The corpus's name in the run history; runs of one name are compared with each other.
    name: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[\w.-]+$")


class PreprocessConfig(Section):
    """The one tokenisation and vocabulary shared by LDA, topic words and coherence."""

    clean_usenet: bool = False
    # Drop a line found in at least this many documents (signatures, greetings, bylines),
    # unless it is all its document holds; "keep" drops none.
    repeated_lines: Annotated[int, Field(ge=2, le=1_000_000)] | Literal["keep"] = 5
    lowercase: bool = True
    stopwords: Literal["english", "none"] = "english"
    extra_stopwords: tuple[str, ...] = ()
    min_token_length: int = Field(2, ge=1, le=50)
    max_token_length: int = Field(30, ge=2, le=200)
    numbers: Literal["drop", "keep"] = "drop"
    urls: Literal["drop", "keep"] = "drop"
    emails: Literal["drop", "keep"] = "drop"
    lemmatize: Literal["none", "simplemma", "lemminflect"] = "none"
    bigrams: bool = True
    bigram_min_count: int = Field(5, ge=1, le=1_000_000)
    bigram_threshold: float = Field(0.5, gt=-1, le=1)
    max_phrase_words: int = Field(3, ge=2, le=10)
    phrase_connectors: bool = True
    # "auto": 5, lowered (down to 2) until at most 5 % of the documents lose every word.
    no_below: Annotated[int, Field(ge=1, le=1_000_000)] | Literal["auto"] = 5
    no_above: float = Field(0.5, gt=0, le=1)
    keep_n: int = Field(50_000, ge=10, le=10_000_000)

    def estimator_params(self) -> dict[str, Any]:
        return self.model_dump(exclude={"clean_usenet", "repeated_lines"})


class EmbedderConfig(Section):
    """Document vectors: sentence embeddings (sentence-transformers), cached in the store."""

    model: str = Field("all-MiniLM-L6-v2", min_length=1)
    batch_size: int = Field(32, ge=1, le=4096)
    max_seq_length: int = Field(256, ge=8, le=8192)
    normalize: bool = True
    long_documents: Literal["truncate", "chunk_mean"] = "truncate"
    max_chunks: int = Field(8, ge=1, le=1000)
    device: str = Field("cpu", pattern=r"^(cpu|auto|cuda(:\d+)?|mps)$")
    # onnx-int8: int8 ONNX Runtime, several times torch fp32's speed on CPU at cosine ~0.995
    # (benchmarks/results/embedding_backends.md); falls back to torch when it cannot run.
    backend: Literal["torch", "onnx-int8"] = "onnx-int8"
    cache: bool = True
    shard_size: int = Field(10_000, ge=100, le=10_000_000)

    def estimator_params(self) -> dict[str, Any]:
        return self.model_dump(exclude={"cache", "shard_size"})

    def identity_params(self) -> dict[str, Any]:
        """The settings that change the vectors (see ``embed_identity.embedding_identity``)."""
        return self.model_dump(
            include={
                "model",
                "max_seq_length",
                "normalize",
                "long_documents",
                "max_chunks",
                "backend",
            }
        )


class AlignmentThresholds(Section):
    """Similarity a pair of topics needs to count as a match, per measure."""

    jaccard: float = Field(0.15, ge=0, le=1)
    jensen_shannon: float = Field(0.4, ge=0, le=1)
    embedding_cosine: float = Field(0.8, ge=-1, le=1)


class CompareConfig(Section):
    thresholds: AlignmentThresholds = AlignmentThresholds()


class NamingConfig(Section):
    """A short readable name (2 to 4 words) for every topic (:mod:`models.names`)."""

    enabled: bool = True
    # Phrases per topic, best by pointwise KL, that the encoder ranks for its name.
    candidates: int = Field(30, ge=2, le=1000)
    # Maximal marginal relevance: 0 ranks by fit to the topic only, 1 by unlikeness to
    # the phrases in other topics' names (and in the name so far) only.
    diversity: float = Field(0.5, ge=0, le=1)


class StabilityConfig(Section):
    """Re-fit every model with other seeds to see which topics hold (off when seeds is 0)."""

    seeds: int = Field(0, ge=0, le=50)
    recovery_threshold: float = Field(0.5, ge=0, le=1)


class HistoryConfig(Section):
    """The run-history database and how runs of one corpus are compared with the last one."""

    enabled: bool = True
    # SQLAlchemy URL; none: $TOPICFLOW_HISTORY_URL, else a SQLite file in the store.
    url: str | None = Field(None, min_length=1)
    drift_threshold: float = Field(0.3, gt=0, le=1)
    # The report's chart of topic lives shows each topic's last this many runs.
    lineage_runs: int = Field(10, ge=2, le=100)


class IncrementalConfig(Section):
    """When ``update: incremental`` gives up on the fitted topics and refits everything."""

    # Refit when documents new since the last full fit are more than this share.
    max_new_share: float = Field(0.2, ge=0, le=1)
    # Refit when more than this share of the new documents fit no existing embedding
    # topic: less similar to the nearest topic's centroid than 95 % of its own documents.
    max_novel_share: float = Field(0.3, ge=0, le=1)


class LimitsConfig(Section):
    """Bounds for unattended runs (a scheduler, cron): none by default."""

    # Seconds one stage (ingest, preprocess, a model's fit, embed, ...) may run before the
    # run fails, naming the stage; null: no limit.
    stage_timeout_s: float | None = Field(None, gt=0, le=1e7)


# One section per model family, named after it, whether or not a run fits it: a config
# can keep settings for a model it does not list in `models`.
_ModelSections = create_model(
    "_ModelSections",
    __base__=Section,
    **{name: (spec.config, spec.config()) for name, spec in MODELS.items()},
)


class Config(_ModelSections):
    """Everything a run depends on besides the corpus itself."""

    seed: int = Field(42, ge=0, le=2**32 - 1)
    top_words: int = Field(10, ge=10, le=100)
    # The model families to fit and compare, in the order the outputs list them.
    models: tuple[str, ...] = Field(DEFAULT_MODELS, min_length=1)
    corpus: CorpusConfig = CorpusConfig()
    preprocess: PreprocessConfig = PreprocessConfig()
    embedder: EmbedderConfig = EmbedderConfig()
    compare: CompareConfig = CompareConfig()
    naming: NamingConfig = NamingConfig()
    granularity: GranularityConfig = GranularityConfig()
    stability: StabilityConfig = StabilityConfig()
    history: HistoryConfig = HistoryConfig()
    # full: fit every model anew. incremental: reuse the last run's fitted topics and
    # assign only new documents to them, unless `incremental` says a refit is due.
    update: Literal["full", "incremental"] = "full"
    incremental: IncrementalConfig = IncrementalConfig()
    over_time: OverTimeConfig = OverTimeConfig()
    limits: LimitsConfig = LimitsConfig()

    @field_validator("models")
    @classmethod
    def _known_and_distinct(cls, models: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            raise ValueError(f"unknown model {unknown[0]!r} (known: {', '.join(MODELS)})")
        if len(set(models)) != len(models):
            raise ValueError("a model is listed twice")
        return models

    def model_section(self, name: str) -> BaseModel:
        """The config section of model ``name`` (``lda`` -> ``self.lda``)."""
        return getattr(self, name)

    def needs_vectors(self) -> bool:
        """Whether any listed model reads document vectors (else nothing is embedded)."""
        return any(MODELS[name].needs_vectors for name in self.models)

    def required_documents(self) -> int:
        """Fewest usable documents a run accepts: the floor, and what each listed model
        needs (one per topic for LDA and NMF, a cluster's worth for HDBSCAN)."""
        needs = [self.model_section(name).min_documents() for name in self.models]
        return max(self.corpus.min_documents, *needs)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# Keys an earlier topicflow read, and where they are now: each model's own moves, and the
# embedder's settings, which once sat in a model's section.
MOVED = {
    **{old: new for spec in MODELS.values() for old, new in spec.moved_keys.items()},
    **{
        f"{name}.{field}": f"embedder.{field}"
        for name, spec in MODELS.items()
        for field in EmbedderConfig.model_fields
        if field not in spec.config.model_fields
    },
}


def load_config(
    path: str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Config:
    """Read a YAML config (or the defaults when ``path`` is None) and apply overrides.

    ``overrides`` is a nested mapping, e.g. ``{"seed": 7, "corpus": {"text_field": "body"}}``;
    ``None`` values in it mean "not given" and are skipped.
    """
    data: dict[str, Any] = {}
    where = "config"
    if path is not None:
        where = str(path)
        data = _read_yaml(Path(path))
    if overrides:
        data = _merge(data, overrides)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid {where}: {describe_errors(exc, Config, MOVED)}") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise ConfigError(f"config file {path} is not valid YAML{at}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"config file {path} must hold a mapping of keys, not {type(data).__name__}"
        )
    return data


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if value is None:
            continue
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        elif isinstance(value, Mapping):
            merged[key] = _merge({}, value)
        else:
            merged[key] = value
    return merged
