"""Verifies requirement targets (availability %, RPO, RTO) against the design and tabulates the arithmetic.

The figures come from docgen/availability.py (request paths, SLAs, recovery); a verdict per stated target is
met, unmet (which blocks a work item), `no target stated` (an NFR-AVAIL requirement without one: reported,
not blocking) or unverifiable (nothing carries the requirement, or its environment is not in the design).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from docgen.assembly.model import Assembly
from docgen.facts.fact import counted
from docgen.verify.availability import (
    EnvironmentDesign,
    Figure,
    Recovery,
    RequestPath,
    load_recovery,
    minutes,
    percent,
)
from docgen.verify.slas import Sla, load_slas
from docgen.verify.targets import Target

NFR_AVAIL = re.compile(r"^REQ-\d+-NFR-AVAIL-\d+$")


@dataclass(frozen=True)
class Verdict:
    requirement: str
    environment: str
    measure: str  # availability | RPO | RTO | -
    target: str
    design: str
    status: str  # met | unmet | no target stated | unverifiable
    arithmetic: str

    @property
    def reason(self) -> str:
        return (
            f"{self.requirement} {self.measure} target {self.target} is unmet in {self.environment}: "
            f"design gives {self.design} ({self.arithmetic})"
        )


@dataclass(frozen=True)
class Verification:
    production: str
    paths: tuple[RequestPath, ...]
    recoveries: tuple[Recovery, ...]
    verdicts: tuple[Verdict, ...]
    slas: Mapping[str, Sla]
    figures: Mapping[str, Figure]

    @property
    def unmet(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == "unmet"]

    def summary(self, requirement: str) -> str:
        """One cell for the traceability matrix: `availability met, RPO unmet` or `no target stated`."""
        mine = [v for v in self.verdicts if v.requirement == requirement]
        if not mine:
            return "-"
        if len(mine) == 1 and mine[0].measure == "-":
            return mine[0].status
        return ", ".join(f"{v.measure} {v.status}" for v in mine)


# --- verifying targets ----------------------------------------------------------------------------


def _relevant(paths: list[RequestPath], env: EnvironmentDesign, requirement: str) -> list[RequestPath]:
    """The paths a requirement is about: those whose service carries it, else those passing through it."""
    owned = [p for p in paths if requirement in env.requirements(p.owner)]
    if owned:
        return owned
    return [p for p in paths if any(requirement in env.requirements(f.component_id) for f in p.factors)]


def _availability(rid: str, env: str, goal: Decimal, paths: list[RequestPath]) -> Verdict:
    if not paths:
        return Verdict(
            rid,
            env,
            "availability",
            f"{goal}%",
            "-",
            "unverifiable",
            "no request path passes through a component that carries it",
        )
    worst = min(paths, key=lambda p: (p.availability, p.name))
    status = "met" if worst.availability >= goal else "unmet"
    sign = "≥" if status == "met" else "<"
    return Verdict(
        rid,
        env,
        "availability",
        f"{goal}%",
        percent(worst.availability),
        status,
        f"weakest of {counted(len(paths), 'path')}, {worst.name}: {worst.arithmetic} {sign} {goal}%",
    )


def _recovery(rid: str, env: str, measure: str, goal: Decimal, dbs: list[Recovery]) -> Verdict:
    target = minutes(goal)
    if not dbs:
        return Verdict(rid, env, measure, target, "-", "unverifiable", "no database on its request paths")
    if measure == "RPO":
        worst = max(dbs, key=lambda r: (r.rpo is None, r.rpo or 0))
        value, basis = worst.rpo, worst.rpo_basis
    else:
        worst = max(dbs, key=lambda r: r.rto)
        value, basis = worst.rto, worst.rto_basis
    status = "met" if value is not None and value <= goal else "unmet"
    sign = "≤" if status == "met" else ">"
    return Verdict(
        rid,
        env,
        measure,
        target,
        minutes(value),
        status,
        f"{worst.database}: {basis}; {minutes(value)} {sign} {target}",
    )


def _verdicts(
    rid: str,
    tgt: Target | None,
    envs: Mapping[str, EnvironmentDesign],
    production: str,
    paths: list[RequestPath],
    recoveries: list[Recovery],
    carried: set[str],
) -> list[Verdict]:
    if tgt is None or (tgt.availability is None and tgt.rpo_minutes is None and tgt.rto_minutes is None):
        return [
            Verdict(
                rid,
                production,
                "-",
                "-",
                "-",
                "no target stated",
                "state one in design-docs/requirements.yaml or the context's `targets`",
            )
        ]
    env_name = tgt.environment or production
    if env_name not in envs:
        return [
            Verdict(
                rid,
                env_name,
                "-",
                "-",
                "-",
                "unverifiable",
                f"environment {env_name} is not in the design ({', '.join(envs) or 'none'})",
            )
        ]
    if rid not in carried:
        return [Verdict(rid, env_name, "-", "-", "-", "unverifiable", "no resource carries this requirement")]
    env = envs[env_name]
    mine = _relevant([p for p in paths if p.environment == env_name], env, rid)
    on_paths = {f.component_id for p in mine for f in p.factors}
    dbs = [r for r in recoveries if r.environment == env_name and r.component_id in on_paths]
    out = []
    if tgt.availability is not None:
        out.append(_availability(rid, env_name, tgt.availability, mine))
    if tgt.rpo_minutes is not None:
        out.append(_recovery(rid, env_name, "RPO", tgt.rpo_minutes, dbs))
    if tgt.rto_minutes is not None:
        out.append(_recovery(rid, env_name, "RTO", tgt.rto_minutes, dbs))
    return out


def verify(
    assembly: Assembly,
    targets: Mapping[str, Target],
    environments: Iterable[str],
    extra_ids: Iterable[str] = (),
) -> Verification:
    """Paths, recovery and a verdict per stated target (and per NFR-AVAIL id without one)."""
    slas, figures = load_slas(), load_recovery()
    order = list(environments)
    production = order[-1] if order else ""
    envs = {name: EnvironmentDesign(assembly, name, slas, figures) for name in order}
    paths = [p for env in envs.values() for p in env.paths()]
    recoveries = [r for env in envs.values() for r in env.recoveries()]
    carried = {req for r in assembly.resources for req in r.requirements}
    ids = sorted(
        {*(i for i in carried if NFR_AVAIL.match(i)), *targets, *(i for i in extra_ids if NFR_AVAIL.match(i))}
    )
    verdicts = [
        v
        for rid in ids
        for v in _verdicts(rid, targets.get(rid), envs, production, paths, recoveries, carried)
    ]
    used = sorted({f.sla_key for p in paths for f in p.factors})
    return Verification(
        production, tuple(paths), tuple(recoveries), tuple(verdicts), {k: slas[k] for k in used}, figures
    )
