"""The architecture diagram model (components, tiers, links) that the Mermaid and PNG renderers both draw."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from docgen.assembly import intrinsics
from docgen.assembly.model import Assembly, Resource, resource_key
from docgen.facts import diagram_blocks as blocks
from docgen.facts.diagram_labels import Labels
from docgen.facts.diagram_links import Link, Links
from docgen.facts.index import Index, construct_id
from docgen.facts.network import subnet_kind

__all__ = ["Component", "DiagramModel", "Link", "Tier", "build_model", "node_id"]

# One component per (kind, Service tag): these types are what a reader of the diagram calls a thing.
PRIMARY_KINDS: Mapping[str, str] = {
    "AWS::CloudFront::Distribution": "cdn",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "alb",
    "AWS::EC2::NatGateway": "nat",
    "AWS::ECS::Service": "ecs",
    "AWS::RDS::DBInstance": "rds",
    "AWS::RDS::DBCluster": "rds",
    "AWS::ElastiCache::ReplicationGroup": "cache",
    "AWS::ElastiCache::ServerlessCache": "cache",
    "AWS::SQS::Queue": "queue",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::SNS::Topic": "topic",
    **blocks.BLOCK_KINDS,
}
# Which tier a kind sits in when its subnets cannot be read from the template.
DEFAULT_SUBNET_TYPE = {
    "alb": "Public",
    "nlb": "Public",
    "ec2": "Private",
    "asg": "Private",
    "lambda": "Private",
    "nat": "Public",
    "ecs": "Private",
    "rds": "Isolated",
    "cache": "Isolated",
    "efs": "Isolated",
    "job": "Private",
}
# Kinds that live outside any VPC, and the group they are drawn in.
REGIONAL_TIERS = {
    "cdn": "edge",
    "bucket": "edge",
    "queue": "messaging",
    "topic": "messaging",
    "secret": "secrets",
    **blocks.BLOCK_TIERS,
}
SUBNET_TYPE_ORDER = {"Public": 0, "Private": 1, "Isolated": 2}
SUBNET_TYPE_TEXT = {"Public": "public", "Private": "private, egress via NAT", "Isolated": "isolated"}
KIND_ORDER = (
    "users",
    "waf",
    "cdn",
    "bucket",
    "api",
    "alb",
    "nlb",
    "nat",
    "ec2",
    "asg",
    "ecs",
    "job",
    "lambda",
    "workflow",
    "rds",
    "cache",
    "efs",
    "table",
    "s3",
    "rule",
    "queue",
    "topic",
    "secret",
)
# A security group's owner is whatever it is attached to; rules and other groups only point at it.
NOT_OWNERS = frozenset(
    {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"}
)
INTERNET = frozenset({"cidr:0.0.0.0/0", "cidr:::/0"})


@dataclass(frozen=True)
class Component:
    """One box of the diagram: a service, a database, a queue (with its DLQ), never one per CFN resource."""

    id: str  # [A-Za-z0-9_] only: safe as a Mermaid and a graphviz node id
    name: str  # the Service tag
    kind: str  # one of KIND_ORDER
    tier: str  # a Tier id
    label: str  # lines separated by "\n": the name first, then what it is
    resources: tuple[str, ...]  # resource keys it stands for


@dataclass(frozen=True)
class Tier:
    """A group of components: internet, edge, one per VPC subnet tier, regional services."""

    id: str
    label: str
    in_vpc: bool


@dataclass(frozen=True)
class DiagramModel:
    environment: str
    vpc_label: str  # lines separated by "\n"; "" when the environment has no VPC
    tiers: tuple[Tier, ...]  # only tiers that hold a component, in drawing order
    components: tuple[Component, ...]  # sorted by tier, kind, name
    links: tuple[Link, ...]  # sorted

    def in_tier(self, tier: str) -> tuple[Component, ...]:
        return tuple(c for c in self.components if c.tier == tier)

    def of_kind(self, kind: str) -> tuple[Component, ...]:
        return tuple(c for c in self.components if c.kind == kind)


def node_id(text: str) -> str:
    """A node id from any text: Mermaid and graphviz both accept [A-Za-z0-9_]."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def build_model(assembly: Assembly, environment: str) -> DiagramModel:
    """Components and links of one environment, all read from its resources and the assembly's edges."""
    return _Builder(assembly, environment).build()


