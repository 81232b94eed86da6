"""Compute: the ECS/Fargate table per environment, capacity planning and the AWS services matrix."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import Row, each_row, match, named, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import cpu_units, first_number, memory_mib, numbers, same_number

# Target-tracking metric -> the word a person would use for it in a scaling cell.
TRACKED = {
    "ECSServiceAverageCPUUtilization": "cpu",
    "ECSServiceAverageMemoryUtilization": "memory",
    "ALBRequestCountPerTarget": "request",
}


@dataclass
class EcsService:
    service: Resource
    task: Resource | None
    target: Resource | None
    policies: list[Resource]

    @property
    def name(self) -> str:
        return self.service.title

    def where(self, prop: str = "") -> str:
        return self.service.where(prop)


def ecs_services(assembly: Assembly) -> list[EcsService]:
    targets = assembly.resources("AWS::ApplicationAutoScaling::ScalableTarget")
    policies = assembly.resources("AWS::ApplicationAutoScaling::ScalingPolicy")
    out = []
    for svc in assembly.resources("AWS::ECS::Service"):
        task = assembly.resolve(svc.stack, svc.props.get("TaskDefinition"))
        target = next((t for t in targets if t.stack is svc.stack and _names(t, svc)), None)
        mine = [
            p
            for p in policies
            if target is not None and assembly.resolve(p.stack, p.props.get("ScalingTargetId")) is target
        ]
        out.append(EcsService(svc, task, target, mine))
    return out


def _names(target: Resource, svc: Resource) -> bool:
    """A scalable target's ResourceId joins `service/<cluster>/<service name>`: it names this service."""
    return f"'{svc.logical_id}'" in str(target.props.get("ResourceId"))


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    services = ecs_services(assembly)
    _ecs_tables(doc, assembly, services, result)
    _capacity(doc, assembly, services, result)
    return result


def _ecs_tables(doc: Doc, assembly: Assembly, services: list[EcsService], result: Result) -> None:
    tabs = tables(
        doc,
        result,
        "Compute > ECS/Fargate",
        ("service", "cpu", "memory"),
        needed=bool(services),
        region="compute",
    )
    rows = list(each_row(tabs, assembly.stages))
    match(result, "ecs", "Compute > ECS/Fargate", rows, services, _fits, _ecs_row)


def _fits(row: Row, ecs: EcsService) -> bool:
    return named(row, "service", ecs.service)


def _ecs_row(result: Result, row: Row, ecs: EcsService) -> None:
    table, cells, _ = row
    where = f"Compute > ECS/Fargate / {ecs.service.stack.stage} / {ecs.name}"
    task = ecs.task.props if ecs.task else {}
    source = ecs.task.where() if ecs.task else ecs.where()
    if table.column("task definition"):
        result.equal(
            "ecs-task-family",
            where,
            cells[table.column("task definition") or ""].strip("`"),
            task.get("Family"),
            source + " Family",
        )
    result.equal(
        "ecs-cpu",
        where,
        cpu_units(cells[table.column("cpu") or ""]),
        float(task.get("Cpu", 0)),
        source + " Cpu",
    )
    result.equal(
        "ecs-memory",
        where,
        memory_mib(cells[table.column("memory") or ""]),
        float(task.get("Memory", 0)),
        source + " Memory",
    )
    if table.column("arch"):
        arch = task.get("RuntimePlatform", {}).get("CpuArchitecture", "X86_64")
        result.equal(
            "ecs-arch",
            where,
            cells[table.column("arch") or ""].replace("-", "_"),
            arch,
            source + " RuntimePlatform.CpuArchitecture",
        )
    if table.column("desired"):
        result.equal(
            "ecs-desired",
            where,
            first_number(cells[table.column("desired") or ""]),
            ecs.service.props.get("DesiredCount"),
            ecs.where("DesiredCount"),
        )
    if table.column("scaling"):
        check_scaling(result, where, cells[table.column("scaling") or ""], ecs)


