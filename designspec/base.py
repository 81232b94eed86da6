"""The base of every spec model: strict types, unknown keys are errors, finite numbers only, frozen."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

RequirementId = Annotated[str, StringConstraints(pattern=r"^REQ-\d{1,6}-[A-Z][A-Z0-9-]*-\d{1,4}$")]


class Strict(BaseModel):
    """Base of every spec model.

    - strict: no coercion, so `"12"` is not 12 and `true` is not 1 (`retention_days: true` would mean one day);
      an integer is still accepted where a float is expected (`cpu_target: 60`).
    - extra="forbid": an unknown or misspelt key is an error, not silently ignored.
    - allow_inf_nan=False: `.inf` and `.nan` are not numbers a template or AWS can take.
    - frozen: a loaded design cannot be mutated.

    Lists in the YAML arrive as tuples (designspec/yamldoc.py builds them so), which strict mode requires.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Traceable(Strict):
    """A component records the work item (seq) that introduced it and the requirements it satisfies."""

    seq: int = Field(default=1, ge=1, le=1_000_000)
    requirements: tuple[RequirementId, ...] = ()
