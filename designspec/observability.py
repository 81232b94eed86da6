"""Observability settings: logging, tracing, alert routing and dashboards (defaults follow the specification)."""

from __future__ import annotations

from designspec.base import Strict


class ObservabilitySpec(Strict):
    """Placeholder until the observability issue fills it in; every field must have a default."""
