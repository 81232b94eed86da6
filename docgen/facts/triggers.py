"""What invokes or feeds what: event source mappings, S3 notifications, SNS subscriptions, EventBridge rule
targets, API Gateway integrations and authorizers, Step Functions tasks and load-balancer Lambda targets.

One list of `Trigger`s per environment serves the Lambda table (a function's triggers), the events section and
the architecture diagram's arrows, so they agree on what calls what.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from docgen.assembly import intrinsics
from docgen.assembly.model import Resource
from docgen.facts import apis
from docgen.facts.fact import Fact, derived, exists, prop
from docgen.facts.index import Index
from docgen.facts.names import labelled

# Kinds of trigger and the short label an arrow of that kind carries in the diagram.
ARROW = {
    "event source mapping": "polls",
    "S3 notification": "notifies",
    "SNS subscription": "delivers",
    "EventBridge rule": "targets",
    "API integration": "integrates",
    "API authorizer": "authorizes",
    "Step Functions task": "invokes",
    "load balancer target": "forwards",
    "Scheduler schedule": "invokes",
}
# Resource types a state machine's definition can name as a task it calls.
TASK_TYPES = frozenset(
    {
        "AWS::Lambda::Function",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::DynamoDB::Table",
        "AWS::StepFunctions::StateMachine",
        "AWS::ECS::TaskDefinition",
        "AWS::Events::EventBus",
    }
)


@dataclass(frozen=True)
class Trigger:
    kind: str  # a key of ARROW
    source: Resource | None  # the emitter (queue, table, bucket, topic, rule, API, state machine, balancer)
    target: Resource  # what it invokes or feeds (function, queue, state machine, topic, ...)
    via: Resource  # the resource that declares the relation (mapping, subscription, rule, method, ...)
    origin: Fact  # the source as people read it: "SQS Ingest", "schedule rate(1 hour)"
    detail: Fact  # "batch 10, window 5 s", "s3:ObjectCreated:* (prefix uploads/)"

    @property
    def summary(self) -> Fact:
        """ "SQS Ingest (batch 10, window 5 s)": what a function's trigger column says."""
        if self.detail.text in ("", "-"):
            return self.origin
        return derived(None, f"{self.origin.text} ({self.detail.text})", [self.origin, self.detail])


def triggers(index: Index, env: str) -> list[Trigger]:
    found = [
        *_mappings(index, env),
        *_bucket_notifications(index, env),
        *_subscriptions(index, env),
        *_rules(index, env),
        *_api_routes(index, env),
        *_state_machines(index, env),
        *_lb_targets(index, env),
        *_schedules(index, env),
    ]
    return sorted(found, key=lambda t: (t.target.logical_id, t.kind, t.origin.text, t.detail.text))


def of_target(found: list[Trigger], target: Resource) -> list[Trigger]:
    return [t for t in found if t.target is target]


def _first(index: Index, owner: Resource, value: Any, types: frozenset[str] | None = None) -> Resource | None:
    hits = [t for t in index.targets(owner, value) if types is None or t.type in types]
    return hits[0] if hits else None


def _mappings(index: Index, env: str) -> Iterator[Trigger]:
    for mapping in index.of_type("AWS::Lambda::EventSourceMapping", env):
        function = _first(index, mapping, mapping.properties.get("FunctionName"))
        if function is None:
            continue
        arn = mapping.properties.get("EventSourceArn")
        source = _first(index, mapping, arn)
        if source is not None:
            stream = "StreamArn" in str(arn) and source.type.startswith("AWS::DynamoDB::")
            origin = labelled(source)
            if stream:
                origin = derived(
                    origin.value, f"{origin.text} stream", [origin, prop(mapping, "EventSourceArn")]
                )
        else:
            origin = prop(mapping, "EventSourceArn", default="-")
        parts = [prop(mapping, "BatchSize", default=None, fmt=lambda v: "" if v is None else f"batch {v}")]
        window = prop(mapping, "MaximumBatchingWindowInSeconds", default=None)
        if window.value is not None:
            parts.append(derived(window.value, f"window {window.text} s", [window]))
        start = prop(mapping, "StartingPosition", default=None)
        if start.value is not None:
            parts.append(derived(start.value, f"from {str(start.value).lower().replace('_', ' ')}", [start]))
        if "ReportBatchItemFailures" in str(mapping.properties.get("FunctionResponseTypes")):
            parts.append(prop(mapping, "FunctionResponseTypes", fmt=lambda v: "partial batch failures"))
        detail = derived(None, ", ".join(p.text for p in parts if p.text) or "-", parts)
        yield Trigger("event source mapping", source, function, mapping, origin, detail)


