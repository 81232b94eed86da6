"""The monthly cost delta of a change, per environment and per workload (Service tag) and AWS service, from the
same estimate the design doc prints (`document.estimate_for`: each environment priced in its own region).

Deltas under half a cent round to 0.00 and are left out: shifting a shared free tier among one more log group
moves every group by fractions of a cent, which is not a change anyone should review.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

NOISE = Decimal("0.005")


@dataclass(frozen=True)
class CostRow:
    service: str  # the Service tag, "(untagged)" for shared resources
    aws_service: str
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True)
class EnvironmentCost:
    environment: str
    before: Decimal
    after: Decimal
    rows: tuple[CostRow, ...]  # only rows whose delta is at least a cent
    unpriced_before: int
    unpriced_after: int

    @property
    def delta(self) -> Decimal:
        return self.after - self.before

    @property
    def changed(self) -> bool:
        return abs(self.delta) >= NOISE or bool(self.rows) or self.unpriced_before != self.unpriced_after


def _grouped(estimate: Any, env: str) -> dict[tuple[str, str], Decimal]:
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in estimate.lines_for(env):
        out[(line.service_label, line.aws_service)] += line.monthly
    return out


def diff(base: Any, head: Any) -> list[EnvironmentCost]:
    """One entry per environment of either estimate, rows sorted by the size of their delta."""
    out = []
    for env in sorted(set(base.environments) | set(head.environments)):
        old, new = _grouped(base, env), _grouped(head, env)
        rows = [
            CostRow(service, aws, old.get((service, aws), Decimal(0)), new.get((service, aws), Decimal(0)))
            for service, aws in sorted(set(old) | set(new))
        ]
        kept = sorted((r for r in rows if abs(r.delta) >= NOISE), key=lambda r: (-abs(r.delta), r.service))
        out.append(
            EnvironmentCost(
                env,
                base.total(env).monthly,
                head.total(env).monthly,
                tuple(kept),
                len(base.unpriced(env)),
                len(head.unpriced(env)),
            )
        )
    return out
