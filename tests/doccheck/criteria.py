"""Success Criteria: a ticked criterion's evidence holds in the templates (and pipeline.json), and every
number its evidence line gives is the real count."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.doccheck.assembly import Assembly
from tests.doccheck.compute import ecs_services
from tests.doccheck.markdown import CheckItem, Doc
from tests.doccheck.network import ingress_rules
from tests.doccheck.observability import alarm_topics, notifying, subscriptions
from tests.doccheck.report import Result

Check = tuple[bool, str, object, str]  # (holds, kind, what the templates say, where that came from)


def check(doc: Doc, assembly: Assembly, *, pipeline: dict[str, Any] | None) -> Result:
    result = Result()
    for item in doc.checklist:
        rule = next((fn for prefix, fn in RULES.items() if item.label.lower().startswith(prefix)), None)
        if rule is None or not item.ticked:
            continue
        for ok, kind, want, source in rule(item, assembly, doc, pipeline):
            result.fact(
                ok, f"criterion-{kind}", f"Success Criteria / {item.label}", item.evidence, want, source
            )
    return result


def _number(evidence: str, pattern: str) -> int | None:
    m = re.search(pattern, evidence, re.I)
    return int(m.group(1)) if m else None


def _components(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    services = asm.resources("AWS::ECS::Service")
    untagged = [r for r in asm.resources() if r.has_tags_property and "Service" not in r.tags]
    out: list[Check] = [
        (not untagged, "components", f"{len(untagged)} tagged resources without a Service tag", "Tags")
    ]
    if (n := _number(item.evidence, r"(\d+) ECS services?")) is not None:
        out.append((n == len(services), "components-count", len(services), "AWS::ECS::Service count"))
    if (n := _number(item.evidence, r"across (\d+) environments?")) is not None:
        out.append((n == len(asm.stages), "components-envs", len(asm.stages), "stages in manifest.json"))
    return out


def _network(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    rules = [r for st in asm.stages.values() for r in ingress_rules(st, asm)]
    alb_groups = {
        id(asm.resolve(alb.stack, g))
        for alb in asm.resources("AWS::ElasticLoadBalancingV2::LoadBalancer")
        for g in alb.props.get("SecurityGroups", [])
    }
    open_to_all = [r for r in rules if r.anywhere and id(r.dest) not in alb_groups]
    out: list[Check] = [
        (
            not open_to_all,
            "network-open",
            f"{len(open_to_all)} non-ALB rules open to 0.0.0.0/0",
            "ingress rules",
        )
    ]
    if (n := _number(item.evidence, r"(\d+) ingress rules?")) is not None:
        out.append(
            (n == len(rules), "network-count", len(rules), "SecurityGroupIngress resources + inline rules")
        )
    return out


def _scaling(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    bare = [s.name for s in ecs_services(asm) if s.target is None or not s.policies]
    return [(not bare, "scaling", f"without target or policy: {bare}", "ScalableTarget / ScalingPolicy")]


def _dr(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    primaries = [
        d
        for d in asm.resources("AWS::RDS::DBInstance")
        if "SourceDBInstanceIdentifier" not in d.props and "DBClusterIdentifier" not in d.props
    ] + asm.resources("AWS::RDS::DBCluster")  # an Aurora cluster keeps the backups of its instances
    without = [d.owner for d in primaries if int(d.props.get("BackupRetentionPeriod", 1)) < 1]
    out: list[Check] = [(not without, "dr", f"no automated backups: {without}", "BackupRetentionPeriod")]
    if "database" in item.evidence.lower():
        out.append(
            (bool(primaries), "dr-no-database", "no RDS database in the templates", "AWS::RDS::DBInstance")
        )
    return out


def _cost(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    listed = sum(
        len(t.rows) for t in doc.tables if t.region == "cost" and t.column("resource") and t.column("type")
    )
    n = _number(item.evidence, r"(\d+) resources?(?:\(s\))? listed as unpriced")
    return [] if n is None else [(n == listed, "cost-unpriced", listed, "rows of the doc's unpriced tables")]


def _pipeline(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    if pipeline is None:
        return [(False, "pipeline", "no pipeline.json", "generated/")]
    stages = pipeline.get("stages", [])
    out: list[Check] = []
    if (n := _number(item.evidence, r"(\d+) stages?")) is not None:
        out.append((n == len(stages), "pipeline-count", len(stages), "generated/pipeline.json stages"))
    if m := re.search(r"stages? on (.+)$", item.evidence):
        out.append(
            (
                m.group(1).strip() in (pipeline.get("platform"), pipeline.get("platform_label")),
                "pipeline-platform",
                pipeline.get("platform"),
                "generated/pipeline.json",
            )
        )
    return out


def _triggers(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    stages = (pipeline or {}).get("stages", [])
    missing = [s.get("name") for s in stages if not s.get("trigger")]
    return [
        (
            bool(stages) and not missing,
            "triggers",
            f"stages without a trigger: {missing}",
            "generated/pipeline.json",
        )
    ]


def _observability(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    alarms = [a for a in asm.resources("AWS::CloudWatch::Alarm") if notifying(a, asm)]
    return [(bool(alarms), "observability", f"{len(alarms)} alarms that notify", "AlarmActions")]


def _telemetry(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    groups = asm.resources("AWS::Logs::LogGroup", "Custom::LogRetention")
    forever = [g.where() for g in groups if "RetentionInDays" not in g.props]
    insights = [
        c
        for c in asm.resources("AWS::ECS::Cluster")
        if any(
            s.get("Name") == "containerInsights" and s.get("Value") in ("enabled", "enhanced")
            for s in c.props.get("ClusterSettings", [])
        )
    ]
    tracing = [
        t
        for t in asm.resources("AWS::ECS::TaskDefinition")
        if any(
            re.search(r"otel|xray|x-ray", str(c.get("Image")), re.I)
            for c in t.props.get("ContainerDefinitions", [])
        )
    ]
    return [
        (not forever, "logging", f"log groups without retention: {forever[:3]}", "RetentionInDays"),
        (
            bool(insights) and len(insights) == len(asm.resources("AWS::ECS::Cluster")),
            "metrics",
            f"{len(insights)} clusters with Container Insights",
            "ClusterSettings",
        ),
        (
            bool(tracing),
            "tracing",
            f"{len(tracing)} task definitions with an X-Ray/OpenTelemetry sidecar",
            "ContainerDefinitions Image",
        ),
    ]


def _alerting(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    notifying = [a for a in asm.resources("AWS::CloudWatch::Alarm") if alarm_topics(a, asm)]
    used = {id(t): t for a in notifying for t in alarm_topics(a, asm)}
    silent = [
        f"{t.stack.stage}/{t.tags.get('Severity', t.logical_id)}"
        for t in used.values()
        if not subscriptions(t, asm)
    ]
    unrated = [a.where() for a in notifying if "Severity" not in a.tags]
    out: list[Check] = [
        (not silent, "escalation", f"alarm topics without a subscriber: {silent}", "AWS::SNS::Subscription"),
        (not unrated, "severity", f"alarms without a Severity tag: {unrated[:3]}", "alarm Tags"),
    ]
    if (n := _number(item.evidence, r"(\d+) alarms?")) is not None:
        out.append((n == len(notifying), "alerting-count", len(notifying), "alarms with SNS AlarmActions"))
    return out


def _dashboards(item: CheckItem, asm: Assembly, doc: Doc, pipeline: Any) -> list[Check]:
    boards = asm.resources("AWS::CloudWatch::Dashboard")
    out: list[Check] = [
        (bool(boards), "dashboards", f"{len(boards)} dashboards", "AWS::CloudWatch::Dashboard")
    ]
    if (n := _number(item.evidence, r"(\d+) dashboards?")) is not None:
        out.append((n == len(boards), "dashboards-count", len(boards), "AWS::CloudWatch::Dashboard count"))
    return out


RULES: dict[str, Callable[[CheckItem, Assembly, Doc, Any], list[Check]]] = {
    "all components have infrastructure": _components,
    "network security": _network,
    "auto-scaling": _scaling,
    "dr strategy": _dr,
    "cost estimates": _cost,
    "ci/cd pipeline": _pipeline,
    "pipeline stages defined": _triggers,
    "observability stack": _observability,
    "logging, metrics, tracing": _telemetry,
    "alerting rules and escalation": _alerting,
    "dashboards": _dashboards,
}
