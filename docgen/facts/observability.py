"""Observability facts: log groups and retention, alarms (severity, runbook, who they notify), alarm topics
with their subscribers, dashboards."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from docgen.assembly import intrinsics
from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, derived, exists, join, meta, number, prop, tag
from docgen.facts.index import Index, construct_id, name_fact, name_of

OPERATORS = {
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "GreaterThanOrEqualToThreshold": "≥",
    "LessThanOrEqualToThreshold": "≤",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside the band",
    "GreaterThanUpperThreshold": "above the band",
    "LessThanLowerThreshold": "below the band",
}


@dataclass(frozen=True)
class LogGroup:
    resource: Resource
    owner: Fact
    kind: Fact
    retention: Fact


def log_groups(index: Index, env: str) -> list[LogGroup]:
    out = []
    for r in index.of_type("AWS::Logs::LogGroup", env):
        named = re.findall(r'"(/aws/(?:rds|lambda)/[^"]*)"', json.dumps(r.properties.get("LogGroupName")))
        if r.tags.get("LogType"):
            kind_fact = tag(r, "LogType")
        elif named:  # a group a service writes to by name, created ahead by the stack (its retention set)
            kind_text = _service_log(named[-1])
            kind_fact = prop(r, "LogGroupName", fmt=lambda _v, k=kind_text: k)
        else:
            kind = (
                "flow logs" if "FlowLog" in r.path else "slow log" if "SlowLog" in r.path else "application"
            )
            kind_fact = exists(r, kind)
        out.append(
            LogGroup(r, name_fact(r), kind_fact, prop(r, "RetentionInDays", default=None, fmt=_retention))
        )
    for r in index.of_type("Custom::LogRetention", env):
        # CDK sets retention on log groups a service creates itself: RDS exports ("/aws/rds/.../<log>"),
        # Lambda functions ("/aws/lambda/<function>").
        literal = re.findall(r'"(/[^"]*)"', json.dumps(r.properties.get("LogGroupName")))
        owner = next((name_fact(t) for t in index.targets(r, r.properties.get("LogGroupName"))), name_fact(r))
        kind = _service_log(literal[-1]) if literal else "service-created log"
        out.append(
            LogGroup(
                r,
                owner,
                prop(r, "LogGroupName", fmt=lambda _v, k=kind: k),
                prop(r, "RetentionInDays", default=None, fmt=_retention),
            )
        )
    return sorted(out, key=lambda g: (g.owner.text, g.kind.text))


def _service_log(name: str) -> str:
    """`/aws/rds/instance/<id>/postgresql` -> `RDS postgresql log`; `/aws/lambda/<fn>` -> `Lambda function log`."""
    if name.startswith("/aws/lambda"):
        return "Lambda function log"
    if name.startswith("/aws/rds"):
        return f"RDS {name.rstrip('/').rsplit('/', 1)[-1]} log"
    return "service-created log"


def _retention(value: object) -> str:
    return "never expires" if value is None else f"{number(value)} d"


@dataclass(frozen=True)
class Topic:
    resource: Resource
    name: Fact
    severity: Fact
    subscribers: Fact  # "2 (email)" / "none"

    @property
    def has_subscriber(self) -> bool:
        return bool(self.subscribers.value)


def topics(index: Index, env: str) -> list[Topic]:
    out = []
    subscriptions = index.of_type("AWS::SNS::Subscription", env)
    for t in index.of_type("AWS::SNS::Topic", env):
        mine = [s for s in subscriptions if t in index.targets(s, s.properties.get("TopicArn"))]
        protocols = [prop(s, "Protocol") for s in mine]
        inline = prop(t, "Subscription", default=[])
        protocols += [
            derived(x.get("Protocol"), str(x.get("Protocol")), [inline])
            for x in inline.value or []
            if isinstance(x, dict)
        ]
        kinds = sorted({p.text for p in protocols})
        text = f"{len(protocols)} ({', '.join(kinds)})" if protocols else "none"
        out.append(
            Topic(
                resource=t,
                name=exists(t, f"{name_of(t)}/{construct_id(t)}"),
                severity=tag(t, "Severity"),
                subscribers=derived(len(protocols), text, protocols or [exists(t, "topic")]),
            )
        )
    return sorted(out, key=lambda x: (x.severity.text, x.name.text))


@dataclass(frozen=True)
class Alarm:
    resource: Resource
    name: Fact
    severity: Fact
    metric: Fact
    condition: Fact
    runbook: Fact
    notifies: Fact
    topics: tuple[Resource, ...]


def is_scaling_trigger(index: Index, alarm: Resource) -> bool:
    """CDK's step scaling creates alarms whose only actions are scaling policies: triggers, not alerts."""
    targets = index.targets(alarm, alarm.properties.get("AlarmActions", []))
    return bool(targets) and all(t.type == "AWS::ApplicationAutoScaling::ScalingPolicy" for t in targets)


