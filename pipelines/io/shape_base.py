"""What every part of a run file shares: the base model and the number type."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

Number = float | None  # a score; null in the file where it is undefined (NaN)


class Shape(BaseModel):
    """A part of a run file: unknown keys are refused, so a wrong shape is caught."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
