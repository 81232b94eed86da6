"""Deployment Progression and Operations: where each phase runs, how changes reach production, who hears an
alarm, and what a budget watches; every sentence is built from the facts that make it true."""

from __future__ import annotations

from collections import Counter

from docgen.facts import compute, governance
from docgen.facts import observability as obs
from docgen.facts.fact import Fact, counted, derived
from docgen.facts.index import PHASES, phase
from docgen.sections.context import platform_of
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    model.tables["progression"] = _progression(inputs)
    model.lists["operations"] = _operations(inputs)


def _progression(inputs: SectionInputs) -> object:
    rows: list[list[Fact | str]] = []
    if inputs.compose:
        services = inputs.generated("compose.json", "services", fmt=lambda v: str(len(v or [])))
        file = inputs.generated("compose.json", "file")
        rows.append(
            [
                derived("Development", "Development", [file]),
                derived("dev", "dev (local)", [file]),
                derived(None, "Docker Compose", [file]),
                derived(
                    None,
                    f"{services.text} services from `{file.text}`: local development and tests",
                    [services, file],
                ),
            ]
        )
    for env in inputs.environments:
        name = inputs.env_name(env)
        services = compute.ecs_services(inputs.index, env)
        scaled = [s for s in services if s.policies]
        if services:
            runs = derived(
                len(services),
                f"{len(services)} ECS services, {len(scaled)} auto-scaled",
                [s.name for s in services],
            )
        else:
            count = sum(1 for r in inputs.assembly.resources if r.environment == env)
            runs = derived(count, f"{count} resources, no ECS service", [name])
        last = env.split("/")[-1]  # a nested Stage's own name
        named = phase(last) if last.lower() in PHASES else env
        rows.append([derived(named, named, [name]), name, platform_of(inputs, env), runs])
    return t(["Phase", "Environment", "Platform", "Runs"], rows)


def _operations(inputs: SectionInputs) -> list[Fact]:
    out: list[Fact] = []
    if inputs.pipeline:
        platform = inputs.generated("pipeline.json", "platform_label")
        deployments = inputs.pipeline.get("deployments") or []
        gated = [
            inputs.generated("pipeline.json", "deployments", i, "label")
            for i, d in enumerate(deployments)
            if str(d.get("approval", "")).lower() not in ("", "none")
        ]
        approval = f"; {', '.join(g.text for g in gated)} only after an approval" if gated else ""
        out.append(
            derived(
                None,
                f"Changes reach the environments through the {platform.text} pipeline (see CI/CD){approval}.",
                [platform, *gated],
            )
        )
    alarms = [a for env in inputs.environments for a in obs.alarms(inputs.index, env)]
    if alarms:
        routed = [a for a in alarms if a.topics and a.severity.value]
        booked = [a for a in alarms if a.runbook.value]
        by_severity = Counter(a.severity.text for a in routed)
        spread = ", ".join(f"{n} {sev}" for sev, n in sorted(by_severity.items()))
        parts = [f"{counted(len(alarms), 'alarm')} (see Observability)"]
        if routed:
            parts.append(f"{len(routed)} notify the SNS topic of their severity ({spread})")
        if booked:
            parts.append(f"{len(booked)} name a runbook")
        text = "; ".join(parts) + "."
        out.append(derived(None, text, [a.severity for a in alarms[:40]] + [a.runbook for a in booked[:40]]))
        topics = [x for env in inputs.environments for x in obs.topics(inputs.index, env)]
        silent = [x for x in topics if not x.has_subscriber]
        if silent:
            names = ", ".join(sorted({x.name.text for x in silent}))
            out.append(
                derived(
                    None,
                    f"No one is subscribed to {counted(len(silent), 'topic')}: {names}.",
                    [x.subscribers for x in silent],
                )
            )
    budgets = [b for env in inputs.environments for b in governance.budgets(inputs.index, env)]
    for b in budgets:
        out.append(
            derived(
                None,
                f"Budget {b.name.text} alerts at {b.thresholds.text} of {b.limit.text} ({b.subscribers.text}).",
                [b.name, b.thresholds, b.limit, b.subscribers],
            )
        )
    return out
