"""What a change does to security, read from both templates: cdk-nag acknowledgements, security-group ingress
rules and the IAM actions each role may perform, as sets compared per environment.

Names are construct paths without the environment (`Data/appdb/SecurityGroup`), so the same rule in the base and
in the change reads the same even when logical ids or export names move.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from docgen.assembly import intrinsics
from docgen.assembly.model import Assembly, Resource, resource_key


@dataclass(frozen=True)
class SetDelta:
    """Items added and removed, per environment (and per role for IAM)."""

    added: tuple[Any, ...] = ()  # strings; (rule, resource, reason) for acknowledgements
    removed: tuple[Any, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class SecurityDelta:
    acknowledgements: dict[str, SetDelta] = field(default_factory=dict)  # environment ->
    ingress: dict[str, SetDelta] = field(default_factory=dict)  # environment ->
    iam: dict[str, dict[str, SetDelta]] = field(default_factory=dict)  # environment -> role ->

    def __bool__(self) -> bool:
        return bool(self.acknowledgements or self.ingress or self.iam)


def _name(resource: Resource) -> str:
    """`prod/Data/appdb/SecurityGroup/Resource` -> `Data/appdb/SecurityGroup`."""
    path = resource.path.removeprefix(f"{resource.environment}/") if resource.path else resource.logical_id
    for tail in ("/Resource", "/Default"):
        path = path.removesuffix(tail)
    return path


def _named(assembly: Assembly, owner: Resource, value: Any) -> str:
    """What a property refers to, by construct path; the value as read when it names no resource."""
    targets = assembly.targets(value, owner)
    return ", ".join(_name(t) for t in targets) if targets else intrinsics.text(value)


def acknowledgements(assembly: Assembly) -> dict[str, set[tuple[str, str, str]]]:
    """Environment -> (rule, resource, reason) of every cdk-nag finding accepted in code."""
    by_key = {resource_key(r): r for r in assembly.resources}
    out: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for ack in assembly.acknowledgements:
        owner = by_key.get(ack.resource)
        where = _name(owner) if owner is not None else ack.resource
        out[ack.environment].add((ack.rule, where, ack.reason))
    return out


def _ports(rule: dict[str, Any]) -> str:
    protocol = str(rule.get("IpProtocol", ""))
    if protocol == "-1":
        return "all traffic"
    low, high = rule.get("FromPort"), rule.get("ToPort")
    ports = "" if low is None else f" {low}" if low == high else f" {low}-{high}"
    return f"{protocol}{ports}"


def _source(assembly: Assembly, owner: Resource, rule: dict[str, Any]) -> str:
    for key in ("SourceSecurityGroupId", "SourceSecurityGroupName", "SourcePrefixListId"):
        if key in rule:
            return _named(assembly, owner, rule[key])
    return str(rule.get("CidrIp") or rule.get("CidrIpv6") or "?")


def ingress_rules(assembly: Assembly) -> dict[str, set[str]]:
    """`tcp 5432 from <source> to <group>` per environment: inline rules and SecurityGroupIngress resources."""
    out: dict[str, set[str]] = defaultdict(set)
    for group in assembly.of_type("AWS::EC2::SecurityGroup"):
        for rule in group.properties.get("SecurityGroupIngress") or []:
            if isinstance(rule, dict):
                text = f"{_ports(rule)} from {_source(assembly, group, rule)} to {_name(group)}"
                out[group.environment].add(text)
    for rule_resource in assembly.of_type("AWS::EC2::SecurityGroupIngress"):
        rule = dict(rule_resource.properties)
        to = _named(assembly, rule_resource, rule.get("GroupId") or rule.get("GroupName"))
        text = f"{_ports(rule)} from {_source(assembly, rule_resource, rule)} to {to}"
        out[rule_resource.environment].add(text)
    return out


def _actions(document: Any) -> set[str]:
    statements = (document or {}).get("Statement") or [] if isinstance(document, dict) else []
    out: set[str] = set()
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict) or st.get("Effect", "Allow") != "Allow":
            continue
        actions = st.get("Action") or []
        out.update(str(a) for a in (actions if isinstance(actions, list) else [actions]))
    return out


def iam_actions(assembly: Assembly) -> dict[str, dict[str, set[str]]]:
    """Environment -> role -> the actions its inline and attached policies allow."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for role in assembly.of_type("AWS::IAM::Role"):
        actions = out[role.environment][_name(role)]
        for inline in role.properties.get("Policies") or []:
            actions.update(_actions((inline or {}).get("PolicyDocument")))
        for managed in role.properties.get("ManagedPolicyArns") or []:
            actions.add(f"managed policy {intrinsics.text(managed).rsplit('/', 1)[-1]}")
    for policy in assembly.of_type("AWS::IAM::Policy"):
        for role in assembly.targets(policy.properties.get("Roles"), policy):
            if role.type == "AWS::IAM::Role":
                out[role.environment][_name(role)].update(_actions(policy.properties.get("PolicyDocument")))
    return out


def _delta(before: Iterable[Any], after: Iterable[Any]) -> SetDelta:
    old, new = set(before), set(after)
    return SetDelta(tuple(sorted(new - old)), tuple(sorted(old - new)))


def diff(base: Assembly, head: Assembly) -> SecurityDelta:
    out = SecurityDelta()
    readers: tuple[tuple[str, Callable[[Assembly], Mapping[str, set[Any]]]], ...] = (
        ("acknowledgements", acknowledgements),
        ("ingress", ingress_rules),
    )
    for kind, read in readers:
        old, new = read(base), read(head)
        target = getattr(out, kind)
        for env in sorted(set(old) | set(new)):
            delta = _delta(old.get(env, ()), new.get(env, ()))
            if delta:
                target[env] = delta
    old_iam, new_iam = iam_actions(base), iam_actions(head)
    for env in sorted(set(old_iam) | set(new_iam)):
        roles = {}
        for role in sorted(set(old_iam.get(env, {})) | set(new_iam.get(env, {}))):
            delta = _delta(old_iam.get(env, {}).get(role, ()), new_iam.get(env, {}).get(role, ()))
            if delta:
                roles[role] = delta
        if roles:
            out.iam[env] = roles
    return out
