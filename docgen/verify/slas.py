"""The published SLAs availability is computed from (`docgen/data/slas.yaml`), each with its source and date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from docgen.data import DATA_DIR, Strict, decimal, display_path, first_error, read_yaml
from docgen.errors import CostError

SLAS = DATA_DIR / "slas.yaml"


class Sla(Strict):
    """A published monthly uptime commitment."""

    service: str
    scope: str
    uptime_percent: Decimal
    source: str = Field(min_length=1)
    read_on: dt.date
    confidence: Literal["unverified"] | None = None
    note: str | None = None

    @field_validator("uptime_percent", mode="before")
    @classmethod
    def _check_uptime(cls, value: Any) -> Decimal:
        return decimal(value)


def load_slas(path: Path = SLAS) -> dict[str, Sla]:
    """The SLA table keyed like `rds.multi_az`, validated."""
    shown = display_path(path)
    raw = read_yaml(path).get("slas")
    if not isinstance(raw, dict):
        raise CostError(f"{shown}: expected a mapping under `slas`")
    out: dict[str, Sla] = {}
    for key, value in raw.items():
        try:
            out[str(key)] = Sla.model_validate(value)
        except ValidationError as exc:
            raise CostError(f"{shown}: slas.{key}.{first_error(exc)}") from None
    return out
