"""Network facts: VPCs and subnets, NAT, flow logs, security-group ingress, load balancers (the CDN, DNS and
certificates are in facts/edge.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from docgen.assembly import intrinsics
from docgen.assembly.model import Resource, resource_key
from docgen.facts.fact import Fact, count, days, derived, exists, join, prop
from docgen.facts.index import Index, name_fact, name_of

# CDK's subnet group names (the aws-cdk:subnet-name tag) and what a reader calls them.
SUBNET_TYPES = {"Public": "public", "Private": "private (egress via NAT)", "Isolated": "isolated"}
PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
INTERNET = ("0.0.0.0/0", "::/0")


@dataclass(frozen=True)
class Subnet:
    group: Fact  # subnet group (tier) name
    kind: str  # Public | Private | Isolated | ""
    cidr: Fact
    zone: Fact


@dataclass(frozen=True)
class Vpc:
    resource: Resource
    cidr: Fact
    subnets: tuple[Subnet, ...]
    nat_gateways: Fact
    flow_logs: Fact  # "yes (30 d retention)" / "no"


def vpcs(index: Index, env: str) -> list[Vpc]:
    out = []
    for vpc in index.of_type("AWS::EC2::VPC", env):
        subnets = [
            s
            for s in index.of_type("AWS::EC2::Subnet", env)
            if vpc in index.targets(s, s.properties.get("VpcId"))
        ]
        keys = {resource_key(s) for s in subnets}
        nats = [
            n
            for n in index.of_type("AWS::EC2::NatGateway", env)
            if keys & {resource_key(s) for s in index.targets(n, n.properties.get("SubnetId"))}
        ]
        out.append(
            Vpc(
                resource=vpc,
                cidr=prop(vpc, "CidrBlock"),
                subnets=tuple(
                    sorted(
                        (_subnet(index, s) for s in subnets),
                        key=lambda s: (_tier_rank(s.kind), s.group.text, s.zone.text),
                    )
                ),
                nat_gateways=derived(
                    len(nats),
                    str(len(nats)),
                    [exists(n, "NAT gateway") for n in nats] or [exists(vpc, "VPC")],
                ),
                flow_logs=_flow_logs(index, vpc),
            )
        )
    return out


def _subnet(index: Index, subnet: Resource) -> Subnet:
    kind, route = subnet_kind(index.assembly, subnet)
    group = subnet.tags.get("aws-cdk:subnet-name") or SUBNET_TYPES.get(kind, kind.lower()) or "subnets"
    sources = [exists(subnet, group)] + ([exists(route, "default route")] if route is not None else [])
    return Subnet(
        derived(group, group, sources), kind, prop(subnet, "CidrBlock"), prop(subnet, "AvailabilityZone")
    )


def subnet_kind(assembly: Any, subnet: Resource) -> tuple[str, Resource | None]:
    """Public, Private (a default route through a NAT gateway) or Isolated, from the subnet's route table:
    what the routes do, not what the subnet is called. Also the default route that decides it."""
    same_env = [r for r in assembly.resources if r.environment == subnet.environment]
    tables = [
        t
        for a in same_env
        if a.type == "AWS::EC2::SubnetRouteTableAssociation"
        and subnet in assembly.targets(a.properties.get("SubnetId"), a)
        for t in assembly.targets(a.properties.get("RouteTableId"), a)
    ]
    for route in same_env:
        if route.type != "AWS::EC2::Route" or route.properties.get("DestinationCidrBlock") != "0.0.0.0/0":
            continue
        if not any(t in tables for t in assembly.targets(route.properties.get("RouteTableId"), route)):
            continue
        if "NatGatewayId" in route.properties:
            return "Private", route
        if "GatewayId" in route.properties:
            return "Public", route
        return "Private", route  # a transit gateway, instance or endpoint: egress that is not the internet
    return ("Isolated" if tables else subnet.tags.get("aws-cdk:subnet-type", "")), None


def _tier_rank(kind: str) -> int:
    return list(SUBNET_TYPES).index(kind) if kind in SUBNET_TYPES else len(SUBNET_TYPES)


def _flow_logs(index: Index, vpc: Resource) -> Fact:
    flows = [
        f
        for f in index.of_type("AWS::EC2::FlowLog", vpc.environment)
        if vpc in index.targets(f, f.properties.get("ResourceId"))
    ]
    if not flows:
        return exists(vpc, "no")
    facts: list[Fact] = []
    for flow in flows:
        groups = index.targets(flow, flow.properties.get("LogGroupName"))
        if groups:
            retention = prop(groups[0], "RetentionInDays", fmt=days)
            facts.append(
                derived(
                    retention.value,
                    f"yes ({retention.text} retention)",
                    [exists(flow, "flow log"), retention],
                )
            )
        else:
            destination = prop(flow, "LogDestinationType", default="cloud-watch-logs")
            facts.append(
                derived(True, f"yes (to {destination.text})", [exists(flow, "flow log"), destination])
            )
    return join(facts, "; ", none=vpc)


# --- security groups --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ingress:
    source: Fact
    target: Fact
    port: Fact
    description: Fact
    open_to_internet: bool
    group: Resource | None  # the security group the rule lets traffic into


def ingress_rules(index: Index, env: str) -> list[Ingress]:
    rules: list[Ingress] = []
    for r in index.of_type("AWS::EC2::SecurityGroupIngress", env):
        groups = index.targets(r, r.properties.get("GroupId"))
        target = group_label(groups[0]) if groups else prop(r, "GroupId")
        rules.append(_ingress(index, r, r.properties, (), target, groups[0] if groups else None))
    for sg in index.of_type("AWS::EC2::SecurityGroup", env):
        for i, rule in enumerate(sg.properties.get("SecurityGroupIngress") or ()):
            if isinstance(rule, dict):
                rules.append(_ingress(index, sg, rule, ("SecurityGroupIngress", i), group_label(sg), sg))
    return sorted(rules, key=lambda x: (x.target.text, x.source.text, x.port.text))


def _ingress(
    index: Index,
    owner: Resource,
    rule: Mapping[str, Any],
    at: tuple[str | int, ...],
    target: Fact,
    group: Resource | None,
) -> Ingress:
    if "SourceSecurityGroupId" in rule:
        peers = index.targets(owner, rule["SourceSecurityGroupId"])
        source = group_label(peers[0]) if peers else prop(owner, *at, "SourceSecurityGroupId")
    elif "SourcePrefixListId" in rule:
        source = prop(owner, *at, "SourcePrefixListId", fmt=lambda v: f"prefix list {v}")
    elif "CidrIpv6" in rule:
        source = prop(owner, *at, "CidrIpv6")
    else:
        source = prop(owner, *at, "CidrIp", default="?")
    port = derived(_ports(rule), _ports(rule), [prop(owner, *at, "IpProtocol")])
    description = prop(owner, *at, "Description", default="", fmt=lambda v: intrinsics.text(v) or "-")
    return Ingress(source, target, port, description, source.value in INTERNET, group)


def group_label(sg: Resource) -> Fact:
    """A security group as people know it: its description (CDK-made ones describe themselves by path)."""
    description = sg.properties.get("GroupDescription")
    if isinstance(description, str) and "/" in description:
        return derived(
            description, f"{name_of(sg)} {description.split('/')[-2].lower()}", [prop(sg, "GroupDescription")]
        )
    if isinstance(description, str):
        return prop(sg, "GroupDescription")
    return name_fact(sg)


def _ports(rule: Mapping[str, Any]) -> str:
    protocol = str(rule.get("IpProtocol", "-1"))
    protocol = PROTOCOLS.get(protocol, protocol)
    low, high = rule.get("FromPort"), rule.get("ToPort")
    if protocol in ("all", "icmp", "icmpv6") or low is None:
        return protocol
    low, high = intrinsics.text(low), None if high is None else intrinsics.text(high)  # a port from a GetAtt
    return f"{protocol} {low}" if high is None or low == high else f"{protocol} {low}-{high}"


# --- load balancers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listener:
    resource: Resource
    protocol: Fact
    port: Fact
    default_action: Fact
    tls_policy: Fact
    certificates: Fact


@dataclass(frozen=True)
class LoadBalancer:
    resource: Resource
    name: Fact
    kind: Fact  # "Application Load Balancer" / "Network Load Balancer"
    scheme: Fact
    listeners: tuple[Listener, ...]
    deletion_protection: Fact
    access_logs: Fact


LB_KINDS = {
    "application": "Application Load Balancer",
    "network": "Network Load Balancer",
    "gateway": "Gateway Load Balancer",
}


def load_balancers(index: Index, env: str) -> list[LoadBalancer]:
    out = []
    for lb in index.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer", env):
        listeners = [
            _listener(x)
            for x in index.referring(lb, "AWS::ElasticLoadBalancingV2::Listener", "LoadBalancerArn")
        ]
        out.append(
            LoadBalancer(
                resource=lb,
                name=name_fact(lb),
                kind=prop(lb, "Type", default="application", fmt=lambda v: LB_KINDS.get(str(v), str(v))),
                scheme=prop(lb, "Scheme", default="internet-facing"),
                listeners=tuple(sorted(listeners, key=lambda x: (str(x.port.value), x.protocol.text))),
                deletion_protection=_attribute(lb, "deletion_protection.enabled"),
                access_logs=_attribute(lb, "access_logs.s3.enabled"),
            )
        )
    return sorted(out, key=lambda x: x.name.text)


def _attribute(lb: Resource, key: str) -> Fact:
    for i, attr in enumerate(lb.properties.get("LoadBalancerAttributes") or ()):
        if isinstance(attr, dict) and attr.get("Key") == key:
            return prop(
                lb, "LoadBalancerAttributes", i, "Value", fmt=lambda v: "on" if str(v) == "true" else "off"
            )
    return exists(lb, "off", False)


def _listener(listener: Resource) -> Listener:
    actions = listener.properties.get("DefaultActions") or []
    action = actions[0] if actions and isinstance(actions[0], dict) else {}
    kind = str(action.get("Type", ""))
    if kind == "redirect":
        cfg = action.get("RedirectConfig") or {}
        text = f"redirect to {str(cfg.get('Protocol', '#{protocol}')).upper()}:{cfg.get('Port', '#{port}')}"
    elif kind == "fixed-response":
        text = f"fixed response {(action.get('FixedResponseConfig') or {}).get('StatusCode', '')}".strip()
    else:
        text = kind or "-"
    return Listener(
        resource=listener,
        protocol=prop(listener, "Protocol", default="-"),
        port=prop(listener, "Port", default="-"),
        default_action=derived(kind, text, [prop(listener, "DefaultActions")]),
        tls_policy=prop(listener, "SslPolicy", default=None, fmt=lambda v: v or "-"),
        certificates=derived(
            len(listener.properties.get("Certificates") or ()),
            str(len(listener.properties.get("Certificates") or ())),
            [prop(listener, "Certificates", default=[])],
        ),
    )


@dataclass(frozen=True)
class Route:
    priority: Fact
    conditions: Fact
    target: Fact
    listener: Fact


def routes(index: Index, env: str) -> list[Route]:
    out = []
    for rule in index.of_type("AWS::ElasticLoadBalancingV2::ListenerRule", env):
        parts = []
        for i, cond in enumerate(rule.properties.get("Conditions") or ()):
            if isinstance(cond, dict):
                parts.append(prop(rule, "Conditions", i, fmt=_condition))
        listeners = index.targets(rule, rule.properties.get("ListenerArn"))
        listener = (
            derived(
                None,
                f"{listeners[0].properties.get('Protocol', '')}:{listeners[0].properties.get('Port', '')}",
                [prop(listeners[0], "Port")],
            )
            if listeners
            else prop(rule, "ListenerArn", fmt=lambda v: "imported listener")
        )
        out.append(Route(prop(rule, "Priority"), join(parts, "; ", none=rule), name_fact(rule), listener))
    return sorted(out, key=lambda r: int(r.priority.value) if str(r.priority.value).isdigit() else 0)


def _condition(cond: Any) -> str:
    field = str(cond.get("Field", ""))
    config_key = {
        "path-pattern": "PathPatternConfig",
        "host-header": "HostHeaderConfig",
        "http-header": "HttpHeaderConfig",
        "http-request-method": "HttpRequestMethodConfig",
        "source-ip": "SourceIpConfig",
        "query-string": "QueryStringConfig",
    }.get(field, "")
    config = cond.get(config_key) or {}
    values = config.get("Values") or cond.get("Values") or []
    if field == "http-header":
        return f"header {config.get('HttpHeaderName', '')} = {', '.join(map(str, values))}"
    label = {"path-pattern": "path", "host-header": "host", "source-ip": "source IP"}.get(field, field)
    return f"{label} {', '.join(str(v) for v in values)}"


def nat_count(index: Index, env: str) -> Fact:
    return count(env, "AWS::EC2::NatGateway", index.assembly.resources)