def alarms(index: Index, env: str) -> list[Alarm]:
    """Alerting alarms (scaling triggers left out), with severity and runbook from their tags."""
    out = []
    for r in index.of_type("AWS::CloudWatch::Alarm", env):
        if is_scaling_trigger(index, r):
            continue
        p = r.properties
        metric_names = (
            [p["MetricName"]]
            if "MetricName" in p
            else [
                (q.get("MetricStat") or {}).get("Metric", {}).get("MetricName") or q.get("Expression", "")
                for q in p.get("Metrics") or []
                if isinstance(q, dict) and (q.get("ReturnData", True) is not False or "MetricStat" in q)
            ]
        )
        metric = derived(
            metric_names,
            ", ".join(sorted(str(m) for m in metric_names)) or "-",
            [prop(r, "MetricName" if "MetricName" in p else "Metrics", default=None)],
        )
        operator = prop(r, "ComparisonOperator", default="")
        threshold = prop(r, "Threshold", default=None)
        band = "ThresholdMetricId" in p
        condition = derived(
            None,
            f"{OPERATORS.get(str(operator.value), operator.text)}" + ("" if band else f" {threshold.text}"),
            [operator, threshold],
        )
        targets = index.targets(r, p.get("AlarmActions", []))
        topics_ = tuple(t for t in targets if t.type == "AWS::SNS::Topic")
        shown = [exists(t, f"{name_of(t)}/{construct_id(t)}") for t in targets]
        # An action outside the app (an imported topic, an ARN): shown as the template gives it
        for i, action in enumerate(p.get("AlarmActions") or []):
            if not index.targets(r, action):
                shown.append(prop(r, "AlarmActions", i, fmt=intrinsics.text))
        notifies = join(shown, ", ", none=prop(r, "AlarmActions", default=[]))
        out.append(
            Alarm(
                resource=r,
                name=exists(r, name_of(r) + "/" + r.path.split("/")[-2]),
                severity=tag(r, "Severity"),
                metric=metric,
                condition=condition,
                runbook=tag(r, "Runbook"),
                notifies=notifies,
                topics=topics_,
            )
        )
    return sorted(out, key=lambda a: a.name.text)


@dataclass(frozen=True)
class Dashboard:
    resource: Resource
    kind: Fact
    name: Fact
    widgets: Fact
    sections: Fact


def dashboards(index: Index, env: str) -> list[Dashboard]:
    out = []
    for d in index.of_type("AWS::CloudWatch::Dashboard", env):
        body = json.dumps(d.properties.get("DashboardBody", ""))
        widgets = body.count('\\"type\\"') or body.count('"type"')
        out.append(
            Dashboard(
                resource=d,
                kind=meta(d, "Dashboard", "kind", default="-"),
                name=prop(d, "DashboardName", default=name_of(d)),
                widgets=derived(widgets, str(widgets), [prop(d, "DashboardBody", default="")]),
                sections=meta(
                    d, "Dashboard", "sections", default=[], fmt=lambda v: ", ".join(map(str, v)) or "-"
                ),
            )
        )
    return sorted(out, key=lambda x: x.name.text)
