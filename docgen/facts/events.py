"""Event and workflow facts: EventBridge rules and their targets, SNS subscriptions, Step Functions state
machines (type, logging, tracing, what their tasks call)."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.assembly.model import Resource
from docgen.facts import triggers as trig
from docgen.facts.fact import Fact, derived, exists, join, prop, yes_no
from docgen.facts.index import Index
from docgen.facts.names import component, labelled

# What an SNS subscription endpoint is, by protocol.
ENDPOINTS = {
    "sqs": "SQS queue",
    "lambda": "Lambda function",
    "email": "email address",
    "email-json": "email address",
    "sms": "phone number",
    "http": "HTTP URL",
    "https": "HTTPS URL",
    "firehose": "Firehose stream",
    "application": "mobile app endpoint",
}


@dataclass(frozen=True)
class Rule:
    resource: Resource
    name: Fact
    bus: Fact
    fired_by: Fact
    state: Fact
    targets: Fact


def rules(index: Index, env: str) -> list[Rule]:
    out = []
    for rule in index.of_type("AWS::Events::Rule", env):
        if "EventBusName" in rule.properties:
            buses = index.targets(rule, rule.properties.get("EventBusName"))
            bus = (
                prop(buses[0], "Name")
                if buses and "Name" in buses[0].properties
                else prop(rule, "EventBusName")
            )
        else:
            bus = exists(rule, "default")
        targets = []
        for i, target in enumerate(rule.properties.get("Targets") or ()):
            if isinstance(target, dict):
                reached = index.targets(rule, target.get("Arn"))
                arn = prop(rule, "Targets", i, "Arn")
                targets.append(derived(None, labelled(reached[0]).text, [arn]) if reached else arn)
        out.append(
            Rule(
                resource=rule,
                name=component(rule),
                bus=bus,
                fired_by=trig.rule_trigger(rule),
                state=prop(rule, "State", default="ENABLED", fmt=lambda v: str(v).lower()),
                targets=join(targets, "<br>", empty="none", none=rule),
            )
        )
    return sorted(out, key=lambda r: r.name.text)


@dataclass(frozen=True)
class Subscription:
    resource: Resource
    topic: Fact
    protocol: Fact
    endpoint: Fact  # what the endpoint is, and which resource when the template names one
    options: Fact
    topic_resource: Resource | None = None  # the topic, when it is in these templates

    @property
    def alerting(self) -> bool:
        """A subscription to an alarm topic (one with a Severity tag): the doc shows it under Alerting."""
        return self.topic_resource is not None and "Severity" in self.topic_resource.tags


def subscriptions(index: Index, env: str) -> list[Subscription]:
    out = []
    for sub in index.of_type("AWS::SNS::Subscription", env):
        topics = index.targets(sub, sub.properties.get("TopicArn"))
        topic = labelled(topics[0]) if topics else prop(sub, "TopicArn")
        protocol = prop(sub, "Protocol")
        kind = ENDPOINTS.get(str(protocol.value), str(protocol.value))
        reached = index.targets(sub, sub.properties.get("Endpoint"))
        endpoint = prop(sub, "Endpoint", default=None)
        if reached:
            text = f"{kind} {component(reached[0]).text}"
        elif protocol.value in ("email", "email-json", "sms", "http", "https") and endpoint.value:
            text = f"{kind} {endpoint.text}"
        else:
            text = f"{kind} outside this app"
        options = []
        if sub.properties.get("RawMessageDelivery") in (True, "true"):
            options.append(prop(sub, "RawMessageDelivery", fmt=lambda v: "raw delivery"))
        if "FilterPolicy" in sub.properties:
            options.append(prop(sub, "FilterPolicy", fmt=lambda v: "filter policy"))
        if "RedrivePolicy" in sub.properties:
            options.append(prop(sub, "RedrivePolicy", fmt=lambda v: "dead-letter queue"))
        out.append(
            Subscription(
                resource=sub,
                topic=topic,
                protocol=protocol,
                endpoint=derived(endpoint.value, text, [protocol, endpoint]),
                options=join(options, ", ", empty="-", none=sub),
                topic_resource=topics[0] if topics else None,
            )
        )
    return sorted(out, key=lambda s: (s.topic.text, s.protocol.text, s.endpoint.text))


@dataclass(frozen=True)
class StateMachine:
    resource: Resource
    name: Fact
    kind: Fact  # STANDARD / EXPRESS
    logging: Fact
    tracing: Fact
    calls: Fact
    started_by: Fact


def state_machines(index: Index, env: str) -> list[StateMachine]:
    found = trig.triggers(index, env)
    out = []
    for machine in index.of_type("AWS::StepFunctions::StateMachine", env):
        calls = [labelled(t.target) for t in found if t.via is machine and t.kind == "Step Functions task"]
        starters = [
            derived(None, f"{t.origin.text} ({t.detail.text})", [t.origin, t.detail])
            for t in trig.of_target(found, machine)
        ]
        out.append(
            StateMachine(
                resource=machine,
                name=component(machine),
                kind=prop(machine, "StateMachineType", default="STANDARD", fmt=lambda v: str(v).lower()),
                logging=_logging(index, machine),
                tracing=prop(machine, "TracingConfiguration", "Enabled", default=False, fmt=yes_no),
                calls=join(calls, ", ", empty="no AWS resource of this app", none=machine),
                started_by=join(starters, "<br>", empty="none in the templates", none=machine),
            )
        )
    return sorted(out, key=lambda m: m.name.text)


def _logging(index: Index, machine: Resource) -> Fact:
    level = prop(machine, "LoggingConfiguration", "Level", default="OFF")
    if level.value == "OFF":
        return derived("OFF", "off", [level])
    groups = index.targets(machine, machine.properties.get("LoggingConfiguration"))
    where = f" to {component(groups[0]).text}" if groups else ""
    return derived(level.value, f"{str(level.value).lower()}{where}", [level])
