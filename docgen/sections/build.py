"""The doc model: every table, checklist and diagram of the design doc, computed from the assembly in Python."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from docgen.assembly.model import Assembly
from docgen.facts import index as facts

ENV_ORDER = {"dev": 0, "development": 0, "staging": 1, "prod": 2, "production": 2}


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def has_rows(self) -> bool:
        return bool(self.rows)


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    evidence: str  # why it is ticked, or why not


@dataclass
class DocModel:
    """Plain data for the template: no arithmetic or lookups are left for Jinja."""

    project: str
    environments: list[str]
    cdk_version: str
    stack_count: int
    resource_count: int
    tables: dict[str, Table] = field(default_factory=dict)
    diagrams: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    text: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        return self.tables.get(name, Table((), ()))


def env_sorted(envs: Any) -> list[str]:
    return sorted(envs, key=lambda e: (ENV_ORDER.get(e, 5), e))


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def t(headers: list[str], rows: list[list[Any]]) -> Table:
    return Table(tuple(headers), tuple(tuple(str(c) for c in row) for row in rows))


def build(
    assembly: Assembly,
    *,
    compose: dict[str, Any] | None,
    pipeline: dict[str, Any] | None,
    estimate: Any,
    picture: str | None,
    usage: Any = None,
) -> DocModel:
    index = facts.Index(assembly)
    envs = env_sorted(assembly.environments)
    project = Counter(r.tags.get("Project", "") for r in assembly.resources).most_common(1)
    model = DocModel(
        project=project[0][0] if project else "design",
        environments=envs,
        cdk_version=assembly.cdk_version,
        stack_count=len(assembly.stacks),
        resource_count=len(assembly.resources),
    )
    _context(model, assembly, index, compose)
    _network(model, index)
    _compute(model, index)
    _data(model, index)
    _security(model, assembly, index)
    _observability(model, index)
    _cicd(model, pipeline)
    _compose(model, index, compose)
    _cost(model, estimate)
    _usage(model, usage)
    _disaster_recovery(model, assembly, index)
    _governance(model, assembly, index)
    _matrix(model, index)
    if picture:
        model.text["picture"] = picture
    model.checks = success_criteria(model, index, pipeline, estimate)
    return model


def _context(model: DocModel, assembly: Assembly, index: facts.Index, compose: dict[str, Any] | None) -> None:
    rows = []
    for stack in sorted(assembly.stacks, key=lambda s: (ENV_ORDER.get(s.environment, 5), s.stack_name)):
        count = sum(1 for r in assembly.resources if r.stack == stack.artifact_id)
        rows.append(
            [stack.environment, stack.stack_name, f"{stack.account}/{stack.region}", count, stack.description]
        )
    model.tables["stacks"] = t(["Environment", "Stack", "Account/Region", "Resources", "Purpose"], rows)
    env_rows = []
    if compose:
        env_rows.append(["dev", "Docker Compose (local)", "-", "-", len(compose.get("services", {}))])
    for env in model.environments:
        net = facts.network(index, env)
        stacks = [s for s in assembly.stacks if s.environment == env]
        env_rows.append(
            [
                env,
                "AWS (ECS Fargate)",
                f"{stacks[0].account} / {stacks[0].region}" if stacks else "-",
                ", ".join(net.zones) if net else "-",
                len(facts.ecs_services(index, env)),
            ]
        )
    model.tables["environments"] = t(
        ["Environment", "Platform", "Account / Region", "Availability zones", "Services"], env_rows
    )
    comps: dict[str, set[str]] = {}
    for r in assembly.resources:
        if r.service and _kind(r.type):
            comps.setdefault(r.service, set()).add(_kind(r.type))
    model.tables["components"] = t(
        ["Component (Service tag)", "Seq", "Requirements", "AWS resources"],
        [
            [
                name,
                _first_tag(assembly, name, "Seq"),
                _first_tag(assembly, name, "Requirements"),
                ", ".join(sorted(k for k in kinds if k)),
            ]
            for name, kinds in sorted(comps.items())
        ],
    )


def _first_tag(assembly: Assembly, service: str, tag: str) -> str:
    return next(
        (r.tags.get(tag, "-") for r in assembly.resources if r.service == service and tag in r.tags), "-"
    )


_KINDS = {
    "AWS::ECS::Service": "ECS Fargate service",
    "AWS::RDS::DBInstance": "RDS PostgreSQL",
    "AWS::ElastiCache::ReplicationGroup": "ElastiCache Redis",
    "AWS::SQS::Queue": "SQS",
    "AWS::SecretsManager::Secret": "Secrets Manager",
    "AWS::CloudFront::Distribution": "CloudFront",
    "AWS::S3::Bucket": "S3",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "ALB",
    "AWS::EC2::VPC": "VPC",
    "AWS::EC2::NatGateway": "NAT gateway",
    "AWS::ECS::Cluster": "ECS cluster",
    "AWS::SNS::Topic": "SNS",
    "AWS::CloudWatch::Alarm": "CloudWatch alarms",
    "AWS::CloudWatch::Dashboard": "CloudWatch dashboards",
    "AWS::Budgets::Budget": "AWS Budgets",
    "AWS::ECR::Repository": "ECR",
    "AWS::Backup::BackupPlan": "AWS Backup",
    "AWS::KMS::Key": "KMS",
}


def _kind(cfn_type: str) -> str:
    return _KINDS.get(cfn_type, "")


def _network(model: DocModel, index: facts.Index) -> None:
    vpc_rows, subnet_rows, sg_rows, route_rows, cdn_rows = [], [], [], [], []
    for env in model.environments:
        net = facts.network(index, env)
        if net:
            vpc_rows.append(
                [
                    env,
                    net.cidr,
                    len(net.zones),
                    net.nat_gateways,
                    f"yes ({net.flow_log_retention_days} d retention)" if net.flow_logs else "no",
                ]
            )
            tiers = Counter((s.tier) for s in net.subnets)
            for tier, count in sorted(tiers.items()):
                cidrs = ", ".join(s.cidr for s in net.subnets if s.tier == tier)
                subnet_rows.append([env, tier, count, cidrs])
        sg_rows += [[env, r.source, r.target, r.port, r.description] for r in facts.ingress_rules(index, env)]
        route_rows += [[env, r.priority, ", ".join(r.paths), r.service] for r in facts.alb_routes(index, env)]
        cdn_rows += [
            [env, d.name, "<br>".join(d.behaviours), d.price_class, yes(d.logging), d.http_version]
            for d in facts.distributions(index, env)
        ]
    model.tables["vpc"] = t(["Environment", "VPC CIDR", "AZs", "NAT gateways", "Flow logs"], vpc_rows)
    model.tables["subnets"] = t(["Environment", "Tier", "Subnets", "CIDRs"], subnet_rows)
    model.tables["ingress"] = t(["Environment", "From", "To", "Port", "Why"], sg_rows)
    model.tables["routes"] = t(["Environment", "Priority", "Path patterns", "Target service"], route_rows)
    model.tables["cdn"] = t(
        ["Environment", "Front end", "Behaviours", "Price class", "Logging", "HTTP"], cdn_rows
    )


def _compute(model: DocModel, index: facts.Index) -> None:
    for env in model.environments:
        rows = [
            [
                s.name,
                s.task_family,
                f"{s.cpu} ({s.vcpu} vCPU)",
                f"{s.memory} MiB",
                s.architecture,
                s.desired,
                s.scaling,
            ]
            for s in facts.ecs_services(index, env)
        ]
        model.tables[f"ecs:{env}"] = t(
            ["Service", "Task Definition", "CPU", "Memory", "Arch", "Desired", "Scaling"], rows
        )
    cap_rows = []
    for env in model.environments:
        for s in facts.ecs_services(index, env):
            cap_rows.append(
                [
                    env,
                    s.name,
                    s.min,
                    s.desired,
                    s.max,
                    f"{s.cpu * s.max / 1024:g} vCPU / {s.memory * s.max / 1024:g} GB",
                    "; ".join(p.summary for p in s.policies) or "none",
                ]
            )
    model.tables["capacity"] = t(
        ["Environment", "Service", "Min", "Desired", "Max", "Capacity at max", "Policies"], cap_rows
    )


def _data(model: DocModel, index: facts.Index) -> None:
    db_rows, cache_rows, queue_rows, bucket_rows = [], [], [], []
    for env in model.environments:
        db_rows += [
            [
                env,
                d.name + (" (read replica)" if d.replica_of else ""),
                d.engine,
                d.instance_class,
                yes(d.multi_az),
                f"{d.storage_gb}→{d.max_storage_gb or d.storage_gb} GB {d.storage_type}",
                yes(d.encrypted),
                f"{d.backup_days} d",
                yes(d.deletion_protection),
            ]
            for d in facts.databases(index, env)
        ]
        cache_rows += [
            [
                env,
                c.name,
                c.engine,
                c.node_type,
                c.nodes,
                yes(c.failover),
                yes(c.multi_az),
                yes(c.tls),
                yes(c.at_rest),
                yes(c.auth_from_secrets_manager),
                f"{c.snapshot_days} d",
            ]
            for c in facts.caches(index, env)
        ]
        queue_rows += [
            [
                env,
                q.name,
                q.role,
                q.visibility_timeout or "-",
                f"{(q.retention_seconds or 345600) // 86400} d",
                q.max_receive_count or "-",
                yes(q.encrypted),
            ]
            for q in facts.queues(index, env)
        ]
        bucket_rows += [
            [
                env,
                b.name,
                b.purpose,
                b.encryption,
                yes(b.versioned),
                f"{b.expiry_days} d" if b.expiry_days else "kept",
                yes(b.public_access_blocked),
            ]
            for b in facts.buckets(index, env)
        ]
    model.tables["databases"] = t(
        [
            "Environment",
            "Database",
            "Engine",
            "Class",
            "Multi-AZ",
            "Storage",
            "Encrypted",
            "Backups",
            "Deletion protection",
        ],
        db_rows,
    )
    model.tables["caches"] = t(
        [
            "Environment",
            "Cache",
            "Engine",
            "Node type",
            "Nodes",
            "Failover",
            "Multi-AZ",
            "TLS",
            "At rest",
            "AUTH from Secrets Manager",
            "Snapshots",
        ],
        cache_rows,
    )
    model.tables["queues"] = t(
        ["Environment", "Queue", "Role", "Visibility (s)", "Retention", "Max receives", "SSE"], queue_rows
    )
    model.tables["buckets"] = t(
        ["Environment", "Owner", "Bucket", "Encryption", "Versioned", "Expiry", "Public access blocked"],
        bucket_rows,
    )


def _security(model: DocModel, assembly: Assembly, index: facts.Index) -> None:
    acks: dict[tuple[str, str], set[str]] = {}
    for a in assembly.acknowledgements:
        acks.setdefault((a.rule, a.reason), set()).add(a.environment)
    model.tables["acks"] = t(
        ["Rule", "Reason", "Environments", "Resources"],
        [
            [
                rule,
                reason,
                ", ".join(env_sorted(envs)),
                sum(1 for a in assembly.acknowledgements if a.rule == rule and a.reason == reason),
            ]
            for (rule, reason), envs in sorted(acks.items())
        ],
    )
    role_rows = []
    env = model.environments[-1] if model.environments else ""
    for role in facts.roles(index, env):
        role_rows.append([role.name, role.assumed_by, "<br>".join(role.permissions) or "-"])
    model.text["roles_env"] = env
    model.tables["roles"] = t(["Role", "Assumed by", "May do"], role_rows)
    secret_rows = []
    for env in model.environments:
        rotated = _rotated_secrets(index, env)
        for s in index.of_type("AWS::SecretsManager::Secret", env):
            description = s.properties.get("Description")
            if not isinstance(description, str):  # CDK's generated database credentials carry a token here
                description = "generated database credentials"
            secret_rows.append(
                [
                    env,
                    facts.name_of(s),
                    description,
                    "every 30 days (hosted rotation)" if s.logical_id in rotated else "manual (runbook)",
                ]
            )
    model.tables["secrets"] = t(["Environment", "Owner", "Secret", "Rotation"], sorted(secret_rows))
    enc_rows = []
    for env in model.environments:
        enc_rows += [
            [env, f"RDS {d.name}", yes(d.encrypted) + " (KMS)", "TLS (PostgreSQL sslmode)"]
            for d in facts.databases(index, env)
        ]
        enc_rows += [
            [env, f"ElastiCache {c.name}", yes(c.at_rest), "TLS" if c.tls else "none"]
            for c in facts.caches(index, env)
        ]
        enc_rows += [
            [env, f"SQS {q.name} ({q.role})", yes(q.encrypted) + " (SSE-SQS)", "TLS only (queue policy)"]
            for q in facts.queues(index, env)
        ]
        enc_rows += [
            [env, f"S3 {b.name}/{b.purpose}", b.encryption, "TLS only (bucket policy)"]
            for b in facts.buckets(index, env)
        ]
    model.tables["encryption"] = t(["Environment", "Data store", "At rest", "In transit"], enc_rows)


def _rotated_secrets(index: facts.Index, env: str) -> set[str]:
    """Logical ids of secrets with a rotation schedule (directly or through their database attachment)."""
    rotated: set[str] = set()
    for schedule in index.of_type("AWS::SecretsManager::RotationSchedule", env):
        for target in index.targets(schedule, schedule.properties.get("SecretId")):
            if target.type == "AWS::SecretsManager::SecretTargetAttachment":
                rotated |= {t.logical_id for t in index.targets(target, target.properties.get("SecretId"))}
            rotated.add(target.logical_id)
    return rotated


def _observability(model: DocModel, index: facts.Index) -> None:
    log_rows, alarm_rows = [], []
    for env in model.environments:
        log_rows += [
            [env, g.name, g.kind, f"{g.retention_days} d" if g.retention_days else "never expires"]
            for g in facts.log_groups(index, env)
        ]
        alarm_rows += [
            [
                env,
                a.name,
                a.severity,
                a.metric,
                f"{_op(a.comparison)} {a.threshold:g}",
                a.runbook,
                ", ".join(a.actions) or "-",
            ]
            for a in facts.alarms(index, env)
        ]
    model.tables["logs"] = t(["Environment", "Owner", "Log type", "Retention"], log_rows)
    model.tables["alarms"] = t(
        ["Environment", "Alarm", "Severity", "Metric", "Condition", "Runbook", "Notifies"], alarm_rows
    )
    dash_rows = []
    for env in model.environments:
        for d in index.of_type("AWS::CloudWatch::Dashboard", env):
            info = d.metadata.get("Dashboard", {})  # written by stacks/dashboards.py: {kind, sections}
            body = json_text(d.properties.get("DashboardBody", ""))
            name = d.properties.get("DashboardName", facts.name_of(d))
            dash_rows.append(
                [
                    env,
                    info.get("kind", "-"),
                    name if isinstance(name, str) else facts.name_of(d),
                    body.count('\\"type\\"') or body.count('"type"'),
                    ", ".join(info.get("sections", [])) or "-",
                ]
            )
    model.tables["dashboards"] = t(["Environment", "Kind", "Dashboard", "Widgets", "Sections"], dash_rows)


def _op(comparison: str) -> str:
    return {
        "GreaterThanThreshold": ">",
        "LessThanThreshold": "<",
        "GreaterThanOrEqualToThreshold": "≥",
        "LessThanOrEqualToThreshold": "≤",
    }.get(comparison, comparison)


def _cicd(model: DocModel, pipeline: dict[str, Any] | None) -> None:
    if not pipeline:
        return
    stages = pipeline.get("stages", [])
    names = {s.get("id", ""): s.get("name", "") for s in stages}
    model.text["ci_platform"] = str(pipeline.get("platform", ""))
    model.tables["pipeline"] = t(
        ["Stage", "Purpose", "Trigger", "Needs", "Environment", "Approval"],
        [
            [
                s.get("name", ""),
                s.get("purpose", ""),
                s.get("trigger", ""),
                ", ".join(names.get(n, n) for n in s.get("needs", [])) or "-",
                s.get("environment") or "-",
                "required" if s.get("approval") else "none",
            ]
            for s in stages
        ],
    )
    model.tables["variations"] = t(
        ["Environment", "Deployment Type", "Approval", "Tests Run", "Rollback"],
        [
            [
                d.get("label", d.get("environment", "")),
                d.get("deployment_type", ""),
                d.get("approval", ""),
                ", ".join(d.get("tests_run", [])),
                d.get("rollback", ""),
            ]
            for d in pipeline.get("deployments", [])
        ],
    )


def _compose(model: DocModel, index: facts.Index, compose: dict[str, Any] | None) -> None:
    if not compose:
        return
    prod = model.environments[-1] if model.environments else ""
    prod_services = {s.name: s for s in facts.ecs_services(index, prod)}
    managed = {
        "postgres": "RDS PostgreSQL",
        "redis": "ElastiCache Redis",
        "elasticmq": "SQS",
        "localstack": "SQS",
    }
    rows = []
    for name, svc in sorted(compose.get("services", {}).items()):
        image = (
            svc.get("image")
            or f"build: {svc.get('build', {}).get('context', svc.get('build', '')) if isinstance(svc.get('build'), dict) else svc.get('build', '')}"
        )
        counterpart = (
            f"ECS Fargate `{name}` ({prod_services[name].vcpu} vCPU / {prod_services[name].memory_gb} GB)"
            if name in prod_services
            else next(
                (v for k, v in managed.items() if k in name),
                "CloudFront + S3" if name.startswith("frontend") else "-",
            )
        )
        rows.append([name, image, ", ".join(str(p) for p in svc.get("ports", [])) or "-", counterpart])
    model.tables["compose"] = t(
        ["Dev service (Docker Compose)", "Image / build", "Ports", f"{prod} counterpart"], rows
    )
    model.text["compose_services"] = "\n".join(f"  {name}:" for name in sorted(compose.get("services", {})))


def _cost(model: DocModel, estimate: Any) -> None:
    if estimate is None:
        return
    from docgen.cost import format_money

    for env in model.environments:
        svc_rows = [
            [
                r.key,
                format_money(r.totals.monthly),
                f"{format_money(r.totals.monthly_min)}–{format_money(r.totals.monthly_max)}",
            ]
            for r in estimate.by_service()
            if r.environment == env and r.totals.monthly_max
        ]
        aws_rows = [
            [
                r.key,
                format_money(r.totals.monthly),
                f"{format_money(r.totals.monthly_min)}–{format_money(r.totals.monthly_max)}",
            ]
            for r in estimate.by_aws_service()
            if r.environment == env and r.totals.monthly_max
        ]
        free = sorted(
            r.key for r in estimate.by_aws_service() if r.environment == env and not r.totals.monthly_max
        )
        model.text[f"cost_free:{env}"] = ", ".join(free)
        total = estimate.total(env)
        model.tables[f"cost_service:{env}"] = t(
            ["Service", "Monthly (USD)", "Range from auto-scaling"], svc_rows
        )
        model.tables[f"cost_aws:{env}"] = t(
            ["AWS service", "Monthly (USD)", "Range from auto-scaling"], aws_rows
        )
        model.text[f"cost_total:{env}"] = (
            f"{format_money(total.monthly)} USD/month expected "
            f"({format_money(total.monthly_min)}–{format_money(total.monthly_max)})"
        )
        model.tables[f"cost_unpriced:{env}"] = t(
            ["Resource", "Type", "Why"],
            [[line.path, line.resource_type, line.arithmetic] for line in estimate.unpriced(env)],
        )
    model.tables["rates"] = t(
        ["Rate", "Price (USD)", "Unit", "Source", "Read on"],
        [
            [
                key,
                str(r.price),
                r.unit,
                r.source + (" (unverified)" if r.confidence == "unverified" else ""),
                str(r.read_on),
            ]
            for key, r in estimate.rates
        ],
    )


def _disaster_recovery(model: DocModel, assembly: Assembly, index: facts.Index) -> None:
    """Backup plans as deployed, and RPO/RTO of the caches from snapshot and failover settings."""
    plan_rows, rr_rows = [], []
    for env in model.environments:
        for plan in index.of_type("AWS::Backup::BackupPlan", env):
            for rule in plan.properties["BackupPlan"].get("BackupPlanRule", []):
                copies = [
                    str(c.get("DestinationBackupVaultArn", "")).split(":")[3]
                    + f" ({c['Lifecycle']['DeleteAfterDays']} d)"
                    for c in rule.get("CopyActions", [])
                    if "Lifecycle" in c
                ]
                plan_rows.append(
                    [
                        env,
                        plan.properties["BackupPlan"].get("BackupPlanName", facts.name_of(plan)),
                        rule.get("RuleName", ""),
                        rule.get("ScheduleExpression", ""),
                        f"{rule.get('Lifecycle', {}).get('DeleteAfterDays', '-')} d",
                        ", ".join(copies) or "none",
                    ]
                )
        for c in facts.caches(index, env):
            rr_rows.append(
                [
                    env,
                    f"ElastiCache {c.name}",
                    yes(c.multi_az),
                    f"{c.snapshot_days} d snapshots",
                    c.nodes - 1,
                    "up to 24 h (daily snapshot)" if c.snapshot_days else "no snapshots: cache contents only",
                    "automatic failover to a replica" if c.failover else "rebuild from an empty cache",
                ]
            )
    model.tables["backup_plans"] = t(
        ["Environment", "Plan", "Rule", "Schedule", "Retention", "Cross-region copy"], plan_rows
    )
    # RDS rows come from docgen/verification.py (table "recovery"), which also checks them against targets.
    model.tables["cache_recovery"] = t(
        ["Environment", "Data store", "Multi-AZ", "Backups", "Replicas", "RPO", "RTO"], rr_rows
    )


REQUIRED_TAGS = ("Project", "Environment", "Service", "Seq", "Requirements")


def _governance(model: DocModel, assembly: Assembly, index: facts.Index) -> None:
    """Compliance, DNS and operations facts: regions, tag coverage, audit trails, routing of alarms."""
    rows = []
    for env in model.environments:
        stacks = [s for s in assembly.stacks if s.environment == env]
        tagged = [r for r in assembly.in_environment(env) if "Tags" in r.properties or r.tags]
        missing = [r for r in tagged if any(t not in r.tags for t in REQUIRED_TAGS)]
        albs = index.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer", env)
        alb_logs = all(
            any(
                a.get("Key") == "access_logs.s3.enabled" and a.get("Value") == "true"
                for a in r.properties.get("LoadBalancerAttributes", [])
            )
            for r in albs
        )
        cdn = facts.distributions(index, env)
        trails = [
            f"VPC flow logs ×{len(index.of_type('AWS::EC2::FlowLog', env))}",
            f"ALB access logs {'on' if albs and alb_logs else 'off'}",
            f"CloudFront logs {sum(d.logging for d in cdn)}/{len(cdn)}",
            f"S3 access logs {sum(1 for b in index.of_type('AWS::S3::Bucket', env) if 'LoggingConfiguration' in b.properties)}"
            f"/{len(index.of_type('AWS::S3::Bucket', env))} buckets",
        ]
        rows.append(
            [
                env,
                ", ".join(sorted({s.region for s in stacks})),
                f"{len(tagged) - len(missing)}/{len(tagged)}",
                "; ".join(trails),
            ]
        )
    model.tables["compliance"] = t(
        ["Environment", "Regions (data residency)", "Resources with all 5 tags", "Audit trails"], rows
    )
    zones = sum(
        len(index.of_type(k, e))
        for e in model.environments
        for k in ("AWS::Route53::HostedZone", "AWS::CertificateManager::Certificate")
    )
    model.text["dns"] = (
        f"{zones} Route 53 zone(s) / ACM certificate(s) in the templates."
        if zones
        else "No Route 53 zone or ACM certificate is in the templates: the front ends use their "
        "`*.cloudfront.net` names and the ALB listens on HTTP behind CloudFront."
    )
    topics = [
        (e, facts.name_of(r), r.tags.get("Severity", "-"))
        for e in model.environments
        for r in index.of_type("AWS::SNS::Topic", e)
    ]
    model.tables["topics"] = t(
        ["Environment", "Topic", "Severity"], sorted(topics, key=lambda x: (ENV_ORDER.get(x[0], 5), x))
    )


def _usage(model: DocModel, usage: Any) -> None:
    """The usage assumptions each environment's estimate used (defaults file, then the spec's cost_usage)."""
    if usage is None:
        return
    per_env = {env: usage.for_environment(env).model_dump() for env in model.environments}
    fields = sorted(next(iter(per_env.values()), {}))
    model.tables["usage"] = t(
        ["Assumption", *model.environments],
        [[f, *(str(per_env[e][f]) for e in model.environments)] for f in fields],
    )


def _matrix(model: DocModel, index: facts.Index) -> None:
    prod = model.environments[-1] if model.environments else ""
    present = {r.type for r in index.assembly.in_environment(prod)}
    rows = []
    for component, cfn, label in (
        ("Frontend", "AWS::CloudFront::Distribution", "CloudFront + S3"),
        ("Backend", "AWS::ECS::Service", "ECS Fargate"),
        ("Database", "AWS::RDS::DBInstance", "RDS PostgreSQL"),
        ("Cache", "AWS::ElastiCache::ReplicationGroup", "ElastiCache Redis"),
        ("Queue", "AWS::SQS::Queue", "SQS"),
        ("Secrets", "AWS::SecretsManager::Secret", "Secrets Manager"),
        ("Load balancing", "AWS::ElasticLoadBalancingV2::LoadBalancer", "Application Load Balancer"),
        ("Alerting", "AWS::SNS::Topic", "CloudWatch alarms + SNS"),
        ("Backup", "AWS::Backup::BackupPlan", "AWS Backup"),
        ("Cost control", "AWS::Budgets::Budget", "AWS Budgets"),
    ):
        if cfn in present:
            count = len(index.of_type(cfn, prod))
            rows.append([component, label, count])
    model.tables["matrix"] = t(["Component", "AWS Service", f"Count ({prod})"], rows)


def success_criteria(
    model: DocModel, index: facts.Index, pipeline: dict[str, Any] | None, estimate: Any
) -> list[Check]:
    """The specification's Success Criteria, each ticked only when the tree shows it."""
    checks: list[Check] = []
    services = [s for env in model.environments for s in facts.ecs_services(index, env)]
    unscaled = sorted({f"{s.environment}/{s.name}" for s in services if not s.policies})
    untagged = sorted({r.type for r in index.assembly.resources if r.tags and "Service" not in r.tags})
    checks.append(
        Check(
            "All components have infrastructure",
            bool(services) and not untagged,
            f"{len(services)} ECS services across {len(model.environments)} environments; every tagged "
            "resource names its component"
            if not untagged
            else f"untagged types: {', '.join(untagged)}",
        )
    )
    open_world = [
        r
        for env in model.environments
        for r in facts.ingress_rules(index, env)
        if r.source.startswith("0.0.0.0") and "ALB" not in r.target
    ]
    checks.append(
        Check(
            "Network security configured",
            not open_world and bool(model.table("ingress").rows),
            f"{len(model.table('ingress').rows)} ingress rules; only the ALB accepts 0.0.0.0/0"
            if not open_world
            else f"open to the internet: {', '.join(r.target for r in open_world)}",
        )
    )
    checks.append(
        Check(
            "Auto-scaling defined",
            bool(services) and not unscaled,
            "every ECS service has a scalable target and a policy"
            if not unscaled
            else f"no scaling policy: {', '.join(unscaled)}",
        )
    )
    dbs = [d for env in model.environments for d in facts.databases(index, env)]
    no_backup = [d.name for d in dbs if d.backup_days < 1]
    checks.append(
        Check(
            "DR strategy documented",
            bool(dbs) and not no_backup,
            "automated backups on every database; see Disaster Recovery"
            if not no_backup
            else f"no backups: {', '.join(no_backup)}",
        )
    )
    unpriced = len(estimate.unpriced()) if estimate is not None else None
    checks.append(
        Check(
            "Cost estimates provided",
            estimate is not None,
            f"priced from the templates; {unpriced} resource(s) listed as unpriced"
            if estimate is not None
            else "no estimate",
        )
    )
    stages = (pipeline or {}).get("stages", [])
    checks.append(
        Check(
            "CI/CD pipeline architecture designed",
            bool(stages),
            f"{len(stages)} stages on {(pipeline or {}).get('platform', '-')}"
            if stages
            else "no generated pipeline (run make generate)",
        )
    )
    checks.append(
        Check(
            "Pipeline stages defined with triggers",
            bool(stages) and all(s.get("trigger") for s in stages),
            "every stage has a trigger" if stages else "no stages",
        )
    )
    alarms = [a for env in model.environments for a in facts.alarms(index, env)]
    logs = [g for env in model.environments for g in facts.log_groups(index, env)]
    checks.append(
        Check(
            "Observability stack selected and documented",
            bool(alarms) and bool(logs),
            "CloudWatch Logs, metrics and alarms with SNS notification" if alarms else "no alarms",
        )
    )
    tracing = any(
        "xray" in json_text(r.properties).lower() or "aws-otel" in json_text(r.properties).lower()
        for r in index.assembly.resources
        if r.type == "AWS::ECS::TaskDefinition"
    )
    no_retention = [g.name for g in logs if g.retention_days is None]
    checks.append(
        Check(
            "Logging, metrics, tracing configured",
            bool(logs) and not no_retention and tracing,
            "log groups with retention, Container Insights, X-Ray sidecar"
            if tracing and not no_retention
            else (
                "no tracing sidecar in any task definition"
                if not tracing
                else f"log groups without retention: {', '.join(no_retention)}"
            ),
        )
    )
    no_action = [a.name for a in alarms if not a.actions]
    severities = {a.severity for a in alarms}
    checks.append(
        Check(
            "Alerting rules and escalation defined",
            bool(alarms) and not no_action and "-" not in severities,
            f"{len(alarms)} alarms, all with severities and SNS actions"
            if alarms and not no_action and "-" not in severities
            else "alarms without severity or action",
        )
    )
    dashboards = model.table("dashboards").rows
    checks.append(
        Check(
            "Dashboards specified",
            bool(dashboards),
            f"{len(dashboards)} dashboards" if dashboards else "no CloudWatch dashboard in the templates",
        )
    )
    return checks


def json_text(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def money(value: Decimal) -> str:
    return f"{value:,.2f}"
