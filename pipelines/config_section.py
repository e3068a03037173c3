"""What every configuration section shares: strict, frozen pydantic models.

Kept apart from :mod:`topicflow.pipelines.config` so that each model's package can
declare its own section without importing the whole configuration tree.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

PositiveFloat = Annotated[float, Field(gt=0, le=1e6)]


class Section(BaseModel):
    """A block of the YAML config: unknown keys are errors, values never change after load."""

    model_config = ConfigDict(extra="forbid", frozen=True)
