"""The one configuration tree: pydantic models loaded from YAML, overridable from the CLI.

Every knob has a default here; ``configs/default.yaml`` spells them all out with a
comment each (a test keeps the two equal). Unknown keys and out-of-range values are
rejected with a one-line message naming the key and what is allowed.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import annotated_types
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.errors import ConfigError

CorpusFormat = Literal["auto", "txt", "lines", "csv", "tsv", "jsonl", "parquet"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CorpusConfig(_Section):
    """How to read the corpus (CLI flags such as ``--text-field`` override these)."""

    format: CorpusFormat = "auto"
    text_field: str = Field("text", min_length=1)
    id_field: str | None = None
    label_field: str | None = None
    time_field: str | None = None
    encoding_errors: Literal["replace", "strict"] = "replace"
    min_documents: int = Field(20, ge=2, le=1_000_000)


class Config(_Section):
    """Everything a run depends on besides the corpus itself."""

    seed: int = Field(42, ge=0, le=2**32 - 1)
    corpus: CorpusConfig = CorpusConfig()

    def required_documents(self) -> int:
        """Fewest usable documents a run accepts."""
        return self.corpus.min_documents

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


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
        raise ConfigError(f"invalid {where}: {describe_errors(exc)}") from None


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


def describe_errors(exc: ValidationError) -> str:
    """Pydantic's errors as one line: ``key.path: problem (allowed: ...)`` joined by ``; ``."""
    parts = []
    for error in exc.errors():
        loc = tuple(str(p) for p in error["loc"])
        key = ".".join(loc) or "(top level)"
        if error["type"] == "extra_forbidden":
            allowed = ", ".join(_fields_at(loc[:-1]))
            parts.append(f"{key}: unknown key (allowed keys: {allowed})")
            continue
        allowed = _allowed_at(loc)
        got = error.get("input")
        got_text = "" if isinstance(got, Mapping) else f", got {got!r}"
        hint = f" (allowed: {allowed}{got_text})" if allowed else ""
        parts.append(f"{key}: {error['msg']}{hint}")
    return "; ".join(parts)


def _field_at(loc: tuple[str, ...]):
    """The pydantic FieldInfo at a dotted location, or None."""
    model: type[BaseModel] | None = Config
    info = None
    for name in loc:
        if model is None or name not in model.model_fields:
            return None
        info = model.model_fields[name]
        annotation = info.annotation
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
    return info


def _fields_at(loc: tuple[str, ...]) -> list[str]:
    if not loc:
        return list(Config.model_fields)
    info = _field_at(loc)
    annotation = getattr(info, "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _allowed_at(loc: tuple[str, ...]) -> str:
    """A short statement of what a field accepts: its range or its choices."""
    info = _field_at(loc)
    if info is None:
        return ""
    choices = _literal_choices(info.annotation)
    if choices:
        return " | ".join(str(c) for c in choices)
    low = high = None
    for meta in info.metadata:
        if isinstance(meta, annotated_types.Ge):
            low = f">= {meta.ge}"
        elif isinstance(meta, annotated_types.Gt):
            low = f"> {meta.gt}"
        elif isinstance(meta, annotated_types.Le):
            high = f"<= {meta.le}"
        elif isinstance(meta, annotated_types.Lt):
            high = f"< {meta.lt}"
    bounds = [b for b in (low, high) if b]
    return " and ".join(bounds)


def _literal_choices(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    choices: tuple[Any, ...] = ()
    for arg in typing.get_args(annotation):  # Optional[Literal[...]] and friends
        choices += _literal_choices(arg)
    return choices
