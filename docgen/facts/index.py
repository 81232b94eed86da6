"""Facts read from the synthesized templates: services, network, data stores, IAM, logs, alarms, scaling."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from docgen.assembly.model import Assembly, Resource, resource_key

TIER_NAMES = {"public": "public", "app": "private (egress via NAT)", "data": "isolated"}


def _refs(value: Any) -> set[str]:
    """Logical ids referenced by Ref / Fn::GetAtt anywhere inside `value` (same-stack references)."""
    text = json.dumps(value)
    return set(re.findall(r'"Ref": "([A-Za-z0-9]+)"', text)) | set(
        re.findall(r'"Fn::GetAtt": \["([A-Za-z0-9]+)"', text)
    )


class Index:
    """Lookups over one assembly: by key, by (stack, logical id), and export name -> exporting resource."""

    def __init__(self, assembly: Assembly) -> None:
        self.assembly = assembly
        self.by_key = {resource_key(r): r for r in assembly.resources}
        self.exports: dict[str, str] = dict(assembly.outputs_and_exports)

    def get(self, stack: str, logical_id: str) -> Resource | None:
        return self.by_key.get(f"{stack}/{logical_id}")

    def targets(self, owner: Resource, value: Any) -> list[Resource]:
        """Resources `value` (a property of `owner`) points at, through the assembly's one resolver."""
        return self.assembly.targets(value, owner)

    def of_type(self, cfn_type: str, env: str) -> list[Resource]:
        return list(self.assembly.of_type(cfn_type, env))


def name_of(resource: Resource) -> str:
    return resource.service or resource.path.split("/")[-2]


@dataclass(frozen=True)
class ScalingPolicy:
    kind: str  # "target tracking" / "step"
    summary: str


@dataclass(frozen=True)
class EcsService:
    environment: str
    name: str
    task_family: str
    cpu: int
    memory: int
    architecture: str
    desired: int
    min: int
    max: int
    policies: tuple[ScalingPolicy, ...]
    secrets: tuple[str, ...]
    environment_vars: tuple[str, ...]
    logical_id: str
    stack: str

    @property
    def vcpu(self) -> str:
        return f"{self.cpu / 1024:g}"

    @property
    def memory_gb(self) -> str:
        return f"{self.memory / 1024:g}"

    @property
    def scaling(self) -> str:
        kinds = ", ".join(p.summary for p in self.policies) or "none"
        return f"{self.min}–{self.max} tasks ({kinds})"


def ecs_services(index: Index, env: str) -> list[EcsService]:
    targets = index.of_type("AWS::ApplicationAutoScaling::ScalableTarget", env)
    policies = index.of_type("AWS::ApplicationAutoScaling::ScalingPolicy", env)
    out = []
    for svc in index.of_type("AWS::ECS::Service", env):
        (task,) = index.targets(svc, svc.properties["TaskDefinition"]) or (None,)
        if task is None:
            continue
        target = next(
            (
                t
                for t in targets
                if t.stack == svc.stack and svc.logical_id in _refs(t.properties["ResourceId"])
            ),
            None,
        )
        mine = [
            p for p in policies if target and target.logical_id in _refs(p.properties.get("ScalingTargetId"))
        ]
        container = task.properties["ContainerDefinitions"][0]
        out.append(
            EcsService(
                environment=env,
                name=name_of(svc),
                task_family=task.properties.get("Family", task.logical_id),
                cpu=int(task.properties["Cpu"]),
                memory=int(task.properties["Memory"]),
                architecture=task.properties.get("RuntimePlatform", {}).get("CpuArchitecture", "X86_64"),
                desired=int(svc.properties.get("DesiredCount", 1)),
                min=int(target.properties["MinCapacity"])
                if target
                else int(svc.properties.get("DesiredCount", 1)),
                max=int(target.properties["MaxCapacity"])
                if target
                else int(svc.properties.get("DesiredCount", 1)),
                policies=tuple(sorted((_policy(p) for p in mine), key=lambda p: p.summary)),
                secrets=tuple(sorted(s["Name"] for s in container.get("Secrets", []))),
                environment_vars=tuple(sorted(e["Name"] for e in container.get("Environment", []))),
                logical_id=svc.logical_id,
                stack=svc.stack,
            )
        )
    return sorted(out, key=lambda s: s.name)


_METRIC_LABEL = {
    "ECSServiceAverageCPUUtilization": "CPU",
    "ECSServiceAverageMemoryUtilization": "memory",
    "ALBRequestCountPerTarget": "requests/target",
}


