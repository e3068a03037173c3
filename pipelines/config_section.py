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


class TopicRange(Section):
    """Candidate topic counts ``min..max`` in steps of ``step``."""

    min: int = Field(5, ge=2, le=1000)
    max: int = Field(30, ge=2, le=1000)
    step: int = Field(5, ge=1, le=1000)

    def values(self) -> list[int]:
        return list(range(self.min, self.max + 1, self.step))