class _Builder(Labels, Links, blocks.Blocks):
    def __init__(self, assembly: Assembly, environment: str) -> None:
        self.environment = environment
        self.assembly = assembly
        self.index = Index(assembly)
        self.resources = {resource_key(r): r for r in assembly.in_environment(environment)}
        self.edges = [e for e in assembly.edges if e.source in self.resources or e.target in self.resources]
        self.referrers: dict[str, list[str]] = {}
        for edge in self.edges:
            if edge.kind in ("ref", "getatt", "import"):
                self.referrers.setdefault(edge.target, []).append(edge.source)
        # Resource key -> component id, for the resources a component stands for.
        self.owner: dict[str, str] = {}
        self.components: dict[str, Component] = {}
        self.tier_types: dict[
            str, str
        ] = {}  # subnet group name -> CDK subnet type (Public, Private, Isolated)

    def targets(self, value: Any, owner: Resource) -> list[Resource]:
        """The resources of this environment `value` names (Ref, GetAtt, Sub, ImportValue), in document order."""
        return [r for r in self.assembly.targets(value, owner) if resource_key(r) in self.resources]

    def of_type(self, cfn_type: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type == cfn_type]

    # --- components ------------------------------------------------------------------------------

    def build(self) -> DiagramModel:
        self._app_functions = blocks.application_functions(self.index, self.environment)
        self._trigger_buckets = blocks.trigger_buckets(self.index, self.environment) | self.granted_buckets()
        subnets = self.of_type("AWS::EC2::Subnet")
        tiers = self._subnet_tiers(subnets)
        self._primary_components(tiers)
        links = self._links()
        if any(link.source == "users" for link in links):
            self._add("users", "Users", "users", "internet", "Users\nInternet", [])
        used = {c.tier for c in self.components.values()}
        all_tiers = [
            Tier("internet", "Internet", False),
            Tier("edge", "Edge: CloudFront", False),
            Tier("api", "APIs (regional, outside the VPC)", False),
            *tiers.values(),
            # Placed in subnets these templates do not hold (an imported VPC): another VPC than the one drawn
            Tier("imported", "Another VPC (imported: its subnets are not in these templates)", False),
            Tier("serverless", "Serverless (regional, outside the VPC)", False),
            Tier("messaging", "Messaging (regional, outside the VPC)", False),
            Tier("data", "Data (regional, outside the VPC)", False),
            Tier("secrets", "Secrets Manager (regional)", False),
        ]
        if not tiers:
            all_tiers.insert(3, Tier("vpc", "VPC (subnets not in the templates)", True))
        order = {t.id: i for i, t in enumerate(all_tiers)}
        components = sorted(
            self.components.values(), key=lambda c: (order[c.tier], KIND_ORDER.index(c.kind), c.name, c.id)
        )
        return DiagramModel(
            environment=self.environment,
            vpc_label=self._vpc_label(subnets),
            tiers=tuple(t for t in all_tiers if t.id in used),
            components=tuple(components),
            links=tuple(sorted(set(links), key=lambda x: (x.source, x.target, x.kind, x.label))),
        )

    def _subnet_tiers(self, subnets: list[Resource]) -> dict[str, Tier]:
        """One tier per CDK subnet group (the aws-cdk:subnet-name tag), ordered public, private, isolated."""
        groups: dict[str, list[Resource]] = {}
        for subnet in subnets:
            groups.setdefault(_subnet_group(subnet), []).append(subnet)
        tiers = {}
        for name, members in sorted(groups.items(), key=lambda g: (_type_rank(g[1][0]), g[0])):
            kind = subnet_kind(self.assembly, members[0])[0]  # from the routes, not the subnet's name
            self.tier_types[name] = kind
            sizes = sorted({str(s.properties.get("CidrBlock", "")).partition("/")[2] for s in members} - {""})
            what = ", ".join(
                filter(
                    None,
                    [
                        SUBNET_TYPE_TEXT.get(kind, kind.lower()),
                        f"{len(members)}× /{'/'.join(sizes)}" if sizes else "",
                    ],
                )
            )
            tiers[name] = Tier(
                f"subnet_{node_id(name)}", f"{name} subnets ({what})" if what else f"{name} subnets", True
            )
        return tiers

    def _vpc_label(self, subnets: list[Resource]) -> str:
        cidrs = sorted(str(v.properties.get("CidrBlock", "")) for v in self.of_type("AWS::EC2::VPC"))
        if not cidrs:
            return ""
        zones = sorted({intrinsics.text(s.properties.get("AvailabilityZone")) for s in subnets} - {""})
        return "\n".join(filter(None, ["VPC " + ", ".join(cidrs), ", ".join(zones)]))

    def _add(self, cid: str, name: str, kind: str, tier: str, label: str, keys: Iterable[str]) -> str:
        base, n = node_id(cid), 2
        while cid not in self.components and base in {c.id for c in self.components.values()}:
            base, n = f"{node_id(cid)}_{n}", n + 1  # "a-b" and "a_b" sanitize alike: keep both
        component = Component(base, name, kind, tier, label, tuple(sorted(keys)))
        self.components[cid] = component
        for key in component.resources:
            self.owner[key] = component.id
        return component.id

    def _primary_components(self, tiers: dict[str, Tier]) -> None:
        # Only the buckets CloudFront serves from are drawn (access-log buckets are plumbing).
        origin_buckets = {
            resource_key(r)
            for d in self.of_type("AWS::CloudFront::Distribution")
            for r in self._origins(d).values()
            if r.type == "AWS::S3::Bucket"
        }
        groups: dict[tuple[str, str], list[Resource]] = {}
        for resource in self.resources.values():
            found = self._kind_and_name(resource, origin_buckets)
            if found is not None:
                groups.setdefault(found, []).append(resource)
                groups[found] += blocks.companions(self.index, resource)
        for (kind, name), members in sorted(groups.items()):
            tier = self._tier_of(kind, members, tiers)
            self._add(
                f"{kind}_{name}",
                name,
                kind,
                tier,
                self._label(kind, name, members),
                map(resource_key, members),
            )

    def _kind_and_name(self, resource: Resource, origin_buckets: set[str]) -> tuple[str, str] | None:
        """The box a resource is drawn in, as (kind, name); None when it is not a box of its own."""
        key = resource_key(resource)
        if resource.type == "AWS::S3::Bucket":
            if key in origin_buckets:
                return "bucket", _name(resource)
            return ("s3", _name(resource)) if key in self._trigger_buckets else None
        if resource.type == "AWS::Lambda::Function" and key not in self._app_functions:
            return None  # CDK's deploy-time handlers are plumbing
        if resource.type == "AWS::RDS::DBInstance" and (cluster := blocks.cluster_of(self.index, resource)):
            return "rds", _name(cluster)  # an Aurora instance is drawn in its cluster's box
        kind = blocks.kind_of(resource) or PRIMARY_KINDS.get(resource.type)
        if kind is None:
            return None
        if kind == "nat":
            return kind, "nat"  # all NAT gateways of the VPC are one box
        if kind == "job":  # a schedule has no tags: the job is named by the task definition it runs
            tasks = blocks.companions(self.index, resource)
            return kind, _name(tasks[0]) if tasks else _construct_id(resource)
        if kind in ("topic", "rule", "lambda", "workflow", "table", "api", "waf"):
            return kind, _construct_id(resource)  # one box each: these share a Service tag
        return kind, _name(resource)

    def _tier_of(self, kind: str, members: list[Resource], tiers: dict[str, Tier]) -> str:
        if kind == "waf":
            scopes = {str(m.properties.get("Scope")) for m in members if m.type == "AWS::WAFv2::WebACL"}
            return "edge" if scopes == {"CLOUDFRONT"} else "api"
        if kind == "lambda" and not any("VpcConfig" in m.properties for m in members):
            return "serverless"
        if kind in REGIONAL_TIERS:
            return REGIONAL_TIERS[kind]
        if not tiers:
            # No subnets in the templates (an imported VPC): the group still shows these are inside one.
            return "vpc"
        found = {_subnet_group(s) for m in members for s in self._subnets_of(m)}
        if found:
            return tiers[min(found, key=lambda g: list(tiers).index(g))].id
        if any(_names_subnets(m.properties) for m in members):
            return "imported"  # it names subnets, and none of them is in the templates
        wanted = DEFAULT_SUBNET_TYPE[kind]
        candidates = [t for name, t in tiers.items() if self.tier_types.get(name) == wanted]
        return (candidates or list(tiers.values()))[0].id

    def _subnets_of(self, resource: Resource) -> list[Resource]:
        """Subnets a resource is placed in, directly or through an RDS / ElastiCache subnet group."""
        out = []
        for target in self.targets(resource.properties, resource):
            if target.type == "AWS::EC2::Subnet":
                out.append(target)
            elif target.type == "AWS::RDS::DBCluster":
                out += self._subnets_of(target)
            elif target.type in ("AWS::RDS::DBSubnetGroup", "AWS::ElastiCache::SubnetGroup"):
                out += [s for s in self.targets(target.properties, target) if s.type == "AWS::EC2::Subnet"]
        return out

    # --- links ---------------------------------------------------------------------------------------

    def component_of(self, key: str, depth: int = 0) -> set[str]:
        """The components a resource belongs to: itself, or what it is attached to (SG, task def, ...)."""
        if key in self.owner:
            return {self.owner[key]}
        if key in INTERNET:
            return {"users"}
        resource = self.resources.get(key)
        if resource is None or depth > 4:
            return set()
        if resource.type == "AWS::EC2::SecurityGroup":
            owners = {
                c
                for src in self.referrers.get(key, ())
                if src in self.resources and self.resources[src].type not in NOT_OWNERS
                for c in self.component_of(src, depth + 1)
            }
            return owners or self._by_service_tag(resource)
        if resource.type == "AWS::ECS::TaskDefinition":
            return {
                c
                for src in self.referrers.get(key, ())
                if self.resources.get(src, resource).type == "AWS::ECS::Service"
                for c in self.component_of(src, depth + 1)
            }
        if resource.type in (
            "AWS::SecretsManager::SecretTargetAttachment",
            "AWS::SecretsManager::RotationSchedule",
        ):
            return {
                c
                for t in self.targets(resource.properties.get("SecretId"), resource)
                for c in self.component_of(resource_key(t), depth + 1)
            }
        return set()

    def _by_service_tag(self, resource: Resource) -> set[str]:
        """A group nothing attaches belongs to the network-facing component of its Service tag."""
        same = [
            c
            for c in self.components.values()
            if c.name == resource.service and c.kind in DEFAULT_SUBNET_TYPE
        ]
        return {min(same, key=lambda c: KIND_ORDER.index(c.kind)).id} if same else set()


def _name(resource: Resource) -> str:
    """The Service tag, or the construct id above `Resource` when the resource is untagged."""
    if resource.service:
        return resource.service
    return _construct_id(resource)


SUBNET_KEYS = frozenset({"Subnets", "SubnetIds", "SubnetId", "VPCZoneIdentifier"})


def _names_subnets(value: Any) -> bool:
    """Whether a property value sets subnets anywhere inside (a load balancer's, a service's network)."""
    if isinstance(value, dict):
        return any(k in SUBNET_KEYS and v for k, v in value.items()) or any(
            _names_subnets(v) for v in value.values()
        )
    if isinstance(value, list):
        return any(_names_subnets(v) for v in value)
    return False


def _construct_id(resource: Resource) -> str:
    """The shortest end of its construct path no other resource of its type shares (`catalog/Service`)."""
    return resource.label or construct_id(resource)


def _subnet_group(subnet: Resource) -> str:
    return subnet.tags.get("aws-cdk:subnet-name") or subnet.tags.get("aws-cdk:subnet-type", "subnets").lower()


def _type_rank(subnet: Resource) -> int:
    return SUBNET_TYPE_ORDER.get(subnet.tags.get("aws-cdk:subnet-type", ""), len(SUBNET_TYPE_ORDER))
