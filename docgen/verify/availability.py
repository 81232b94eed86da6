"""The design's availability and recovery figures: composite availability per request path, RPO and RTO.

Composite availability is the product of the published SLAs of the components in series along a request path
(CloudFront → ALB → ECS service → its RDS and ElastiCache; SQS → worker → its data stores; CloudFront → S3).
Each component's SLA is chosen from how the templates configure it (Multi-AZ, nodes, task counts over AZs).
Secrets (read at task start) and queues a service only sends to are not on its request path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import yaml

from docgen.assembly.model import Assembly, Resource
from docgen.data import SAFE_LOADER
from docgen.errors import DocgenError
from docgen.facts import compute
from docgen.facts import index as facts
from docgen.facts.diagram import Component, DiagramModel, build_model
from docgen.facts.fact import counted
from docgen.verify.slas import SLAS, Sla

KIND_LABEL = {
    "cdn": "CloudFront",
    "bucket": "S3",
    "alb": "ALB",
    "nlb": "NLB",
    "ecs": "ECS",
    "rds": "RDS",
    "cache": "ElastiCache",
    "queue": "SQS",
}
STORE_ORDER = {"rds": 0, "cache": 1}
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Figure:
    """A recovery figure (minutes) from the `recovery` section of slas.yaml."""

    minutes: Decimal
    what: str
    source: str
    read_on: dt.date
    confidence: str | None = None
    note: str | None = None


def load_recovery(path: Path = SLAS) -> dict[str, Figure]:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    section = raw.get("recovery")
    if not isinstance(section, dict):
        raise DocgenError(f"{path}: expected a mapping under `recovery` (RPO/RTO figures)")
    out = {}
    for key, body in section.items():
        try:
            out[str(key)] = Figure(
                Decimal(str(body["minutes"])),
                str(body["what"]),
                str(body["source"]),
                body["read_on"],
                body.get("confidence"),
                body.get("note"),
            )
        except (KeyError, TypeError, ArithmeticError) as exc:
            raise DocgenError(f"{path}: recovery.{key}: missing or bad field ({exc})") from None
    return out


def percent(value: Decimal) -> str:
    """A percentage for reading: four decimals, rounded down so a shown figure never flatters the design."""
    return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_DOWN)}%"


def minutes(value: Decimal | None) -> str:
    return "unbounded" if value is None else f"{value.normalize():f} min"


@dataclass(frozen=True)
class Factor:
    component_id: str
    label: str  # "ECS backend"
    sla_key: str
    uptime: Decimal  # percent
    because: str
    resources: tuple[str, ...] = ()  # resource keys of the component, whose properties chose the SLA


@dataclass(frozen=True)
class RequestPath:
    environment: str
    name: str  # "frontend-user /api/* → backend"
    owner: (
        str  # component id of the service the path exists for (the ECS service, or the CDN for static sites)
    )
    factors: tuple[Factor, ...]

    @property
    def availability(self) -> Decimal:
        product = Decimal(1)
        for factor in self.factors:
            product *= factor.uptime / HUNDRED
        return product * HUNDRED

    @property
    def route(self) -> str:
        return " → ".join(f.label for f in self.factors)

    @property
    def arithmetic(self) -> str:
        return " × ".join(f"{f.uptime}%" for f in self.factors) + f" = {percent(self.availability)}"


@dataclass(frozen=True)
class Recovery:
    environment: str
    component_id: str
    database: str
    multi_az: bool
    backup_days: int
    read_replicas: int
    rpo: Decimal | None  # None: no automated backups, nothing bounds the loss
    rpo_basis: str
    rto: Decimal
    rto_basis: str
    resource: str = ""  # resource key of the primary instance


# --- choosing each component's SLA ----------------------------------------------------------------


class EnvironmentDesign:
    """One environment's diagram model and facts, with the SLA choice per component."""

    def __init__(
        self, assembly: Assembly, environment: str, slas: Mapping[str, Sla], figures: Mapping[str, Figure]
    ) -> None:
        self.environment = environment
        self.index = facts.Index(assembly)
        self.model: DiagramModel = build_model(assembly, environment)
        self.components = {c.id: c for c in self.model.components}
        self.slas = slas
        self.figures = figures
        self.minimum = {
            (s.resource.stack, s.resource.logical_id): int(s.min.value)
            for s in compute.ecs_services(self.index, environment)
        }

    def members(self, component: Component, cfn_type: str) -> list[Resource]:
        found = [self.index.by_key[k] for k in component.resources if k in self.index.by_key]
        return [r for r in found if r.type == cfn_type]

    def zones(self, owner: Resource, subnets: Any) -> list[str]:
        """Distinct AZs of the subnets `subnets` names (a subnet without a literal AZ counts as its own)."""
        found = {
            s.properties.get("AvailabilityZone")
            if isinstance(s.properties.get("AvailabilityZone"), str)
            else s.logical_id
            for s in self.index.targets(owner, subnets)
            if s.type == "AWS::EC2::Subnet"
        }
        return sorted(found)

    def requirements(self, component_id: str) -> set[str]:
        component = self.components.get(component_id)
        if component is None:
            return set()
        return {
            req
            for k in component.resources
            if k in self.index.by_key
            for req in self.index.by_key[k].requirements
        }

    def factor(self, component: Component) -> Factor:
        label = f"{KIND_LABEL.get(component.kind, component.kind)} {component.name}"
        key, because = getattr(self, f"_{component.kind}")(component)
        if key not in self.slas:
            raise DocgenError(f"docgen/data/slas.yaml has no `{key}` SLA (needed for {label})")
        return Factor(component.id, label, key, self.slas[key].uptime_percent, because, component.resources)

    def _cdn(self, component: Component) -> tuple[str, str]:
        return "cloudfront", "CloudFront distribution (global service)"

    def _bucket(self, component: Component) -> tuple[str, str]:
        return "s3.standard", "S3 Standard bucket as the origin"

    def _queue(self, component: Component) -> tuple[str, str]:
        return "sqs", "SQS queue (regional service)"

    def _alb(self, component: Component) -> tuple[str, str]:
        albs = self.members(component, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        zones = self.zones(albs[0], albs[0].properties.get("Subnets")) if albs else []
        if len(zones) >= 2:
            return "elb.multi_az", f"subnets in {len(zones)} AZs ({', '.join(zones)})"
        return "elb.single_az", f"subnets in {len(zones)} AZ"

    def _nlb(self, component: Component) -> tuple[str, str]:
        return self._alb(component)

    def _ecs(self, component: Component) -> tuple[str, str]:
        services = self.members(component, "AWS::ECS::Service")
        if not services:
            return "ecs_fargate.task", "no ECS service resource found: task-level commitment"
        svc = services[0]
        network = (svc.properties.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or {}
        zones = self.zones(svc, network.get("Subnets"))
        low = self.minimum.get((svc.stack, svc.logical_id), int(svc.properties.get("DesiredCount", 1)))
        tasks = f"{low} task{'s' if low != 1 else ''}"
        where = f"min {tasks} over subnets in {len(zones)} AZ{'s' if len(zones) != 1 else ''}"
        if low >= 2 and len(zones) >= 2:
            return "ecs_fargate.region", f"{where}: tasks spread across AZs"
        return "ecs_fargate.task", f"{where}: one task can be the only one running"

    def _rds(self, component: Component) -> tuple[str, str]:
        clusters = self.members(component, "AWS::RDS::DBCluster")
        if clusters:
            n = len(self.members(component, "AWS::RDS::DBInstance"))
            if n >= 2:
                return "rds.multi_az", f"Aurora cluster with {n} instances: a reader is the failover target"
            return "rds.single_az", f"Aurora cluster with {n} instance: no reader to fail over to"
        primary = self.primary(component)
        replicas = self.replicas(component)
        extra = (
            f"; {counted(len(replicas), 'read replica', 'read replicas')}, not failover targets"
            if replicas
            else ""
        )
        if primary is not None and primary.properties.get("MultiAZ") is True:
            return "rds.multi_az", f"MultiAZ: true (synchronous standby){extra}"
        return "rds.single_az", f"MultiAZ: false (single instance){extra}"

    def _cache(self, component: Component) -> tuple[str, str]:
        groups = self.members(component, "AWS::ElastiCache::ReplicationGroup")
        props = groups[0].properties if groups else {}
        nodes = int(props.get("NumCacheClusters") or 1)
        if (
            props.get("MultiAZEnabled") is True
            and props.get("AutomaticFailoverEnabled") is True
            and nodes >= 2
        ):
            return "elasticache.multi_az", f"MultiAZEnabled: true, automatic failover, {nodes} nodes"
        return (
            "elasticache.single_az",
            f"{nodes} node{'s' if nodes != 1 else ''}, MultiAZEnabled: "
            f"{str(bool(props.get('MultiAZEnabled'))).lower()}",
        )

    def primary(self, component: Component) -> Resource | None:
        """The instance (or Aurora cluster) whose settings decide recovery."""
        clusters = self.members(component, "AWS::RDS::DBCluster")
        if clusters:
            return clusters[0]
        instances = self.members(component, "AWS::RDS::DBInstance")
        return next((r for r in instances if "SourceDBInstanceIdentifier" not in r.properties), None)

    def replicas(self, component: Component) -> list[Resource]:
        if self.members(component, "AWS::RDS::DBCluster"):
            return self.members(component, "AWS::RDS::DBInstance")[1:]  # the readers
        return [
            r
            for r in self.members(component, "AWS::RDS::DBInstance")
            if "SourceDBInstanceIdentifier" in r.properties
        ]

    # --- request paths ----------------------------------------------------------------------------

    def links(self, source: str, kind: str) -> list[tuple[str, str]]:
        return sorted(
            (link.target, link.label)
            for link in self.model.links
            if link.source == source and link.kind == kind
        )

    def stores(self, service: str) -> list[Component]:
        found = [
            self.components[t]
            for t, _ in self.links(service, "ingress")
            if t in self.components and self.components[t].kind in STORE_ORDER
        ]
        return sorted(found, key=lambda c: (STORE_ORDER[c.kind], c.name))

    def path(self, name: str, owner: str, chain: list[Component]) -> RequestPath:
        return RequestPath(self.environment, name, owner, tuple(self.factor(c) for c in chain))

    def paths(self) -> list[RequestPath]:
        out: list[RequestPath] = []
        entries = [
            self.components[t]
            for t, _ in sorted({(link.target, "") for link in self.model.links if link.source == "users"})
            if t in self.components
        ]
        origins = {t for c in entries if c.kind == "cdn" for t, _ in self.links(c.id, "origin")}
        for entry in entries:
            if entry.kind == "cdn":
                out += self._cdn_paths(entry)
            elif entry.kind in ("alb", "nlb") and entry.id not in origins:
                out += self._alb_paths([], entry, "")
        for component in self.model.components:
            if component.kind == "queue":
                for target, _ in self.links(component.id, "event-source"):
                    worker = self.components.get(target)
                    if worker is not None and worker.kind == "ecs":
                        out.append(
                            self.path(
                                f"{component.name} messages → {worker.name}",
                                worker.id,
                                [component, worker, *self.stores(worker.id)],
                            )
                        )
        return out

    def _cdn_paths(self, cdn: Component) -> list[RequestPath]:
        out: list[RequestPath] = []
        for target, label in self.links(cdn.id, "origin"):
            origin = self.components.get(target)
            if origin is None:
                continue
            if origin.kind in ("alb", "nlb"):
                out += self._alb_paths([cdn], origin, f"{cdn.name} {label}")
            elif origin.kind == "bucket":
                out.append(self.path(f"{cdn.name} {label} (static site)", cdn.id, [cdn, origin]))
        return out

    def _alb_paths(self, before: list[Component], alb: Component, prefix: str) -> list[RequestPath]:
        out = []
        for target, _ in self.links(alb.id, "ingress"):
            service = self.components.get(target)
            if service is not None and service.kind == "ecs":
                name = f"{prefix or alb.name + ' ' + KIND_LABEL[alb.kind]} → {service.name}"
                out.append(self.path(name, service.id, [*before, alb, service, *self.stores(service.id)]))
        return out

    # --- recovery ---------------------------------------------------------------------------------

    def recoveries(self) -> list[Recovery]:
        out = []
        for component in self.model.components:
            if component.kind != "rds" or (primary := self.primary(component)) is None:
                continue
            props = primary.properties
            multi_az = props.get("MultiAZ") is True or (
                primary.type == "AWS::RDS::DBCluster" and len(self.replicas(component)) >= 1
            )
            days = int(props.get("BackupRetentionPeriod", 1))
            pitr, failover, restore = (
                self.figures["rds.pitr_rpo"],
                self.figures["rds.multi_az_failover_rto"],
                self.figures["rds.restore_rto"],
            )
            if days >= 1:
                rpo: Decimal | None = pitr.minutes
                rpo_basis = (
                    f"automated backups kept {days} d → point-in-time recovery to within "
                    f"{minutes(pitr.minutes)}"
                )
                if multi_az and primary.type == "AWS::RDS::DBCluster":
                    rpo_basis += (
                        "; a reader on the shared cluster volume loses nothing in an instance failure"
                    )
                elif multi_az:
                    rpo_basis += "; the synchronous standby loses nothing in an instance or AZ failure"
            else:
                rpo, rpo_basis = (
                    None,
                    "BackupRetentionPeriod 0: no automated backups, no point-in-time recovery",
                )
            rto, rto_basis = _rto(multi_az, primary.type == "AWS::RDS::DBCluster", failover, restore)
            out.append(
                Recovery(
                    self.environment,
                    component.id,
                    component.name,
                    multi_az,
                    days,
                    len(self.replicas(component)),
                    rpo,
                    rpo_basis,
                    rto,
                    rto_basis,
                    f"{primary.stack}/{primary.logical_id}",
                )
            )
        return out


def _rto(multi_az: bool, aurora: bool, failover: Figure, restore: Figure) -> tuple[Decimal, str]:
    if multi_az and aurora:
        return failover.minutes, f"automatic failover to an Aurora reader ({minutes(failover.minutes)})"
    if multi_az:
        return failover.minutes, f"automatic Multi-AZ failover ({minutes(failover.minutes)})"
    return (
        restore.minutes,
        f"Single-AZ: point-in-time restore to a new instance ({minutes(restore.minutes)}, assumption)",
    )
