"""The text of each diagram box: what a component is, read from the properties of the resources it stands for."""

from __future__ import annotations

import re
from typing import Any

from docgen.assembly.model import Resource, resource_key


class Labels:
    """Label text for the diagram builder; needs `targets` and `of_type` from the class that mixes it in."""

    def targets(self, value: Any, owner: Resource) -> list[Resource]:
        raise NotImplementedError

    def of_type(self, cfn_type: str) -> list[Resource]:
        raise NotImplementedError

    def _label(self, kind: str, name: str, members: list[Resource]) -> str:
        first = members[0]
        props = first.properties
        if kind == "cdn":
            return f"{name}\nCloudFront distribution"
        if kind == "bucket":
            return f"{name}\nS3 bucket" + (f"s ×{len(members)}" if len(members) > 1 else "") + " (origin)"
        if kind == "alb":
            return f"{name}\n{self._alb_text(first)}"
        if kind == "nat":
            zones = sorted(
                {str(s.properties.get("AvailabilityZone")) for m in members for s in self._subnets_of(m)}
            )
            return "\n".join(filter(None, [f"NAT gateway ×{len(members)}", ", ".join(zones)]))
        if kind == "ecs":
            return f"{name}\n{self._ecs_text(first)}"
        if kind == "rds":
            primary = next((m for m in members if "SourceDBInstanceIdentifier" not in m.properties), first)
            props = primary.properties
            engine = str(props.get("Engine", "")).replace("postgres", "PostgreSQL").replace("mysql", "MySQL")
            major = str(props.get("EngineVersion", "")).split(".")[0]
            extra = ", Multi-AZ" if props.get("MultiAZ") is True else ""
            replicas = len(members) - 1 if primary is not first or len(members) > 1 else 0
            more = f"\n+ {replicas} read replica{'s' if replicas != 1 else ''}" if replicas else ""
            return (
                f"{name}\nRDS {engine} {major}".rstrip()
                + f"\n{props.get('DBInstanceClass', '')}{extra}{more}"
            )
        if kind == "cache":
            engine = str(props.get("Engine", "")).capitalize()
            nodes = props.get("NumCacheClusters")
            size = f" ×{nodes}" if isinstance(nodes, int) else ""
            return (
                f"{name}\nElastiCache {engine} {props.get('EngineVersion', '')}".rstrip()
                + f"\n{props.get('CacheNodeType', '')}{size}"
            )
        if kind == "queue":
            return f"{name}\n{self._queue_text(members)}"
        if kind == "secret":
            return f"{name}\nSecrets Manager secret" + self._rotation_text(members)
        if kind == "topic":
            protocols = sorted(
                {
                    str(s.properties.get("Protocol"))
                    for s in self.of_type("AWS::SNS::Subscription")
                    if any(t in members for t in self.targets(s.properties.get("TopicArn"), s))
                }
            )
            return f"{name}\nSNS topic" + (f" → {', '.join(protocols)}" if protocols else " (no subscriber)")
        return name

    def _alb_text(self, alb: Resource) -> str:
        listeners = sorted(
            f"{lst.properties.get('Protocol', '')} :{lst.properties.get('Port', '')}"
            for lst in self.of_type("AWS::ElasticLoadBalancingV2::Listener")
            if alb in self.targets(lst.properties.get("LoadBalancerArn"), lst)
        )
        kind = {"network": "NLB", "gateway": "GWLB"}.get(str(alb.properties.get("Type", "")), "ALB")
        return ", ".join([f"{kind} {alb.properties.get('Scheme', 'internet-facing')}", *listeners])

    def _ecs_text(self, service: Resource) -> str:
        props = service.properties
        tasks = [
            t
            for t in self.targets(props.get("TaskDefinition"), service)
            if t.type == "AWS::ECS::TaskDefinition"
        ]
        strategy = str(props.get("CapacityProviderStrategy", ""))
        launch = "ECS Fargate" if props.get("LaunchType") == "FARGATE" or "FARGATE" in strategy else "ECS"
        size = ""
        if tasks:
            cpu, memory = _number(tasks[0].properties.get("Cpu")), _number(tasks[0].properties.get("Memory"))
            if cpu and memory:
                size = f" {cpu / 1024:g} vCPU/{memory / 1024:g} GiB"
        desired = props.get("DesiredCount")
        text = f"{launch} {desired}×{size}" if desired is not None else f"{launch}{size}"
        for target in self.of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
            if service in self.targets(target.properties.get("ResourceId"), target):
                low, high = target.properties.get("MinCapacity"), target.properties.get("MaxCapacity")
                text += f"\nscales {low}–{high} tasks"
        return text

    def _rotation_text(self, members: list[Resource]) -> str:
        """When a schedule rotates the secret: it explains the rotation Lambda's link to the database."""
        rules = set()
        for schedule in self.of_type("AWS::SecretsManager::RotationSchedule"):
            secret = self.targets(schedule.properties.get("SecretId"), schedule)
            if secret and secret[0].type == "AWS::SecretsManager::SecretTargetAttachment":
                secret = self.targets(secret[0].properties.get("SecretId"), secret[0])
            if any(s in members for s in secret):
                expression = str(
                    (schedule.properties.get("RotationRules") or {}).get("ScheduleExpression", "")
                )
                rules.add(re.sub(r"^rate\((.*)\)$", r"every \1", expression))
        return f"\nrotated {', '.join(sorted(rules))}".rstrip() if rules else ""

    def _queue_text(self, members: list[Resource]) -> str:
        receives = sorted(
            {
                str(q.properties["RedrivePolicy"].get("maxReceiveCount", "?"))
                for q in members
                if isinstance(q.properties.get("RedrivePolicy"), dict)
            }
        )
        dead = {
            resource_key(d)
            for q in members
            if isinstance(q.properties.get("RedrivePolicy"), dict)
            for d in self.targets(q.properties["RedrivePolicy"], q)
        }
        fifo = any(str(m.properties.get("FifoQueue")).lower() == "true" for m in members)
        kind = "SQS FIFO queue" if fifo else "SQS queue"
        if dead & {resource_key(m) for m in members}:
            return f"{kind} + DLQ (after {'/'.join(receives)} receives)"
        return kind


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
