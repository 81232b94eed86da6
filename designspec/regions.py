"""The AWS regions a design may deploy to and their availability zones, from a dated data file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "aws-regions.yaml"


@cache
def regions() -> dict[str, tuple[str, ...]]:
    """Region -> its zone names (`us-east-1` -> `us-east-1a`, ...); the file is the project's own, trusted."""
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))["regions"]
    return {region: tuple(f"{region}{letter}" for letter in letters) for region, letters in raw.items()}


def as_of() -> str:
    return str(yaml.safe_load(DATA.read_text(encoding="utf-8"))["as_of"])
