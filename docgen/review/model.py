"""One review of a change: two cloud assemblies (the base and the change) compared for the people who approve
it. Resources, replacements, cost, security and the doc's sections, as data; `markdown.py` writes the comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from docgen import document
from docgen.assembly.model import Assembly
from docgen.review import costs, resources, schemas, sections, security
from docgen.review.costs import EnvironmentCost
from docgen.review.resources import ResourceChange
from docgen.review.sections import SectionChange
from docgen.review.security import SecurityDelta

FORMAT = "docgen-review/1"


@dataclass(frozen=True)
class Review:
    base: str  # what the change is compared with, as the user named it (a folder or a git ref)
    head: str
    environments: tuple[str, ...]
    stacks_added: dict[str, tuple[str, ...]]  # environment -> stack construct paths (without environment)
    stacks_removed: dict[str, tuple[str, ...]]
    resources: tuple[ResourceChange, ...]
    costs: tuple[EnvironmentCost, ...]
    security: SecurityDelta
    sections: tuple[SectionChange, ...] | None  # None: the docs were not compared
    notes: tuple[str, ...] = ()

    def changes(self, environment: str) -> tuple[ResourceChange, ...]:
        return tuple(c for c in self.resources if c.environment == environment)

    def count(self, environment: str, change: str) -> int:
        return sum(1 for c in self.changes(environment) if c.change == change)

    def replacements(self, environment: str | None = None) -> tuple[ResourceChange, ...]:
        return tuple(c for c in self.resources if c.replacement and environment in (None, c.environment))

    @property
    def empty(self) -> bool:
        costs_changed = any(c.changed for c in self.costs)
        return not (self.resources or costs_changed or self.security or self.sections)


def _stacks(assembly: Assembly) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for s in assembly.stacks:
        out.setdefault(s.environment, set()).add(s.construct_path.removeprefix(f"{s.environment}/"))
    return out


def build(
    base: Assembly, head: Assembly, labels: tuple[str, str], docs: tuple[str, str] | None = None
) -> Review:
    """The review of `head` against `base`; `docs` are both design docs rendered with the same template."""
    old, new = _stacks(base), _stacks(head)
    envs = tuple(sorted(set(old) | set(new)))
    notes = []
    if schemas.schema_dir() is None:
        notes.append(
            "replacements not assessed: cfn-lint (CloudFormation's resource schemas) is not installed"
        )
    if docs is None:
        notes.append("doc sections not compared")
    return Review(
        base=labels[0],
        head=labels[1],
        environments=envs,
        stacks_added={e: tuple(sorted(new.get(e, set()) - old.get(e, set()))) for e in envs},
        stacks_removed={e: tuple(sorted(old.get(e, set()) - new.get(e, set()))) for e in envs},
        resources=tuple(resources.diff(base, head)),
        costs=tuple(costs.diff(document.estimate_for(base), document.estimate_for(head))),
        security=security.diff(base, head),
        sections=tuple(sections.diff(*docs)) if docs is not None else None,
        notes=tuple(notes),
    )


def money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def to_json(review: Review) -> dict[str, Any]:
    """The review as data: the same facts as the comment, amounts as numbers (USD per month, to the cent)."""
    return {
        "format": FORMAT,
        "base": review.base,
        "head": review.head,
        "environments": [_environment(review, env) for env in review.environments],
        "sections": None
        if review.sections is None
        else [
            {
                "region": s.region,
                "heading": s.heading,
                "change": s.change,
                "linesAdded": s.lines_added,
                "linesRemoved": s.lines_removed,
            }
            for s in review.sections
        ],
        "notes": list(review.notes),
    }


def _environment(review: Review, env: str) -> dict[str, Any]:
    cost = next((c for c in review.costs if c.environment == env), None)
    sec = review.security
    return {
        "name": env,
        "stacksAdded": list(review.stacks_added.get(env, ())),
        "stacksRemoved": list(review.stacks_removed.get(env, ())),
        "resources": [_resource(c) for c in review.changes(env)],
        "cost": None
        if cost is None
        else {
            "before": money(cost.before),
            "after": money(cost.after),
            "delta": money(cost.delta),
            "rows": [
                {
                    "service": r.service,
                    "awsService": r.aws_service,
                    "before": money(r.before),
                    "after": money(r.after),
                    "delta": money(r.delta),
                }
                for r in cost.rows
            ],
            "unpricedBefore": cost.unpriced_before,
            "unpricedAfter": cost.unpriced_after,
        },
        "security": {
            "acknowledgements": _acks(sec.acknowledgements.get(env)),
            "ingress": _set(sec.ingress.get(env)),
            "iam": {role: _set(d) for role, d in sec.iam.get(env, {}).items()},
        },
    }


def _set(delta: Any) -> dict[str, list[str]]:
    return (
        {"added": list(delta.added), "removed": list(delta.removed)}
        if delta
        else {"added": [], "removed": []}
    )


def _acks(delta: Any) -> dict[str, list[dict[str, str]]]:
    def rows(items: Any) -> list[dict[str, str]]:
        return [{"rule": rule, "resource": where, "reason": reason} for rule, where, reason in items]

    return (
        {"added": rows(delta.added), "removed": rows(delta.removed)}
        if delta
        else {"added": [], "removed": []}
    )


def _resource(c: ResourceChange) -> dict[str, Any]:
    return {
        "change": c.change,
        "stack": c.stack,
        "path": c.path,
        "type": c.type,
        "logicalId": c.logical_id,
        "service": c.service,
        "replacement": c.replacement if c.change == "changed" else None,
        "properties": [
            {"path": p.path, "before": p.before, "after": p.after, "replaces": p.replaces}
            for p in c.properties
        ],
    }