def _policy(policy: Resource) -> ScalingPolicy:
    props = policy.properties
    if props["PolicyType"] == "TargetTrackingScaling":
        cfg = props["TargetTrackingScalingPolicyConfiguration"]
        metric = cfg.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType", "custom metric")
        return ScalingPolicy(
            "target tracking", f"{_METRIC_LABEL.get(metric, metric)} {cfg['TargetValue']:g}%"
        )
    steps = props.get("StepScalingPolicyConfiguration", {}).get("StepAdjustments", [])
    direction = "in" if all(int(s.get("ScalingAdjustment", 0)) < 0 for s in steps) else "out"
    return ScalingPolicy(
        "step", f"backlog step scale-{direction} ({len(steps)} step{'s' if len(steps) != 1 else ''})"
    )


@dataclass(frozen=True)
class Subnet:
    tier: str
    cidr: str
    zone: str


@dataclass(frozen=True)
class Network:
    environment: str
    cidr: str
    zones: tuple[str, ...]
    subnets: tuple[Subnet, ...]
    nat_gateways: int
    flow_logs: bool
    flow_log_retention_days: int | None


def network(index: Index, env: str) -> Network | None:
    vpcs = index.of_type("AWS::EC2::VPC", env)
    if not vpcs:
        return None
    subnets = []
    for s in index.of_type("AWS::EC2::Subnet", env):
        tier = next((t for t in TIER_NAMES if f"/{t}Subnet" in s.path), "other")
        subnets.append(
            Subnet(TIER_NAMES.get(tier, tier), s.properties["CidrBlock"], s.properties["AvailabilityZone"])
        )
    flow = index.of_type("AWS::EC2::FlowLog", env)
    retention = None
    for f in flow:
        for group in index.targets(f, f.properties.get("LogGroupName")):
            retention = group.properties.get("RetentionInDays")
    return Network(
        environment=env,
        cidr=vpcs[0].properties["CidrBlock"],
        zones=tuple(sorted({s.zone for s in subnets})),
        subnets=tuple(sorted(subnets, key=lambda s: (s.tier, s.zone))),
        nat_gateways=len(index.of_type("AWS::EC2::NatGateway", env)),
        flow_logs=bool(flow),
        flow_log_retention_days=retention,
    )


@dataclass(frozen=True)
class IngressRule:
    environment: str
    source: str
    target: str
    port: str
    description: str


def _sg_label(index: Index, owner: Resource, value: Any) -> str:
    for sg in index.targets(owner, value):
        description = str(sg.properties.get("GroupDescription", name_of(sg)))
        # CDK-made groups (e.g. the rotation function's) describe themselves by construct path
        return f"{name_of(sg)} {description.split('/')[-2].lower()}" if "/" in description else description
    return "?"


def ingress_rules(index: Index, env: str) -> list[IngressRule]:
    rules = []
    for r in index.of_type("AWS::EC2::SecurityGroupIngress", env):
        p = r.properties
        rules.append(
            IngressRule(
                env,
                _sg_label(index, r, p.get("SourceSecurityGroupId")),
                _sg_label(index, r, p["GroupId"]),
                _port(p),
                p.get("Description", ""),
            )
        )
    for sg in index.of_type("AWS::EC2::SecurityGroup", env):
        for p in sg.properties.get("SecurityGroupIngress", []):
            source = p.get("CidrIp") or _sg_label(index, sg, p.get("SourceSecurityGroupId"))
            rules.append(
                IngressRule(
                    env, source, sg.properties["GroupDescription"], _port(p), p.get("Description", "")
                )
            )
    return sorted(rules, key=lambda x: (x.target, x.source, x.port))


def _port(p: dict[str, Any]) -> str:
    lo, hi = p.get("FromPort"), p.get("ToPort")
    proto = p.get("IpProtocol", "tcp")
    return f"{proto} {lo}" if lo == hi else f"{proto} {lo}-{hi}"


@dataclass(frozen=True)
class Route:
    environment: str
    priority: int
    paths: tuple[str, ...]
    service: str


def alb_routes(index: Index, env: str) -> list[Route]:
    routes = []
    for rule in index.of_type("AWS::ElasticLoadBalancingV2::ListenerRule", env):
        paths: list[str] = []
        for cond in rule.properties.get("Conditions", []):
            paths += cond.get("PathPatternConfig", {}).get("Values", [])
        routes.append(Route(env, int(rule.properties["Priority"]), tuple(paths), name_of(rule)))
    return sorted(routes, key=lambda r: r.priority)


@dataclass(frozen=True)
class Database:
    environment: str
    name: str
    engine: str
    instance_class: str
    multi_az: bool
    storage_gb: int
    max_storage_gb: int | None
    storage_type: str
    encrypted: bool
    backup_days: int
    deletion_protection: bool
    iam_auth: bool
    replica_of: str | None