def check_scaling(result: Result, where: str, cell: str, ecs: EcsService) -> None:
    """min–max from the scalable target, then every policy: target-tracking metric and value, step counts."""
    target = ecs.target
    if target is None:  # no auto scaling: a range shown can only be the fixed desired count
        desired = ecs.service.props.get("DesiredCount", 1)
        result.fact(
            all(same_number(n, float(desired)) for n in numbers(cell)),
            "scaling-target",
            where,
            cell,
            f"no ScalableTarget: fixed at {desired}",
            ecs.where(),
        )
        return
    found = numbers(cell)
    got = (found[0], found[1]) if len(found) >= 2 else None
    result.equal(
        "scaling-min-max",
        where,
        got,
        (float(target.props["MinCapacity"]), float(target.props["MaxCapacity"])),
        target.where("MinCapacity/MaxCapacity"),
    )
    _policies(result, where, cell, ecs.policies)


def _policies(result: Result, where: str, cell: str, policies: list[Resource]) -> None:
    steps_shown = sorted(int(n) for n in re.findall(r"\((\d+) steps?\)", cell))
    steps_real = []
    for policy in policies:
        tracking = policy.props.get("TargetTrackingScalingPolicyConfiguration")
        if tracking:
            metric = tracking.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType", "custom")
            word = TRACKED.get(metric, metric.lower())
            value = tracking.get("TargetValue")
            shown = [float(n) for n in re.findall(rf"{word}\w*\D{{0,20}}?(\d+(?:\.\d+)?)", cell, re.I)]
            ok = any(same_number(n, float(value)) for n in shown)
            result.fact(
                ok,
                "scaling-policy",
                where,
                cell,
                f"{word} {value}",
                policy.where("TargetTrackingScalingPolicyConfiguration"),
            )
        else:
            steps_real.append(
                len(policy.props.get("StepScalingPolicyConfiguration", {}).get("StepAdjustments", []))
            )
    result.equal(
        "scaling-steps",
        where,
        steps_shown,
        sorted(steps_real),
        "StepScalingPolicyConfiguration.StepAdjustments",
    )


def _capacity(doc: Doc, assembly: Assembly, services: list[EcsService], result: Result) -> None:
    tabs = tables(
        doc,
        result,
        "Scalability > Capacity",
        ("service", "min", "max"),
        needed=bool(services),
        region="scalability",
    )
    rows = list(each_row(tabs, assembly.stages))
    match(result, "capacity", "Scalability > Capacity", rows, services, _fits, _capacity_row)


def _capacity_row(result: Result, row: Row, ecs: EcsService) -> None:
    """Min and max from the scalable target; without one the service runs its desired count, no more."""
    table, cells, _ = row
    where = f"Scalability > Capacity / {ecs.service.stack.stage} / {ecs.name}"
    desired = ecs.service.props.get("DesiredCount", 1)
    target = ecs.target.props if ecs.target else {"MinCapacity": desired, "MaxCapacity": desired}
    src = ecs.target.where() if ecs.target else ecs.where("DesiredCount (no ScalableTarget)")
    for word in ("min", "max"):
        result.equal(
            f"capacity-{word}",
            where,
            first_number(cells[table.column(word) or ""]),
            target.get(f"{word.title()}Capacity"),
            f"{src} {word.title()}Capacity",
        )
    if table.column("desired"):
        result.equal(
            "capacity-desired",
            where,
            first_number(cells[table.column("desired") or ""]),
            ecs.service.props.get("DesiredCount"),
            ecs.where("DesiredCount"),
        )
    at_max = table.column("capacity")
    if at_max and ecs.task:
        top = float(target["MaxCapacity"])
        want = (top * float(ecs.task.props["Cpu"]) / 1024, top * float(ecs.task.props["Memory"]) / 1024)
        got = tuple(numbers(cells[at_max])[:2])
        ok = len(got) == 2 and same_number(got[0], want[0], 0.01) and same_number(got[1], want[1], 0.01)
        result.fact(
            ok,
            "capacity-at-max",
            where,
            cells[at_max],
            f"{want[0]:g} vCPU / {want[1]:g} GiB",
            ecs.task.where("Cpu, Memory") + " x MaxCapacity",
        )
    if table.column("polic"):
        _policies(result, where, cells[table.column("polic") or ""], ecs.policies)
