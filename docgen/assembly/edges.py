"""Finds the relations between resources: references, imports, security-group ingress and event sources."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from docgen.assembly import intrinsics
from docgen.assembly.model import Edge, Resource, resource_key
from docgen.assembly.refs import References

__all__ = ["find_edges"]

PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
QUEUE = "AWS::SQS::Queue"
SERVICE = "AWS::ECS::Service"


# --- edges -----------------------------------------------------------------------------------------


def find_edges(resources: Sequence[Resource], refs: References) -> tuple[Edge, ...]:
    """All edges of the assembly, deduplicated and sorted."""
    by_key = {resource_key(r): r for r in resources}
    edges: set[Edge] = set()
    for resource in resources:
        source = resource_key(resource)
        for kind, target, detail in refs.scan(resource.properties, resource.stack):
            if target != source:
                edges.add(Edge(source, target, kind, detail))
        edges.update(_ingress(resource, refs))
    edges.update(_event_sources(resources, by_key, refs))
    return tuple(sorted(edges, key=lambda e: (e.source, e.target, e.kind, e.detail)))


def _ingress(resource: Resource, refs: References) -> Iterator[Edge]:
    """Security-group ingress, from the peer that may connect to the group that lets it in."""
    props = resource.properties
    if resource.type == "AWS::EC2::SecurityGroupIngress":
        rules, groups = [props], refs.keys(props.get("GroupId"), resource.stack)
    elif resource.type == "AWS::EC2::SecurityGroup":
        inline = props.get("SecurityGroupIngress")
        rules, groups = (inline if isinstance(inline, list) else []), [resource_key(resource)]
    else:
        return
    for rule in rules:
        if isinstance(rule, dict):
            for peer in _peers(rule, resource.stack, refs):
                for group in groups:
                    yield Edge(peer, group, "ingress", _ports(rule))


def _peers(rule: Mapping[str, Any], stack: str, refs: References) -> list[str]:
    peers = []
    source_group = rule.get("SourceSecurityGroupId")
    if source_group is not None:
        keys = refs.keys(source_group, stack)
        peers += keys or ([f"sg:{source_group}"] if isinstance(source_group, str) else [])
    for prop, prefix in (("CidrIp", "cidr"), ("CidrIpv6", "cidr"), ("SourcePrefixListId", "prefix-list")):
        if isinstance(rule.get(prop), str):
            peers.append(f"{prefix}:{rule[prop]}")
    return peers


def _ports(rule: Mapping[str, Any]) -> str:
    """'tcp 5432', 'tcp 1024-65535', 'all' or 'icmp'."""
    protocol = str(rule.get("IpProtocol", "-1"))
    protocol = PROTOCOLS.get(protocol, protocol)
    low, high = rule.get("FromPort"), rule.get("ToPort")
    if protocol in ("all", "icmp", "icmpv6") or low is None:
        return protocol
    low, high = intrinsics.text(low), intrinsics.text(high) if high is not None else None
    if high is None or low == high:
        return f"{protocol} {low}"
    return f"{protocol} {low}-{high}"


# --- event sources: which ECS service consumes which queue ------------------------------------------


def _event_sources(
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: References
) -> set[Edge]:
    evidence: dict[tuple[str, str], set[str]] = {}
    for queue, service, why in (
        *_scaling_sources(resources, by_key, refs),
        *_receive_sources(resources, by_key, refs),
    ):
        evidence.setdefault((queue, service), set()).add(why)
    return {
        Edge(queue, service, "event-source", ", ".join(sorted(why)))
        for (queue, service), why in evidence.items()
    }


def _of_type(keys: Iterable[str], by_key: Mapping[str, Resource], cfn_type: str) -> list[str]:
    return sorted({k for k in keys if k in by_key and by_key[k].type == cfn_type})


def _scaling_sources(
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: References
) -> Iterator[tuple[str, str, str]]:
    """A scaling policy driven by a queue metric (its alarm's, or its own custom metric) scales a service."""
    for policy_key, queues in sorted(_queues_of_policies(resources, by_key, refs).items()):
        policy = by_key.get(policy_key)
        if policy is None or policy.type != "AWS::ApplicationAutoScaling::ScalingPolicy":
            continue
        scaling_target = refs.keys(policy.properties.get("ScalingTargetId"), policy.stack)
        for target in _of_type(scaling_target, by_key, "AWS::ApplicationAutoScaling::ScalableTarget"):
            scalable = by_key[target]
            scaled = refs.keys(scalable.properties.get("ResourceId"), scalable.stack)
            for service in _of_type(scaled, by_key, SERVICE):
                for queue in sorted(queues):
                    yield queue, service, "scaling"


def _queues_of_policies(
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: References
) -> dict[str, set[str]]:
    """Resource key of an alarm action or a scaling policy -> the queues whose metrics drive it."""
    queues_of: dict[str, set[str]] = {}
    for resource in resources:
        if resource.type == "AWS::CloudWatch::Alarm":
            queues = _queue_dimensions(resource, by_key, refs)
            for action in refs.keys(resource.properties.get("AlarmActions"), resource.stack):
                queues_of.setdefault(action, set()).update(queues)
        elif resource.type == "AWS::ApplicationAutoScaling::ScalingPolicy":
            own = _queue_dimensions(resource, by_key, refs)  # target tracking on a customized queue metric
            queues_of.setdefault(resource_key(resource), set()).update(own)
    return queues_of


def _queue_dimensions(resource: Resource, by_key: Mapping[str, Resource], refs: References) -> set[str]:
    """Queues named by a `QueueName` metric dimension anywhere in the resource (plain or math alarms)."""
    values: list[Any] = []
    todo: list[Any] = [resource.properties]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            if value.get("Name") == "QueueName" and "Value" in value:
                values.append(value["Value"])
            todo.extend(value.values())
        elif isinstance(value, list):
            todo.extend(value)
    return set(_of_type(refs.keys(values, resource.stack), by_key, QUEUE))


def _receive_sources(
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: References
) -> Iterator[tuple[str, str, str]]:
    """A task role allowed sqs:ReceiveMessage on a queue makes the services running that task consume it."""
    services_of_role = _services_of_role(resources, by_key, refs)
    for resource in resources:
        for role, document in _policy_documents(resource, refs):
            for queue in _received_queues(document, resource.stack, by_key, refs):
                for service in services_of_role.get(role, ()):
                    yield queue, service, "sqs:ReceiveMessage"


def _services_of_role(
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: References
) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for service in resources:
        if service.type != SERVICE:
            continue
        for task in _of_type(
            refs.keys(service.properties.get("TaskDefinition"), service.stack),
            by_key,
            "AWS::ECS::TaskDefinition",
        ):
            definition = by_key[task]
            for role in refs.keys(definition.properties.get("TaskRoleArn"), definition.stack):
                out.setdefault(role, set()).add(resource_key(service))
    return out


def _policy_documents(resource: Resource, refs: References) -> Iterator[tuple[str, Any]]:
    """(role key, policy document) for policies attached to roles and for roles' inline policies."""
    props = resource.properties
    if resource.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for role in refs.keys(props.get("Roles"), resource.stack):
            yield role, props.get("PolicyDocument")
    elif resource.type == "AWS::IAM::Role":
        for policy in props.get("Policies") or ():
            if isinstance(policy, dict):
                yield resource_key(resource), policy.get("PolicyDocument")


def _received_queues(
    document: Any, stack: str, by_key: Mapping[str, Resource], refs: References
) -> list[str]:
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    queues: set[str] = set()
    for statement in statements if isinstance(statements, list) else ():
        if isinstance(statement, dict) and statement.get("Effect") == "Allow" and _allows_receive(statement):
            queues.update(_of_type(refs.keys(statement.get("Resource"), stack), by_key, QUEUE))
    return sorted(queues)


def _allows_receive(statement: Mapping[str, Any]) -> bool:
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else []
    return any(isinstance(a, str) and fnmatch.fnmatchcase("sqs:receivemessage", a.lower()) for a in actions)
