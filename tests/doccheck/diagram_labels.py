"""What a Mermaid node's label claims about the resource it stands for: sizes and counts of an ECS service,
class, Multi-AZ, engine and replicas of a database, node type of a cache, kind and listeners of a load balancer,
FIFO and redrive of a queue, the zones of a VPC or NAT gateway."""

from __future__ import annotations

import json
import re

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.compute import EcsService
from tests.doccheck.data import nodes as cache_nodes
from tests.doccheck.edge import LB_KINDS, lb_kind, listeners, names_kind
from tests.doccheck.mermaid import Node
from tests.doccheck.rds import Db, multi_az, names_engine, replicas
from tests.doccheck.report import Result
from tests.doccheck.values import azs, readable, readable_text, same_number


def ecs_label(result: Result, where: str, label: str, ecs: EcsService) -> None:
    task = ecs.task.props if ecs.task else {}
    if m := re.search(r"(\d+)\s*×\s*([\d.]+)\s*vCPU\s*/\s*([\d.]+)\s*Gi?B", label):
        result.equal(
            "diagram-ecs-desired",
            where,
            int(m.group(1)),
            ecs.service.props.get("DesiredCount"),
            ecs.where("DesiredCount"),
        )
        result.fact(
            same_number(float(m.group(2)), float(task.get("Cpu", 0)) / 1024),
            "diagram-ecs-cpu",
            where,
            label,
            task.get("Cpu"),
            "TaskDefinition Cpu",
        )
        result.fact(
            same_number(float(m.group(3)), float(task.get("Memory", 0)) / 1024),
            "diagram-ecs-memory",
            where,
            label,
            task.get("Memory"),
            "TaskDefinition Memory",
        )
    if m := re.search(r"scales\s*(\d+)\D+(\d+)", label):
        target = ecs.target
        want = (
            (target.props.get("MinCapacity"), target.props.get("MaxCapacity"))
            if target
            else "no ScalableTarget"
        )
        got = (int(m.group(1)), int(m.group(2)))
        result.equal("diagram-ecs-scaling", where, got, want, target.where() if target else ecs.where())


def db_label(result: Result, where: str, node: Node, db: Db, every: list[Db]) -> None:
    """Class(es), Multi-AZ, engine family and major version, replica count: what the label says holds."""
    label = node.rest
    members = [d for d in every if not d.is_cluster and d.cluster is db.res] if db.is_cluster else [db]
    classes = {str(m.res.props.get("DBInstanceClass")) for m in members}
    shown = set(re.findall(r"db\.[\w.]+", label))
    if shown or not db.is_cluster:
        result.fact(
            shown <= classes and bool(shown),
            "diagram-class",
            where,
            label,
            sorted(classes),
            db.where("DBInstanceClass"),
        )
    # An instance's MultiAZ, or an Aurora cluster whose readers can take over ("writer + 1 reader")
    failover = "multi-az" in label.lower() or bool(db.is_cluster and re.search(r"\breaders?\b", label, re.I))
    result.equal("diagram-db-multi-az", where, failover, multi_az(db, every), db.where("MultiAZ"))
    engine_line = next((line for line in label.split("\n") if re.search(r"rds|aurora", line, re.I)), "")
    result.fact(
        names_engine(engine_line, db.engine),
        "diagram-db-engine",
        where,
        engine_line,
        db.engine,
        db.base.where("Engine"),
    )
    if m := re.search(r"(?:postgresql|mysql|mariadb|aurora[\w-]*)\s+(\d+)", engine_line, re.I):
        result.equal(
            "diagram-db-version", where, m.group(1), db.version.split(".")[0], db.base.where("EngineVersion")
        )
    if m := re.search(r"\+\s*(\d+)\s+read replicas?", label):
        result.equal(
            "diagram-db-replicas",
            where,
            int(m.group(1)),
            replicas(db, every),
            "read replicas / cluster instances",
        )


def cache_label(result: Result, where: str, label: str, group: Resource) -> None:
    node_type = str(group.props.get("CacheNodeType"))
    result.fact(
        node_type in label, "diagram-node-type", where, label, node_type, group.where("CacheNodeType")
    )
    if m := re.search(r"×\s*(\d+)", label):
        result.equal(
            "diagram-cache-nodes", where, int(m.group(1)), cache_nodes(group), group.where("NumCacheClusters")
        )


def lb_label(result: Result, where: str, label: str, lb: Resource, assembly: Assembly) -> None:
    """`ALB internet-facing, HTTP :80`: the kind (an NLB is never an ALB), the scheme, each listener."""
    kind = lb_kind(lb)
    said = names_kind(label, kind)
    result.fact(
        said is not False, "diagram-lb-kind", where, label, LB_KINDS.get(kind, (kind,))[1], lb.where("Type")
    )
    scheme = str(lb.props.get("Scheme", "internet-facing"))
    if re.search(r"internet-facing|internal", label):
        result.fact(scheme in label, "diagram-lb-scheme", where, label, scheme, lb.where("Scheme"))
    text = label.replace(" ", "").lower()
    for lst in listeners(lb, assembly):
        want = f"{lst.props.get('Protocol')}:{lst.props.get('Port')}".lower()
        result.fact(want in text, "diagram-lb-listener", where, label, want, lst.where("Protocol, Port"))


def queue_label(result: Result, where: str, label: str, queue: Resource) -> None:
    fifo = bool(queue.props.get("FifoQueue"))
    result.equal(
        "diagram-queue-fifo", where, bool(re.search(r"\bfifo\b", label, re.I)), fifo, queue.where("FifoQueue")
    )
    if m := re.search(r"after (\d+) receives", label):
        want = queue.props.get("RedrivePolicy", {}).get("maxReceiveCount")
        result.equal(
            "diagram-queue-receives",
            where,
            int(m.group(1)),
            want,
            queue.where("RedrivePolicy.maxReceiveCount"),
        )


def zones(result: Result, where: str, text: str, subnets: list[Resource], source: str) -> None:
    """The zones a label lists are the subnets' zones (`GetAZs[i]` for an agnostic one); an agnostic VPC's
    label may leave them out."""
    values = {json.dumps(s.props.get("AvailabilityZone"), sort_keys=True) for s in subnets}
    patterns = [readable(json.loads(v)) for v in values]
    shown = [z.strip() for z in re.split(r"[,\n]", text) if azs(z) or "GetAZs" in z or "Fn::" in z]
    literal = all(isinstance(json.loads(v), str) for v in values)
    ok = (not shown and not literal) or (
        len(shown) == len(patterns) and all(any(p.fullmatch(z) for z in shown) for p in patterns)
    )
    shown_values = sorted(readable_text(json.loads(v)) for v in values)
    result.fact(ok, "diagram-zones", where, text.replace("\n", " / "), ", ".join(shown_values), source)
