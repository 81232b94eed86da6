"""What a check returns: the mismatches it found and how many facts it compared."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mismatch:
    kind: str  # a short class name, e.g. "region", "alarm-threshold": the lead fixes docgen class by class
    where: str  # doc section / table / row
    doc: str  # what the doc says
    template: str  # what the templates (or generated files) say
    source: str  # where the template value came from: stack, logical id, property path, or a file

    def line(self) -> str:
        return f"[{self.kind}] {self.where}: doc says {self.doc!r}; templates say {self.template!r} ({self.source})"


@dataclass
class Result:
    mismatches: list[Mismatch] = field(default_factory=list)
    facts: int = 0

    def fact(self, ok: bool, kind: str, where: str, doc: object, template: object, source: str) -> bool:
        """Count one compared fact; record a mismatch when it does not hold."""
        self.facts += 1
        if not ok:
            self.mismatches.append(Mismatch(kind, where, str(doc), str(template), source))
        return ok

    def equal(self, kind: str, where: str, doc: object, template: object, source: str) -> bool:
        return self.fact(_norm(doc) == _norm(template), kind, where, doc, template, source)

    def extend(self, other: Result) -> None:
        self.mismatches.extend(other.mismatches)
        self.facts += other.facts


def _norm(value: object) -> object:
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value.strip()).lower()
    return value
