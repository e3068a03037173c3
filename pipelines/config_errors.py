"""Pydantic's validation errors of a config tree as one line a user can act on:
the dotted key, the problem, and what the key allows (its choices, type and range),
or the keys allowed beside an unknown one."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import BaseModel, ValidationError


def describe_errors(
    exc: ValidationError, root: type[BaseModel], moved: Mapping[str, str] | None = None
) -> str:
    """Pydantic's errors validating ``root`` as one line: ``key.path: problem (allowed:
    ...)`` joined by ``; ``; an unknown key that ``moved`` maps says where it went."""
    moved = moved or {}
    # A value checked against a union (``int | "auto"``) fails once per member; those
    # failures share the field's location and are reported together.
    grouped: dict[tuple[str, ...], list[dict]] = {}
    for error in exc.errors():
        grouped.setdefault(_field_loc(root, error["loc"]), []).append(error)
    parts = []
    for loc, errors in grouped.items():
        key = ".".join(loc) or "(top level)"
        if errors[0]["type"] == "extra_forbidden" and key in moved:
            parts.append(f"{key}: moved to {moved[key]}")
            continue
        if errors[0]["type"] == "extra_forbidden":
            allowed = ", ".join(_fields_at(root, loc[:-1]))
            parts.append(f"{key}: unknown key (allowed keys: {allowed})")
            continue
        message = errors[0]["msg"] if len(errors) == 1 else "not an allowed value"
        allowed = _allowed_at(root, loc)
        got = errors[0].get("input")
        got_text = "" if isinstance(got, Mapping) else f", got {got!r}"
        hint = f" (allowed: {allowed}{got_text})" if allowed else ""
        parts.append(f"{key}: {message}{hint}")
    return "; ".join(parts)


def _field_loc(root: type[BaseModel], loc: tuple) -> tuple[str, ...]:
    """The error location without pydantic's union-member tags (``literal[...]``, ``int``)."""
    names: list[str] = []
    model: type[BaseModel] | None = root
    for part in (str(p) for p in loc):
        if model is None:
            break  # past the field: what follows is a union-member tag
        names.append(part)
        if part not in model.model_fields:
            break  # an unknown key
        annotation = model.model_fields[part].annotation
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
    return tuple(names)


def _field_at(root: type[BaseModel], loc: tuple[str, ...]):
    """The pydantic FieldInfo at a dotted location, or None."""
    model: type[BaseModel] | None = root
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


def _fields_at(root: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    if not loc:
        return list(root.model_fields)
    info = _field_at(root, loc)
    annotation = getattr(info, "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _allowed_at(root: type[BaseModel], loc: tuple[str, ...]) -> str:
    """A short statement of what a field accepts: its choices, type and range."""
    info = _field_at(root, loc)
    if info is None:
        return ""
    return " | ".join(_describe(info.annotation, list(info.metadata)))


def _describe(annotation: Any, metadata: list[Any], in_union: bool = False) -> list[str]:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return [str(a) for a in typing.get_args(annotation)]
    if origin is Annotated:
        base, *extra = typing.get_args(annotation)
        inner = [m for x in extra for m in getattr(x, "metadata", [x])]
        return _describe(base, metadata + inner, in_union)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return [d for arg in args for d in _describe(arg, metadata, in_union=len(args) > 1)]
    if annotation in (int, float):
        bounds = _bounds(metadata)
        if not in_union:
            return [bounds] if bounds else []
        name = "an integer" if annotation is int else "a number"
        return [f"{name} {bounds}".strip()]
    return []


def _bounds(metadata: list[Any]) -> str:
    low = high = None
    for meta in metadata:
        if isinstance(meta, annotated_types.Ge):
            low = f">= {meta.ge}"
        elif isinstance(meta, annotated_types.Gt):
            low = f"> {meta.gt}"
        elif isinstance(meta, annotated_types.Le):
            high = f"<= {meta.le}"
        elif isinstance(meta, annotated_types.Lt):
            high = f"< {meta.lt}"
    return " and ".join(b for b in (low, high) if b)
