"""The specification's observability platform table and the trace stores' default retention
(`docgen/data/observability.yaml`), validated, each figure with its source and date."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from docgen.data import DATA_DIR, Strict, display_path, first_error, read_yaml
from docgen.errors import CostError

OBSERVABILITY = DATA_DIR / "observability.yaml"
FILE = "docgen/data/observability.yaml"  # as the doc's source map names it


class PlatformRow(Strict):
    key: str
    platform: str
    use_case: str
    strengths: str


class PlatformTable(Strict):
    source: str = Field(min_length=1)
    read_on: dt.date
    rows: tuple[PlatformRow, ...]


class Retention(Strict):
    days: int = Field(ge=1)
    source: str = Field(min_length=1)
    read_on: dt.date
    confidence: Literal["unverified"] | None = None
    note: str | None = None


class ObservabilityData(Strict):
    platforms: PlatformTable
    trace_retention: dict[str, Retention]


@cache
def load(path: Path = OBSERVABILITY) -> ObservabilityData:
    try:
        return ObservabilityData.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise CostError(f"{display_path(path)}: {first_error(exc)}") from None
