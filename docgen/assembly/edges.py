"""Finds the relations between resources: references, imports, security-group ingress and event sources."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docgen.assembly.model import Edge, Resource, StackInfo, resource_key
from docgen.errors import AssemblyError

__all__ = ["StackTemplate", "export_index", "find_edges", "resolve_exports"]

Target = tuple[str, str]  # (resource key, attribute; "" for a Ref)
# (account, region, export name): export names are unique per account and region, not per assembly.
ExportKey = tuple[str, str, str]
SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")
PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
QUEUE = "AWS::SQS::Queue"
SERVICE = "AWS::ECS::Service"


@dataclass(frozen=True)
class StackTemplate:
    """The part of a stack's template that exports need: its outputs."""

    info: StackInfo
    outputs: Mapping[str, Any]


def export_index(templates: Iterable[StackTemplate], keys: set[str]) -> dict[ExportKey, Target]:
    """Every export that names a resource: (account, region, name) -> (resource key, attribute)."""
    index: dict[ExportKey, Target] = {}
    owner: dict[ExportKey, str] = {}
    for template in templates:
        info = template.info
        for output in template.outputs.values():
            export = output.get("Export") if isinstance(output, dict) else None
            name = export.get("Name") if isinstance(export, dict) else None
            target = (
                _direct_target(output.get("Value"), info.artifact_id, keys) if isinstance(name, str) else None
            )
            if target is None:
                continue
            where = (info.account, info.region, str(name))
            if where in owner:
                raise AssemblyError(
                    f"export `{name}` is defined by stacks `{owner[where]}` and `{info.artifact_id}` in "
                    f"aws://{info.account}/{info.region}: export names must be unique per account and "
                    "region; rename one of the stacks"
                )
            owner[where], index[where] = info.artifact_id, target
    return index


def _direct_target(value: Any, stack: str, keys: set[str]) -> Target | None:
    """The resource an output's Value names with a Ref or Fn::GetAtt (CDK exports nothing else)."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    getatt = _getatt(value.get("Fn::GetAtt"))
    if isinstance(value.get("Ref"), str):
        target: Target = (f"{stack}/{value['Ref']}", "")
    elif getatt is not None:
        target = (f"{stack}/{getatt[0]}", getatt[1])
    else:
        return None
    return target if target[0] in keys else None


def resolve_exports(index: Mapping[ExportKey, Target]) -> dict[str, str]:
    """Export name -> resource key; a name exported in two accounts or regions is qualified with both."""
    names: dict[str, int] = {}
    for _, _, name in index:
        names[name] = names.get(name, 0) + 1
    resolved = {}
    for (account, region, name), (key, _) in sorted(index.items()):
        resolved[name if names[name] == 1 else f"aws://{account}/{region}/{name}"] = key
    return resolved


def _getatt(value: Any) -> tuple[str, str] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], str)
    ):
        return value[0], value[1]
    if isinstance(value, str) and "." in value:
        logical_id, attribute = value.split(".", 1)
        return logical_id, attribute
    return None


# --- references ------------------------------------------------------------------------------------


class _References:
    """Finds Ref / Fn::GetAtt / Fn::Sub / Fn::ImportValue targets inside a property value."""

    def __init__(
        self, resources: Sequence[Resource], stacks: Sequence[StackInfo], exports: Mapping[ExportKey, Target]
    ) -> None:
        self.ids: dict[str, set[str]] = {}
        for resource in resources:
            self.ids.setdefault(resource.stack, set()).add(resource.logical_id)
        self.where = {s.artifact_id: (s.account, s.region) for s in stacks}
        self.exports = exports

    def scan(self, value: Any, stack: str) -> list[tuple[str, str, str]]:
        """(kind, target key, detail) of every reference in `value`, in document order."""
        found: list[tuple[str, str, str]] = []
        self._scan(value, stack, self.ids.get(stack, set()), found)
        return found

    def keys(self, value: Any, stack: str) -> list[str]:
        return [key for _, key, _ in self.scan(value, stack)]

    def _scan(self, value: Any, stack: str, ids: set[str], found: list[tuple[str, str, str]]) -> None:
        if isinstance(value, list):
            for item in value:
                self._scan(item, stack, ids, found)
        elif isinstance(value, dict):
            if len(value) == 1 and self._intrinsic(value, stack, ids, found):
                return
            for item in value.values():
                self._scan(item, stack, ids, found)

    def _intrinsic(
        self, value: dict[str, Any], stack: str, ids: set[str], found: list[tuple[str, str, str]]
    ) -> bool:
        """Record the reference `value` makes, if it is one; False means: scan inside it like any mapping."""
        ((name, arg),) = value.items()
        if name == "Ref" and isinstance(arg, str):
            if arg in ids:  # pseudo parameters (AWS::Region, ...) and template parameters are not resources
                found.append(("ref", f"{stack}/{arg}", ""))
            return True
        if name == "Fn::GetAtt":
            target = _getatt(arg)
            if target and target[0] in ids:
                found.append(("getatt", f"{stack}/{target[0]}", target[1]))
            return target is not None
        if name == "Fn::ImportValue" and isinstance(arg, str):
            account, region = self.where.get(stack, ("", ""))
            imported = self.exports.get((account, region, arg))
            if imported:  # an export of a stack outside this assembly is no edge
                found.append(("import", imported[0], imported[1]))
            return True
        if name == "Fn::Sub":
            self._sub(arg, stack, ids, found)
            return True
        return False

    def _sub(self, arg: Any, stack: str, ids: set[str], found: list[tuple[str, str, str]]) -> None:
        text, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
        if not isinstance(text, str):
            return
        for name in SUB_VARIABLE.findall(text):
            if isinstance(variables, dict) and name in variables:
                continue
            logical_id, _, attribute = name.partition(".")
            if logical_id in ids:
                found.append(("getatt" if attribute else "ref", f"{stack}/{logical_id}", attribute))
        self._scan(variables, stack, ids, found)


# --- edges -----------------------------------------------------------------------------------------


def find_edges(
    resources: Sequence[Resource], stacks: Sequence[StackInfo], exports: Mapping[ExportKey, Target]
) -> tuple[Edge, ...]:
    """All edges of the assembly, deduplicated and sorted."""
    refs = _References(resources, stacks, exports)
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


def _ingress(resource: Resource, refs: _References) -> Iterator[Edge]:
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


def _peers(rule: Mapping[str, Any], stack: str, refs: _References) -> list[str]:
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
    if high is None or low == high:
        return f"{protocol} {low}"
    return f"{protocol} {low}-{high}"


# --- event sources: which ECS service consumes which queue ------------------------------------------


def _event_sources(
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: _References
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
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: _References
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
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: _References
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


def _queue_dimensions(resource: Resource, by_key: Mapping[str, Resource], refs: _References) -> set[str]:
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
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: _References
) -> Iterator[tuple[str, str, str]]:
    """A task role allowed sqs:ReceiveMessage on a queue makes the services running that task consume it."""
    services_of_role = _services_of_role(resources, by_key, refs)
    for resource in resources:
        for role, document in _policy_documents(resource, refs):
            for queue in _received_queues(document, resource.stack, by_key, refs):
                for service in services_of_role.get(role, ()):
                    yield queue, service, "sqs:ReceiveMessage"


def _services_of_role(
    resources: Sequence[Resource], by_key: Mapping[str, Resource], refs: _References
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


def _policy_documents(resource: Resource, refs: _References) -> Iterator[tuple[str, Any]]:
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
    document: Any, stack: str, by_key: Mapping[str, Resource], refs: _References
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
