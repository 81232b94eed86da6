"""Compute: the ECS/Fargate table per environment, capacity planning and the AWS services matrix."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import each_row, key, pair, tables
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
        return self.service.owner

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
    _matrix(doc, assembly, result)
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
    rows = [
        (key(env, row[t.column("service") or ""]), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    for (table, row), ecs in pair(
        result,
        "ecs",
        "Compute > ECS/Fargate",
        rows,
        [(key(s.service.stack.stage, s.name), s) for s in services],
    ):
        where = f"Compute > ECS/Fargate / {ecs.service.stack.stage} / {ecs.name}"
        task = ecs.task.props if ecs.task else {}
        source = ecs.task.where() if ecs.task else ecs.where()
        if table.column("task definition"):
            result.equal(
                "ecs-task-family",
                where,
                row[table.column("task definition") or ""].strip("`"),
                task.get("Family"),
                source + " Family",
            )
        result.equal(
            "ecs-cpu",
            where,
            cpu_units(row[table.column("cpu") or ""]),
            float(task.get("Cpu", 0)),
            source + " Cpu",
        )
        result.equal(
            "ecs-memory",
            where,
            memory_mib(row[table.column("memory") or ""]),
            float(task.get("Memory", 0)),
            source + " Memory",
        )
        if table.column("arch"):
            arch = task.get("RuntimePlatform", {}).get("CpuArchitecture", "X86_64")
            result.equal(
                "ecs-arch",
                where,
                row[table.column("arch") or ""].replace("-", "_"),
                arch,
                source + " RuntimePlatform.CpuArchitecture",
            )
        if table.column("desired"):
            result.equal(
                "ecs-desired",
                where,
                first_number(row[table.column("desired") or ""]),
                ecs.service.props.get("DesiredCount"),
                ecs.where("DesiredCount"),
            )
        if table.column("scaling"):
            check_scaling(result, where, row[table.column("scaling") or ""], ecs)


def check_scaling(result: Result, where: str, cell: str, ecs: EcsService) -> None:
    """min–max from the scalable target, then every policy: target-tracking metric and value, step counts."""
    target = ecs.target
    if not result.fact(
        target is not None or not numbers(cell),
        "scaling-target",
        where,
        cell,
        "no ScalableTarget",
        ecs.where(),
    ):
        return
    if target is None:
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
    rows = [
        (key(env, row[t.column("service") or ""]), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    for (table, row), ecs in pair(
        result,
        "capacity",
        "Scalability > Capacity",
        rows,
        [(key(s.service.stack.stage, s.name), s) for s in services],
    ):
        where = f"Scalability > Capacity / {ecs.service.stack.stage} / {ecs.name}"
        target = ecs.target.props if ecs.target else {}
        src = ecs.target.where() if ecs.target else ecs.where()
        result.equal(
            "capacity-min",
            where,
            first_number(row[table.column("min") or ""]),
            target.get("MinCapacity"),
            src + " MinCapacity",
        )
        result.equal(
            "capacity-max",
            where,
            first_number(row[table.column("max") or ""]),
            target.get("MaxCapacity"),
            src + " MaxCapacity",
        )
        if table.column("desired"):
            result.equal(
                "capacity-desired",
                where,
                first_number(row[table.column("desired") or ""]),
                ecs.service.props.get("DesiredCount"),
                ecs.where("DesiredCount"),
            )
        at_max = table.column("capacity")
        if at_max and ecs.task and "MaxCapacity" in target:
            top = float(target["MaxCapacity"])
            want = (top * float(ecs.task.props["Cpu"]) / 1024, top * float(ecs.task.props["Memory"]) / 1024)
            got = tuple(numbers(row[at_max])[:2])
            ok = len(got) == 2 and same_number(got[0], want[0], 0.01) and same_number(got[1], want[1], 0.01)
            result.fact(
                ok,
                "capacity-at-max",
                where,
                row[at_max],
                f"{want[0]:g} vCPU / {want[1]:g} GiB",
                ecs.task.where("Cpu, Memory") + " x MaxCapacity",
            )
        if table.column("polic"):
            _policies(result, where, row[table.column("polic") or ""], ecs.policies)


# AWS service label word -> the resource type whose count the matrix row gives (first match wins).
MATRIX = (
    ("fargate", "AWS::ECS::Service"),
    ("cloudfront", "AWS::CloudFront::Distribution"),
    ("rds", "AWS::RDS::DBInstance"),
    ("elasticache", "AWS::ElastiCache::ReplicationGroup"),
    ("sqs", "AWS::SQS::Queue"),
    ("secrets manager", "AWS::SecretsManager::Secret"),
    ("load balancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
    ("sns", "AWS::SNS::Topic"),
    ("backup", "AWS::Backup::BackupPlan"),
    ("budgets", "AWS::Budgets::Budget"),
)


def _matrix(doc: Doc, assembly: Assembly, result: Result) -> None:
    for table in tables(
        doc, result, "AWS Services Matrix", ("aws service", "count"), needed=True, region="matrix"
    ):
        count_col = table.column("count") or ""
        m = re.search(r"\((.*?)\)", count_col)
        env = m.group(1) if m else ""
        stage = assembly.stages.get(env)
        if not result.fact(
            stage is not None,
            "matrix-env",
            "AWS Services Matrix",
            count_col,
            list(assembly.stages),
            "manifest.json",
        ):
            continue
        assert stage is not None
        totals: dict[str, float] = {}
        for row in table.rows:
            label = row[table.column("aws service") or ""].lower()
            kind = next((t for word, t in MATRIX if word in label), None)
            if kind:
                totals[kind] = totals.get(kind, 0) + (first_number(row[count_col]) or 0)
        for kind, shown in totals.items():
            result.equal(
                "matrix-count",
                f"AWS Services Matrix / {kind} ({env})",
                shown,
                len(stage.resources(kind)),
                f"{env}: {kind} count",
            )
        for word, kind in MATRIX:
            if stage.resources(kind) and kind not in totals:
                result.fact(
                    False,
                    "matrix-missing-row",
                    f"AWS Services Matrix / {word}",
                    "no row",
                    len(stage.resources(kind)),
                    f"{env}: {kind}",
                )
