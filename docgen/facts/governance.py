"""Governance facts: backup plans, cache recovery, tag coverage, audit trails and budgets per environment."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.assembly.model import TAG_PROPERTIES, Resource
from docgen.facts.fact import Fact, count, days, derived, exists, join, prop
from docgen.facts.index import Index, name_fact

REQUIRED_TAGS = ("Project", "Environment", "Service", "Seq", "Requirements")
# Resources a CloudFormation template cannot tag (no tag property exists for the type).
CDK_METADATA = "AWS::CDK::Metadata"


@dataclass(frozen=True)
class BackupRule:
    resource: Resource
    plan: Fact
    rule: Fact
    schedule: Fact
    retention: Fact
    copies: Fact


def backup_rules(index: Index, env: str) -> list[BackupRule]:
    out = []
    for plan in index.of_type("AWS::Backup::BackupPlan", env):
        name = prop(plan, "BackupPlan", "BackupPlanName", default=None, fmt=lambda v: v or "-")
        for i, rule in enumerate((plan.properties.get("BackupPlan") or {}).get("BackupPlanRule") or ()):
            at = ("BackupPlan", "BackupPlanRule", i)
            copies = []
            for j, copy in enumerate(rule.get("CopyActions") or ()):
                arn = prop(plan, *at, "CopyActions", j, "DestinationBackupVaultArn")
                keep = prop(
                    plan, *at, "CopyActions", j, "Lifecycle", "DeleteAfterDays", default=None, fmt=days
                )
                region = _arn_region(copy.get("DestinationBackupVaultArn"))
                copies.append(derived(region, f"{region} ({keep.text})", [arn, keep]))
            out.append(
                BackupRule(
                    resource=plan,
                    plan=name,
                    rule=prop(plan, *at, "RuleName"),
                    schedule=prop(plan, *at, "ScheduleExpression", default="-"),
                    retention=prop(
                        plan,
                        *at,
                        "Lifecycle",
                        "DeleteAfterDays",
                        default=None,
                        fmt=lambda v: "kept" if v is None else f"{v} d",
                    ),
                    copies=join(copies, ", ", empty="none", none=plan),
                )
            )
    return out


def _arn_region(arn: object) -> str:
    """The region of a vault ARN: a literal ARN, or the region part of a Fn::Join that builds one."""
    if isinstance(arn, str) and arn.count(":") >= 4:
        return arn.split(":")[3]
    if isinstance(arn, dict) and "Fn::Join" in arn:
        parts = arn["Fn::Join"][1] if isinstance(arn["Fn::Join"], list) else []
        text = "".join(p if isinstance(p, str) else "\0" for p in parts)
        fields = text.split(":")
        return fields[3] if len(fields) > 3 and fields[3] and "\0" not in fields[3] else "?"
    return "?"


def taggable(resource: Resource) -> bool:
    """Whether the template carries tags for the resource (any tag property, or tags from the tree)."""
    return resource.type != CDK_METADATA and (
        any(p in resource.properties for p in TAG_PROPERTIES) or bool(resource.tags)
    )


def tag_coverage(index: Index, env: str) -> Fact:
    resources = [r for r in index.assembly.resources if r.environment == env and taggable(r)]
    complete = [r for r in resources if all(t in r.tags for t in REQUIRED_TAGS)]
    text = f"{len(complete)}/{len(resources)}"
    return derived((len(complete), len(resources)), text, [exists(r, "tagged") for r in resources])


def audit_trails(index: Index, env: str) -> Fact:
    """Flow logs, load balancer access logs, CDN logs and S3 access logs, as counts of what has them."""
    flows = count(env, "AWS::EC2::FlowLog", index.assembly.resources)
    lbs = index.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer", env)
    logged = [lb for lb in lbs if _attribute_on(lb, "access_logs.s3.enabled")]
    cdn = index.of_type("AWS::CloudFront::Distribution", env)
    cdn_logged = [d for d in cdn if "Logging" in (d.properties.get("DistributionConfig") or {})]
    buckets = index.of_type("AWS::S3::Bucket", env)
    bucket_logged = [b for b in buckets if "LoggingConfiguration" in b.properties]
    text = (
        f"VPC flow logs ×{flows.value}; load balancer access logs {len(logged)}/{len(lbs)}; "
        f"CloudFront logs {len(cdn_logged)}/{len(cdn)}; S3 access logs {len(bucket_logged)}/{len(buckets)} buckets"
    )
    inputs = [flows, *(exists(r, "logged") for r in (*logged, *cdn_logged, *bucket_logged))]
    return derived(None, text, inputs)


def _attribute_on(lb: Resource, key: str) -> bool:
    return any(
        isinstance(a, dict) and a.get("Key") == key and str(a.get("Value")) == "true"
        for a in lb.properties.get("LoadBalancerAttributes") or ()
    )


@dataclass(frozen=True)
class Budget:
    resource: Resource
    name: Fact
    limit: Fact
    thresholds: Fact
    subscribers: Fact


def budgets(index: Index, env: str) -> list[Budget]:
    out = []
    for b in index.of_type("AWS::Budgets::Budget", env):
        notes = b.properties.get("NotificationsWithSubscribers") or []
        thresholds = [
            prop(b, "NotificationsWithSubscribers", i, "Notification", "Threshold", fmt=lambda v: f"{v} %")
            for i in range(len(notes))
        ]
        kinds = sorted({str(s.get("SubscriptionType")) for n in notes for s in n.get("Subscribers") or []})
        amount = prop(b, "Budget", "BudgetLimit", "Amount")
        unit = prop(b, "Budget", "BudgetLimit", "Unit", default="USD")
        out.append(
            Budget(
                resource=b,
                name=prop(b, "Budget", "BudgetName", default=None, fmt=lambda v: v or "-"),
                limit=derived(amount.value, f"{amount.text} {unit.text}/month", [amount, unit]),
                thresholds=join(thresholds, ", ", empty="none", none=b),
                subscribers=derived(
                    kinds, ", ".join(kinds) or "none", [prop(b, "NotificationsWithSubscribers", default=[])]
                ),
            )
        )
    return out


def owner(resource: Resource) -> Fact:
    return name_fact(resource)