# S3 notification keys: the custom resource CDK uses (S3 API shape) and the bucket's own property.
S3_TARGETS = (
    ("LambdaFunctionConfigurations", "LambdaFunctionArn", "Events"),
    ("QueueConfigurations", "QueueArn", "Events"),
    ("TopicConfigurations", "TopicArn", "Events"),
    ("LambdaConfigurations", "Function", "Event"),
    ("QueueConfigurations", "Queue", "Event"),
    ("TopicConfigurations", "Topic", "Event"),
)


def _bucket_notifications(index: Index, env: str) -> Iterator[Trigger]:
    holders = [
        (n, ("NotificationConfiguration",)) for n in index.of_type("Custom::S3BucketNotifications", env)
    ]
    holders += [(b, ("NotificationConfiguration",)) for b in index.of_type("AWS::S3::Bucket", env)]
    for holder, at in holders:
        bucket = (
            holder
            if holder.type == "AWS::S3::Bucket"
            else _first(index, holder, holder.properties.get("BucketName"))
        )
        config = holder.properties.get(at[0]) or {}
        for key, arn_key, events_key in S3_TARGETS:
            for i, entry in enumerate(config.get(key) or ()):
                if not isinstance(entry, dict) or arn_key not in entry:
                    continue
                target = _first(index, holder, entry[arn_key])
                if target is None:
                    continue
                events = prop(holder, *at, key, i, events_key)
                rules = (
                    (entry.get("Filter") or {}).get("S3Key") or (entry.get("Filter") or {}).get("Key") or {}
                ).get("FilterRules") or []
                filters = ", ".join(
                    f"{str(r.get('Name')).lower()} {r.get('Value')}" for r in rules if isinstance(r, dict)
                )
                text = events.text + (f" ({filters})" if filters else "")
                origin = labelled(bucket) if bucket is not None else prop(holder, "BucketName")
                yield Trigger(
                    "S3 notification", bucket, target, holder, origin, derived(None, text, [events])
                )


def _subscriptions(index: Index, env: str) -> Iterator[Trigger]:
    for sub in index.of_type("AWS::SNS::Subscription", env):
        topic = _first(index, sub, sub.properties.get("TopicArn"))
        target = _first(index, sub, sub.properties.get("Endpoint"))
        if target is None:
            continue
        protocol = prop(sub, "Protocol")
        extras = []
        if sub.properties.get("RawMessageDelivery") in (True, "true"):
            extras.append("raw delivery")
        if "FilterPolicy" in sub.properties:
            extras.append("filter policy")
        text = ", ".join([f"{protocol.text} subscription", *extras])
        origin = labelled(topic) if topic is not None else prop(sub, "TopicArn")
        yield Trigger(
            "SNS subscription", topic, target, sub, origin, derived(protocol.value, text, [protocol])
        )


def rule_trigger(rule: Resource) -> Fact:
    """What fires a rule: "schedule rate(1 hour)" or "pattern source shop.orders, detail-type OrderPlaced"."""
    if "ScheduleExpression" in rule.properties:
        return prop(rule, "ScheduleExpression", fmt=lambda v: f"schedule {v}")
    pattern = prop(rule, "EventPattern", default={})
    value = pattern.value if isinstance(pattern.value, dict) else {}
    parts = [f"{k} {_pattern_text(v)}" for k, v in value.items()]
    return derived(value, "pattern " + "; ".join(parts) if parts else "no pattern", [pattern])


def _intrinsic(value: dict[str, Any]) -> bool:
    key = next(iter(value), "")
    return len(value) == 1 and (key == "Ref" or key.startswith("Fn::"))


