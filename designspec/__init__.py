"""The design spec: YAML in, a validated and frozen Design out. Knows pydantic and yaml, nothing of CDK."""

from designspec.errors import SpecError
from designspec.loader import load_design, parse_design
from designspec.model import Design

__all__ = ["Design", "SpecError", "load_design", "parse_design"]
