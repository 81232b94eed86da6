"""The doc model the template renders: tables of facts, paragraphs, checklists and diagram inputs.

Every cell is a `Fact` (text plus the sources it was read from); nothing here is computed in the template.
A cell given as a plain string has no source: the source-map test flags it, so every section builds facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docgen.facts.fact import Fact, Source

# The doc's generated regions and the section (or step) that fills each: a failed one is named in its regions.
REGIONS = {
    "summary": "context",
    "context": "context",
    "progression": "operations",
    "architecture": "diagrams",
    "network": "network",
    "compute": "compute",
    "discovery": "discovery",
    "servers": "servers",
    "serverless": "serverless",
    "datastores": "datastores",
    "apis": "apis",
    "events": "events",
    "waf": "firewall",
    "storage": "storage",
    "database": "database",
    "security": "security",
    "observability": "observability",
    "cicd": "delivery",
    "compose": "delivery",
    "dr": "dr",
    "cost": "cost",
    "compliance": "governance",
    "operations": "operations",
    "scalability": "compute",
    "matrix": "matrix",
    "traceability": "requirements",
    "verification": "requirements",
    "success-criteria": "criteria",
    "inventory": "inventory",
}


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Fact, ...], ...]

    def has_rows(self) -> bool:
        return bool(self.rows)


@dataclass(frozen=True)
class Check:
    """A success criterion: ticked only when its evidence holds; the evidence is a fact like any cell."""

    label: str
    ok: bool
    evidence: Fact


@dataclass
class DocModel:
    """Plain data for the template: no arithmetic or lookups are left for Jinja."""

    project: Fact
    environments: list[str]
    tables: dict[str, Table] = field(default_factory=dict)
    text: dict[str, Fact] = field(default_factory=dict)
    lists: dict[str, list[Fact]] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    diagrams: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # section -> why it could not be built

    def notice(self, region: str) -> Fact:
        """The one line a region shows instead of its body when the section behind it failed ("" when not)."""
        section = REGIONS.get(region, region)
        reason = self.failures.get(section)
        if reason is None:
            return Fact(None, "", ())
        text = f"_This section could not be built from the templates ({reason}); the rest of the doc was._"
        return Fact(reason, text, (Source("manifest", "manifest.json", "/artifacts", None),))

    def table(self, name: str) -> Table:
        return self.tables.get(name, Table((), ()))

    def says(self, name: str, default: str = "") -> Fact:
        return self.text.get(name, Fact(None, default, ()))


def cell(value: Fact | str) -> Fact:
    return value if isinstance(value, Fact) else Fact(value, value, ())


def t(headers: Sequence[str], rows: Sequence[Sequence[Fact | str]]) -> Table:
    return Table(tuple(headers), tuple(tuple(cell(c) for c in row) for row in rows))


def env_cell(env: str, sources: Sequence[Any] = ()) -> Fact:
    """An environment's name as a cell; its source is the stage in the manifest (see facts.environments)."""
    return Fact(env, env, tuple(sources))
