"""The text of each diagram box: what a component is, read from the properties of the resources it stands for."""

from __future__ import annotations

import re
from typing import Any

from docgen.assembly import intrinsics
from docgen.assembly.model import Resource, resource_key
from docgen.facts.data import engine_name


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
        if kind in ("alb", "nlb"):
            return f"{name}\n{self._alb_text(first)}"
        if kind in BLOCK_LABELS:
            return f"{name}\n{BLOCK_LABELS[kind](members)}"
        if kind == "nat":
            zones = sorted(
                {
                    intrinsics.text(s.properties.get("AvailabilityZone"))
                    for m in members
                    for s in self._subnets_of(m)
                }
            )
            return "\n".join(filter(None, [f"NAT gateway ×{len(members)}", ", ".join(zones)]))
        if kind == "ecs":
            return f"{name}\n{self._ecs_text(first)}"
        if kind == "rds" and (clusters := [m for m in members if m.type == "AWS::RDS::DBCluster"]):
            return f"{name}\n{_cluster_text(clusters[0], members)}"
        if kind == "rds":
            primary = next((m for m in members if "SourceDBInstanceIdentifier" not in m.properties), first)
            props = primary.properties
            engine = engine_name(props.get("Engine", ""))
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


def _cluster_text(cluster: Resource, members: list[Resource]) -> str:
    props = cluster.properties
    engine = engine_name(props.get("Engine", ""))
    major = str(props.get("EngineVersion", "")).split(".")[0]
    instances = [m for m in members if m.type == "AWS::RDS::DBInstance"]
    scaling = props.get("ServerlessV2ScalingConfiguration") or {}
    if scaling:
        size = f"Serverless v2 {scaling.get('MinCapacity')}–{scaling.get('MaxCapacity')} ACU"
    else:
        classes = sorted({str(i.properties.get("DBInstanceClass", "")) for i in instances})
        size = "/".join(classes) or "provisioned"
    readers = len(instances) - 1
    who = f"writer + {readers} reader{'s' if readers != 1 else ''}" if readers > 0 else "writer only"
    return f"{engine} {major}".rstrip() + f"\n{size}, {who}"


def _lambda(members: list[Resource]) -> str:
    props = members[0].properties
    runtime = "container image" if props.get("PackageType") == "Image" else str(props.get("Runtime", ""))
    memory = props.get("MemorySize", 128)
    vpc = ", in VPC" if "VpcConfig" in props else ""
    count = f" ×{len(members)}" if len(members) > 1 else ""
    return f"Lambda{count} {runtime}, {memory} MB{vpc}"


def _api(members: list[Resource]) -> str:
    api = members[0]
    if api.type == "AWS::ApiGatewayV2::Api":
        return (
            "API Gateway WebSocket API"
            if api.properties.get("ProtocolType") == "WEBSOCKET"
            else "API Gateway HTTP API"
        )
    return "API Gateway REST API"


def _table(members: list[Resource]) -> str:
    table = members[0]
    mode = "on-demand" if str(table.properties.get("BillingMode")) == "PAY_PER_REQUEST" else "provisioned"
    stream = " + stream" if "StreamSpecification" in table.properties else ""
    kind = "DynamoDB global table" if table.type == "AWS::DynamoDB::GlobalTable" else "DynamoDB table"
    return f"{kind}, {mode}{stream}"


def _workflow(members: list[Resource]) -> str:
    return f"Step Functions ({str(members[0].properties.get('StateMachineType', 'STANDARD')).lower()})"


def _rule(members: list[Resource]) -> str:
    props = members[0].properties
    what = str(props["ScheduleExpression"]) if "ScheduleExpression" in props else "event pattern"
    return f"EventBridge rule\n{what}"


def _ec2(members: list[Resource]) -> str:
    types = sorted(
        {str(m.properties.get("InstanceType", "")) for m in members if m.type == "AWS::EC2::Instance"}
    )
    count = sum(1 for m in members if m.type == "AWS::EC2::Instance")
    return f"EC2 {'/'.join(t for t in types if t) or 'instance'}" + (f" ×{count}" if count > 1 else "")


def _asg(members: list[Resource]) -> str:
    group = members[0].properties
    templates = [m for m in members if m.type == "AWS::EC2::LaunchTemplate"]
    itype = (
        str((templates[0].properties.get("LaunchTemplateData") or {}).get("InstanceType", ""))
        if templates
        else ""
    )
    return f"Auto Scaling group {group.get('MinSize')}–{group.get('MaxSize')} × {itype or 'EC2'}".rstrip()


def _waf(members: list[Resource]) -> str:
    rules = len(members[0].properties.get("Rules") or [])
    return f"WAF web ACL, {rules} rule{'s' if rules != 1 else ''}"


def _s3(members: list[Resource]) -> str:
    return "S3 bucket" + (f"s ×{len(members)}" if len(members) > 1 else "")


def _efs(members: list[Resource]) -> str:
    fs = members[0].properties
    targets = sum(1 for m in members if m.type == "AWS::EFS::MountTarget")
    encrypted = ", encrypted" if fs.get("Encrypted") is True else ""
    return f"EFS, {fs.get('ThroughputMode', 'bursting')} throughput{encrypted}\n{targets} mount targets"


def _job(members: list[Resource]) -> str:
    schedule = members[0].properties
    tasks = [m for m in members if m.type == "AWS::ECS::TaskDefinition"]
    size = ""
    if tasks:
        cpu, memory = _number(tasks[0].properties.get("Cpu")), _number(tasks[0].properties.get("Memory"))
        size = f" {cpu / 1024:g} vCPU/{memory / 1024:g} GiB" if cpu and memory else ""
    zone = schedule.get("ScheduleExpressionTimezone", "UTC")
    return f"ECS Fargate task{size}\nScheduler {schedule.get('ScheduleExpression')} {zone}"


BLOCK_LABELS = {
    "lambda": _lambda,
    "api": _api,
    "table": _table,
    "workflow": _workflow,
    "rule": _rule,
    "ec2": _ec2,
    "asg": _asg,
    "waf": _waf,
    "s3": _s3,
    "efs": _efs,
    "job": _job,
}