def _pattern_text(value: Any) -> str:
    """An event-pattern value as people read it: nested fields by dotted path (`bucket.name uploads`), content
    filters by their name (`prefix images/`), intrinsics readably."""
    if isinstance(value, list):
        return ", ".join(_pattern_text(v) for v in value)
    if isinstance(value, dict) and not _intrinsic(value):
        parts = []
        for k, v in value.items():
            inner = _pattern_text(v)
            nested = isinstance(v, dict) and not _intrinsic(v)
            parts.append(f"{k}.{inner}" if nested else f"{k} {inner}")
        return ", ".join(parts)
    return intrinsics.text(value)


def _rules(index: Index, env: str) -> Iterator[Trigger]:
    for rule in index.of_type("AWS::Events::Rule", env):
        fired_by = rule_trigger(rule)
        for i, target in enumerate(rule.properties.get("Targets") or ()):
            if not isinstance(target, dict):
                continue
            reached = _first(index, rule, target.get("Arn"))
            if reached is None:
                continue
            detail = derived(None, fired_by.text, [fired_by, prop(rule, "Targets", i, "Arn")])
            yield Trigger("EventBridge rule", rule, reached, rule, labelled(rule), detail)


def _schedules(index: Index, env: str) -> Iterator[Trigger]:
    """An EventBridge Scheduler schedule invoking a target directly (a Fargate job's schedule is the job's own
    and is described with it)."""
    for schedule in index.of_type("AWS::Scheduler::Schedule", env):
        target = schedule.properties.get("Target") or {}
        if "EcsParameters" in target:
            continue
        reached = _first(index, schedule, target.get("Arn"))
        if reached is None:
            continue
        expression = prop(schedule, "ScheduleExpression")
        zone = prop(schedule, "ScheduleExpressionTimezone", default="UTC")
        origin = derived(None, f"schedule {expression.text}", [expression])
        yield Trigger("Scheduler schedule", None, reached, schedule, origin, derived(None, zone.text, [zone]))


def _api_routes(index: Index, env: str) -> Iterator[Trigger]:
    for api in apis.apis(index, env):
        for route in api.routes:
            origin = derived(None, f"{api.kind.text} {api.name.text}", [api.kind, api.name])
            for target in route.targets:
                yield Trigger("API integration", api.resource, target, route.resource, origin, route.route)
            if route.authorizer is not None:
                detail = derived(None, f"authorizer of {route.route.text}", [route.route, route.auth])
                yield Trigger(
                    "API authorizer", api.resource, route.authorizer, route.resource, origin, detail
                )


def _state_machines(index: Index, env: str) -> Iterator[Trigger]:
    for machine in index.of_type("AWS::StepFunctions::StateMachine", env):
        props = machine.properties
        for key in ("DefinitionString", "Definition", "DefinitionSubstitutions"):
            for target in index.targets(machine, props.get(key)):
                if target.type in TASK_TYPES and target is not machine:
                    detail = exists(machine, "task")
                    yield Trigger("Step Functions task", machine, target, machine, labelled(machine), detail)


def _lb_targets(index: Index, env: str) -> Iterator[Trigger]:
    """A Lambda behind a load balancer: a target group of type lambda, forwarded to by a listener or rule."""
    for group in index.of_type("AWS::ElasticLoadBalancingV2::TargetGroup", env):
        if group.properties.get("TargetType") != "lambda":
            continue
        balancers = _balancers_of(index, group)
        for target in index.targets(group, group.properties.get("Targets")):
            for lb, listener in balancers or [(None, None)]:
                origin = labelled(lb) if lb is not None else labelled(group)
                port = listener if listener is not None else exists(group, "lambda target group")
                yield Trigger("load balancer target", lb, target, group, origin, port)


def _balancers_of(index: Index, group: Resource) -> list[tuple[Resource, Fact]]:
    out = []
    for listener in index.of_type("AWS::ElasticLoadBalancingV2::Listener", group.environment):
        rules = index.referring(listener, "AWS::ElasticLoadBalancingV2::ListenerRule", "ListenerArn")
        forwards = group in index.targets(listener, listener.properties.get("DefaultActions")) or any(
            group in index.targets(r, r.properties.get("Actions")) for r in rules
        )
        if forwards:
            protocol, port = prop(listener, "Protocol", default=""), prop(listener, "Port", default="")
            text = derived(None, f"{protocol.text} :{port.text}", [protocol, port])
            for lb in index.targets(listener, listener.properties.get("LoadBalancerArn")):
                out.append((lb, text))
    return out
