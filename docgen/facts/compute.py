"""Compute facts: ECS services with their task definitions, sizes, counts and auto-scaling policies."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from docgen.assembly.model import Resource, resource_key
from docgen.facts.fact import (
    Fact,
    derived,
    exists,
    gib_from_mib,
    join,
    number,
    prop,
    tag,
    vcpu_from_units,
)
from docgen.facts.index import Index, name_fact

METRIC_LABEL = {
    "ECSServiceAverageCPUUtilization": "CPU",
    "ECSServiceAverageMemoryUtilization": "memory",
    "ALBRequestCountPerTarget": "requests/target",
}


@dataclass(frozen=True)
class EcsService:
    resource: Resource
    task: Resource | None
    name: Fact
    workload: Fact  # the Workload tag (frontend | http | worker) or "-"
    launch: Fact  # "Fargate" / "EC2" / ...
    family: Fact
    cpu: Fact
    memory: Fact
    architecture: Fact
    desired: Fact
    min: Fact
    max: Fact
    policies: tuple[Fact, ...]
    readonly_root: Fact

    @property
    def scaling(self) -> Fact:
        kinds = join(list(self.policies), ", ", empty="none", none=self.resource)
        return derived(
            None, f"{self.min.text}–{self.max.text} tasks ({kinds.text})", [self.min, self.max, kinds]
        )

    def capacity_at_max(self) -> Fact:
        """vCPU and GiB when every task the scaling bounds allow is running."""
        try:
            cpu = Decimal(str(self.cpu.value)) * Decimal(str(self.max.value)) / 1024
            mem = Decimal(str(self.memory.value)) * Decimal(str(self.max.value)) / 1024
        except ArithmeticError:
            return derived(None, "-", [self.cpu, self.memory, self.max])
        return derived(
            (cpu, mem), f"{number(cpu)} vCPU / {number(mem)} GiB", [self.cpu, self.memory, self.max]
        )


def ecs_services(index: Index, env: str) -> list[EcsService]:
    targets = index.of_type("AWS::ApplicationAutoScaling::ScalableTarget", env)
    policies = index.of_type("AWS::ApplicationAutoScaling::ScalingPolicy", env)
    # Who points at whom, resolved once: asked per service, it scanned every target and policy again each time
    # (quadratic: a sixty-service design spent most of docgen here).
    target_of: dict[str, Resource] = {}  # service -> the first scalable target naming it
    for t in targets:
        for named in index.targets(t, t.properties.get("ResourceId")):
            target_of.setdefault(resource_key(named), t)
    policies_of: dict[str, list[Resource]] = {}  # scalable target -> its policies, in order
    for p in policies:
        for named in index.targets(p, p.properties.get("ScalingTargetId")):
            policies_of.setdefault(resource_key(named), []).append(p)
    out = []
    for svc in index.of_type("AWS::ECS::Service", env):
        tasks = [
            t
            for t in index.targets(svc, svc.properties.get("TaskDefinition"))
            if t.type == "AWS::ECS::TaskDefinition"
        ]
        task = tasks[0] if tasks else None
        target = target_of.get(resource_key(svc))
        mine = list(policies_of.get(resource_key(target), ())) if target is not None else []
        desired = prop(svc, "DesiredCount", default=1)
        out.append(
            EcsService(
                resource=svc,
                task=task,
                name=name_fact(svc),
                workload=tag(svc, "Workload"),
                launch=_launch(svc),
                family=prop(task, "Family", default=task.logical_id) if task else exists(svc, "-"),
                cpu=prop(task, "Cpu", fmt=_cpu) if task else exists(svc, "-"),
                memory=prop(task, "Memory", fmt=gib_from_mib) if task else exists(svc, "-"),
                architecture=prop(task, "RuntimePlatform", "CpuArchitecture", default="X86_64")
                if task
                else exists(svc, "-"),
                desired=desired,
                min=prop(target, "MinCapacity") if target else desired,
                max=prop(target, "MaxCapacity") if target else desired,
                policies=tuple(sorted((policy(p) for p in mine), key=lambda f: f.text)),
                readonly_root=_readonly(task) if task else exists(svc, "-"),
            )
        )
    return sorted(out, key=lambda s: s.name.text)


def _cpu(value: object) -> str:
    return vcpu_from_units(value)


def _launch(svc: Resource) -> Fact:
    if "LaunchType" in svc.properties:
        return prop(svc, "LaunchType", fmt=lambda v: "Fargate" if v == "FARGATE" else str(v))
    strategy = prop(svc, "CapacityProviderStrategy", default=None)
    text = "Fargate" if "FARGATE" in str(strategy.value) else "ECS" if strategy.value else "EC2"
    return derived(strategy.value, text, [strategy])


def _readonly(task: Resource) -> Fact:
    """Which essential app containers have a read-only root file system (the first container is the app)."""
    return prop(task, "ContainerDefinitions", 0, "ReadonlyRootFilesystem", default=False)


def policy(p: Resource) -> Fact:
    kind = prop(p, "PolicyType")
    if kind.value == "TargetTrackingScaling":
        cfg = p.properties.get("TargetTrackingScalingPolicyConfiguration") or {}
        metric = (cfg.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType", "custom metric")
        target = prop(p, "TargetTrackingScalingPolicyConfiguration", "TargetValue")
        unit = "%" if "Utilization" in metric else ""
        return derived(None, f"{METRIC_LABEL.get(metric, metric)} {target.text}{unit}", [kind, target])
    steps = prop(p, "StepScalingPolicyConfiguration", "StepAdjustments", default=[])
    values = steps.value or []
    direction = "in" if values and all(int(s.get("ScalingAdjustment", 0)) < 0 for s in values) else "out"
    plural = "s" if len(values) != 1 else ""
    return derived(None, f"backlog step scale-{direction} ({len(values)} step{plural})", [kind, steps])


def memory_gib(service: EcsService) -> str:
    return gib_from_mib(service.memory.value)