def databases(index: Index, env: str) -> list[Database]:
    out = []
    for r in index.of_type("AWS::RDS::DBInstance", env):
        p = r.properties
        out.append(
            Database(
                env,
                name_of(r),
                f"{p.get('Engine', '?')} {p.get('EngineVersion', '')}".strip(),
                p["DBInstanceClass"],
                bool(p.get("MultiAZ", False)),
                int(p.get("AllocatedStorage", 0) or 0),
                int(p["MaxAllocatedStorage"]) if "MaxAllocatedStorage" in p else None,
                p.get("StorageType", "gp2"),
                bool(p.get("StorageEncrypted", False)),
                int(p.get("BackupRetentionPeriod", 1)),
                bool(p.get("DeletionProtection", False)),
                bool(p.get("EnableIAMDatabaseAuthentication", False)),
                "replica" if "SourceDBInstanceIdentifier" in p else None,
            )
        )
    return sorted(out, key=lambda d: (d.name, d.replica_of or ""))


@dataclass(frozen=True)
class Cache:
    environment: str
    name: str
    engine: str
    node_type: str
    nodes: int
    failover: bool
    multi_az: bool
    tls: bool
    at_rest: bool
    auth_from_secrets_manager: bool
    snapshot_days: int


def caches(index: Index, env: str) -> list[Cache]:
    out = []
    for r in index.of_type("AWS::ElastiCache::ReplicationGroup", env):
        p = r.properties
        nodes = int(
            p.get("NumCacheClusters")
            or int(p.get("NumNodeGroups", 1)) * (1 + int(p.get("ReplicasPerNodeGroup", 0)))
        )
        out.append(
            Cache(
                env,
                name_of(r),
                f"{p.get('Engine', 'redis')} {p.get('EngineVersion', '')}".strip(),
                p["CacheNodeType"],
                nodes,
                bool(p.get("AutomaticFailoverEnabled")),
                bool(p.get("MultiAZEnabled")),
                bool(p.get("TransitEncryptionEnabled")),
                bool(p.get("AtRestEncryptionEnabled")),
                "resolve:secretsmanager" in json.dumps(p.get("AuthToken", "")),
                int(p.get("SnapshotRetentionLimit", 0)),
            )
        )
    return sorted(out, key=lambda c: c.name)


@dataclass(frozen=True)
class Queue:
    environment: str
    name: str
    role: str  # "queue" | "dead-letter queue"
    visibility_timeout: int | None
    retention_seconds: int | None
    max_receive_count: int | None
    encrypted: bool


def queues(index: Index, env: str) -> list[Queue]:
    out = []
    for r in index.of_type("AWS::SQS::Queue", env):
        p = r.properties
        redrive = p.get("RedrivePolicy", {})
        out.append(
            Queue(
                env,
                name_of(r),
                "dead-letter queue" if "DeadLetter" in r.path else "queue",
                p.get("VisibilityTimeout"),
                p.get("MessageRetentionPeriod"),
                redrive.get("maxReceiveCount"),
                bool(p.get("SqsManagedSseEnabled") or p.get("KmsMasterKeyId")),
            )
        )
    return sorted(out, key=lambda q: (q.name, q.role))


@dataclass(frozen=True)
class Bucket:
    environment: str
    name: str
    purpose: str
    encryption: str
    versioned: bool
    expiry_days: int | None
    public_access_blocked: bool


def buckets(index: Index, env: str) -> list[Bucket]:
    out = []
    for r in index.of_type("AWS::S3::Bucket", env):
        p = r.properties
        enc = p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [{}])[0]
        algo = enc.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm", "none")
        expiry = next(
            (rule.get("ExpirationInDays") for rule in p.get("LifecycleConfiguration", {}).get("Rules", [])),
            None,
        )
        purpose = r.path.split("/")[-2]
        block = p.get("PublicAccessBlockConfiguration", {})
        out.append(
            Bucket(
                env,
                name_of(r),
                purpose,
                algo,
                p.get("VersioningConfiguration", {}).get("Status") == "Enabled",
                expiry,
                bool(block) and all(block.values()),
            )
        )
    return sorted(out, key=lambda b: (b.name, b.purpose))


@dataclass(frozen=True)
class Distribution:
    environment: str
    name: str
    behaviours: tuple[str, ...]
    price_class: str
    logging: bool
    http_version: str


def distributions(index: Index, env: str) -> list[Distribution]:
    out = []
    for r in index.of_type("AWS::CloudFront::Distribution", env):
        cfg = r.properties["DistributionConfig"]
        default = cfg["DefaultCacheBehavior"]
        behaviours = [f"default → S3 ({default['ViewerProtocolPolicy']})"]
        behaviours += [
            f"{b['PathPattern']} → ALB ({b['ViewerProtocolPolicy']})" for b in cfg.get("CacheBehaviors", [])
        ]
        out.append(
            Distribution(
                env,
                name_of(r),
                tuple(behaviours),
                cfg.get("PriceClass", "PriceClass_All"),
                "Logging" in cfg,
                cfg.get("HttpVersion", "http2"),
            )
        )
    return sorted(out, key=lambda d: d.name)


