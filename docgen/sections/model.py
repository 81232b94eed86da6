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
    "summary": "summary",
    "contents": "summary",
    "context": "context",
    "progression": "operations",
    "architecture": "diagrams",
    "network": "network",
    "compute": "compute",
    "storage": "storage",
    "database": "database",
    "apis": "apis",
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
    "cross-references": "crossrefs",
    "success-criteria": "criteria",
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
    # what the templates asked for (tables, texts, lists, diagrams): a test checks nothing built goes unprinted
    printed: set[str] = field(default_factory=set)

    def notice(self, region: str) -> Fact:
        """The one line a region shows instead of its body when the section behind it failed ("" when not)."""
        section = REGIONS.get(region, region)
        reason = self.failures.get(section)
        if reason is None:
            return Fact(None, "", ())
        text = f"_This section could not be built from the templates ({reason}); the rest of the doc was._"
        return Fact(reason, text, (Source("manifest", "manifest.json", "/artifacts", None),))

    def table(self, name: str) -> Table:
        self.printed.add(f"table:{name}")
        return self.tables.get(name, Table((), ()))

    def says(self, name: str, default: str = "") -> Fact:
        self.printed.add(f"text:{name}")
        return self.text.get(name, Fact(None, default, ()))

    def list_of(self, name: str) -> list[Fact]:
        self.printed.add(f"list:{name}")
        return self.lists.get(name, [])

    def diagram(self, name: str) -> Any:
        self.printed.add(f"diagram:{name}")
        return self.diagrams.get(name)

    def has(self, *names: str) -> bool:
        """Whether any of these tables has rows (an optional section shows only then)."""
        return any(self.tables.get(n, Table((), ())).rows for n in names)

    def failed(self, section: str) -> Fact:
        """The notice of a section that could not be built, for a part of a region ("" when it was built)."""
        reason = self.failures.get(section)
        if reason is None:
            return Fact(None, "", ())
        text = f"_This part could not be built from the templates ({reason}); the rest of the doc was._"
        return Fact(reason, text, (Source("manifest", "manifest.json", "/artifacts", None),))

    def unprinted(self) -> list[str]:
        """What was built but no template printed: a fact lost between the model and the files."""
        built = (
            [f"table:{n}" for n, tb in self.tables.items() if tb.rows]
            + [f"text:{n}" for n, x in self.text.items() if x.text]
            + [f"list:{n}" for n, x in self.lists.items() if x]
            + [f"diagram:{n}" for n in self.diagrams]
        )
        return [b for b in built if b not in self.printed]


def cell(value: Fact | str) -> Fact:
    return value if isinstance(value, Fact) else Fact(value, value, ())


def t(headers: Sequence[str], rows: Sequence[Sequence[Fact | str]]) -> Table:
    return Table(tuple(headers), tuple(tuple(cell(c) for c in row) for row in rows))


def env_cell(env: str, sources: Sequence[Any] = ()) -> Fact:
    """An environment's name as a cell; its source is the stage in the manifest (see facts.environments)."""
    return Fact(env, env, tuple(sources))
