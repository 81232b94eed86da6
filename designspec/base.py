"""The base of every spec model: strict (unknown keys are errors) and frozen (a loaded design is read-only)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Base of every spec model: unknown keys are errors and a loaded design cannot be mutated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