@dataclass(frozen=True)
class Role:
    environment: str
    name: str
    assumed_by: str
    permissions: tuple[str, ...]


def roles(index: Index, env: str) -> list[Role]:
    policies = index.of_type("AWS::IAM::Policy", env)
    out = []
    for role in index.of_type("AWS::IAM::Role", env):
        principals = sorted(
            {
                str(s.get("Principal", {}).get("Service", ""))
                for s in role.properties.get("AssumeRolePolicyDocument", {}).get("Statement", [])
            }
        )
        perms: list[str] = []
        for managed in role.properties.get("ManagedPolicyArns", []):
            perms.append("managed: " + json.dumps(managed).split("policy/")[-1].strip('"]}'))
        for pol in policies:
            if role.logical_id in _refs(pol.properties.get("Roles", [])) and pol.stack == role.stack:
                for st in pol.properties["PolicyDocument"]["Statement"]:
                    actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                    on = sorted({name_of(t) for t in index.targets(pol, st.get("Resource"))}) or (
                        ["*"] if st.get("Resource") == "*" else ["scoped ARN"]
                    )
                    perms.append(f"{', '.join(sorted(actions))} on {', '.join(on)}")
        label = "/".join(role.path.split("/")[2:-1]) or role.logical_id
        out.append(Role(env, label, ", ".join(p for p in principals if p) or "-", tuple(sorted(set(perms)))))
    return sorted(out, key=lambda r: r.name)


@dataclass(frozen=True)
class LogGroup:
    environment: str
    name: str
    kind: str
    retention_days: int | None


def log_groups(index: Index, env: str) -> list[LogGroup]:
    out = []
    for r in index.of_type("AWS::Logs::LogGroup", env):
        kind = r.tags.get("LogType") or (
            "flow logs" if "FlowLog" in r.path else "slow log" if "SlowLog" in r.path else "application"
        )
        out.append(LogGroup(env, name_of(r), kind, r.properties.get("RetentionInDays")))
    for r in index.of_type("Custom::LogRetention", env):
        # CDK sets retention on log groups a service creates itself (RDS exports): name = "/aws/rds/.../<log>"
        literal = [p for p in re.findall(r'"(/[^"]*)"', json.dumps(r.properties.get("LogGroupName")))]
        owner = next((name_of(t) for t in index.targets(r, r.properties.get("LogGroupName"))), name_of(r))
        kind = f"RDS {literal[-1].strip('/')} log" if literal else "service-created log"
        out.append(LogGroup(env, owner, kind, r.properties.get("RetentionInDays")))
    return sorted(out, key=lambda g: (g.name, g.kind))


@dataclass(frozen=True)
class Alarm:
    environment: str
    name: str
    description: str
    metric: str
    comparison: str
    threshold: float
    periods: int
    severity: str
    runbook: str
    actions: tuple[str, ...] = field(default_factory=tuple)


def is_scaling_trigger(index: Index, alarm: Resource) -> bool:
    """CDK's step scaling creates alarms whose only actions are scaling policies: triggers, not alerts."""
    targets = index.targets(alarm, alarm.properties.get("AlarmActions", []))
    return bool(targets) and all(t.type == "AWS::ApplicationAutoScaling::ScalingPolicy" for t in targets)


def alarms(index: Index, env: str) -> list[Alarm]:
    """Alerting alarms (scaling triggers excluded) with severity and runbook from their tags or description."""
    out = []
    for r in index.of_type("AWS::CloudWatch::Alarm", env):
        if is_scaling_trigger(index, r):
            continue
        p = r.properties
        description = str(p.get("AlarmDescription", ""))
        severity = r.tags.get("Severity") or (
            m.group(1) if (m := re.match(r"\[(P[1-4])\]", description)) else "-"
        )
        runbook = r.tags.get("Runbook") or (
            m.group(1) if (m := re.search(r"Runbook: (\S+)", description)) else "-"
        )
        metric = p.get("MetricName") or ", ".join(
            sorted(
                q.get("MetricStat", {}).get("Metric", {}).get("MetricName", q.get("Expression", ""))
                for q in p.get("Metrics", [])
                if q.get("ReturnData", True) is not False or "MetricStat" in q
            )
        )
        actions = tuple(sorted(name_of(t) for t in index.targets(r, p.get("AlarmActions", []))))
        out.append(
            Alarm(
                env,
                name_of(r) + "/" + r.path.split("/")[-2],
                description,
                metric,
                p.get("ComparisonOperator", ""),
                float(p.get("Threshold", 0)),
                int(p.get("EvaluationPeriods", 1)),
                severity,
                runbook,
                actions,
            )
        )
    return sorted(out, key=lambda a: a.name)


def group_by_env(items: list[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        grouped[item.environment].append(item)
    return dict(grouped)
