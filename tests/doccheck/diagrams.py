"""Mermaid: every ECS service, database, cache, queue, topic and distribution of an environment is a node of
its architecture diagram, and what a label claims (sizes, counts, FIFO, rotation, NAT egress) holds; the
progression diagram names each environment's primary region, services and tasks."""

from __future__ import annotations

import re

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.compute import EcsService, ecs_services
from tests.doccheck.data import dead_letter_queues, nodes, source_of
from tests.doccheck.markdown import Doc, Mermaid
from tests.doccheck.network import subnet_groups
from tests.doccheck.observability import topic_names
from tests.doccheck.report import Result
from tests.doccheck.security import check_rotation
from tests.doccheck.values import azs, same_number, words


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    for stage in assembly.stages.values():
        diagram = next(
            (
                m
                for m in doc.mermaids
                if m.region == "architecture" and m.headings and m.headings[-1].strip() == stage.name
            ),
            None,
        )
        if result.fact(
            diagram is not None,
            "diagram-missing",
            f"Architecture / {stage.name}",
            "no Mermaid block",
            "a diagram per stage",
            "manifest.json",
        ):
            assert diagram is not None
            _architecture(result, diagram, stage, assembly)
    _progression(doc, assembly, result)
    return result


def _first_lines(diagram: Mermaid) -> list[tuple[str, str]]:
    return [(words(label.split("\n")[0]), label) for label in diagram.labels()]


def _node(labels: list[tuple[str, str]], name: str, *also: str) -> str | None:
    """The label whose first line is the name (and which mentions every extra word)."""
    for first, label in labels:
        if first == words(name) and all(a.lower() in label.lower() for a in also):
            return label
    return None


def _architecture(result: Result, diagram: Mermaid, stage: Stage, assembly: Assembly) -> None:
    labels = _first_lines(diagram)
    where = f"Architecture / {stage.name}"
    for ecs in ecs_services(assembly):
        if ecs.service.stack.stage == stage.name:
            label = _node(labels, ecs.name)
            here = f"{where} / {ecs.name}"
            if result.fact(label is not None, "diagram-node-ecs", here, "no node", ecs.name, ecs.where()):
                _ecs_label(result, here, label or "", ecs)
    for db in stage.resources("AWS::RDS::DBInstance"):
        if "DBClusterIdentifier" not in db.props:  # Aurora instances are drawn in their cluster's box
            _db_node(result, where, labels, db, assembly)
    for cluster in stage.resources("AWS::RDS::DBCluster"):
        found = _node(labels, cluster.owner, "aurora") is not None
        result.fact(
            found,
            "diagram-node-cluster",
            f"{where} / {cluster.owner}",
            "no node",
            cluster.owner,
            cluster.where(),
        )
    for group in stage.resources("AWS::ElastiCache::ReplicationGroup"):
        _cache_node(result, where, labels, group)
    dlqs = dead_letter_queues(assembly)
    for queue in stage.resources("AWS::SQS::Queue"):
        if id(queue) not in dlqs:
            _queue_node(result, where, labels, queue)
    for topic in stage.resources("AWS::SNS::Topic"):
        _topic_node(result, where, labels, topic)
    for dist in stage.resources("AWS::CloudFront::Distribution"):
        found = _node(labels, dist.owner, "cloudfront") is not None
        result.fact(
            found, "diagram-node-distribution", f"{where} / {dist.owner}", "no node", dist.owner, dist.where()
        )
    for secret in stage.resources("AWS::SecretsManager::Secret"):
        label = _node(labels, secret.owner, "secret")
        if label is not None:
            check_rotation(result, f"{where} / secret {secret.owner}", label, secret, assembly)
    _vpc_labels(result, where, diagram, labels, stage, assembly)


def _cache_node(result: Result, where: str, labels: list[tuple[str, str]], group: Resource) -> None:
    label = _node(labels, group.owner)
    here = f"{where} / {group.owner}"
    if not result.fact(label is not None, "diagram-node-cache", here, "no node", group.owner, group.where()):
        return
    _claims(result, here, label or "", {"node type": str(group.props.get("CacheNodeType"))}, group)
    if m := re.search(r"×\s*(\d+)", label or ""):
        result.equal(
            "diagram-cache-nodes", here, int(m.group(1)), nodes(group), group.where("NumCacheClusters")
        )


def _topic_node(result: Result, where: str, labels: list[tuple[str, str]], topic: Resource) -> None:
    """Each severity topic is its own node: a label naming its severity (or display or topic name)."""
    names = topic_names(topic)
    found = any(re.search(rf"\b{re.escape(n)}\b", label) for _, label in labels for n in names)
    shown = [lbl.split("\n")[0] for _, lbl in labels if "topic" in lbl.lower()]
    here = f"{where} / topic {names[0] if names else topic.logical_id}"
    result.fact(found, "diagram-node-topic", here, shown, " or ".join(names), topic.where())


def _ecs_label(result: Result, where: str, label: str, ecs: EcsService) -> None:
    task = ecs.task.props if ecs.task else {}
    if m := re.search(r"(\d+)\s*×\s*([\d.]+)\s*vCPU\s*/\s*([\d.]+)\s*GB", label):
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
    if (m := re.search(r"scales\s*(\d+)\D+(\d+)", label)) and ecs.target is not None:
        got = (int(m.group(1)), int(m.group(2)))
        result.equal(
            "diagram-ecs-scaling",
            where,
            got,
            (ecs.target.props.get("MinCapacity"), ecs.target.props.get("MaxCapacity")),
            ecs.target.where(),
        )


def _db_node(
    result: Result, where: str, labels: list[tuple[str, str]], db: Resource, assembly: Assembly
) -> None:
    replica = "SourceDBInstanceIdentifier" in db.props
    here = f"{where} / {db.owner}{' replica' if replica else ''}"
    if replica:
        found = any(db.owner in label and "replica" in label.lower() for _, label in labels)
        result.fact(
            found,
            "diagram-node-replica",
            here,
            "no replica node or label",
            f"read replica of {db.owner}",
            db.where(),
        )
        return
    label = _node(labels, db.owner)
    if result.fact(label is not None, "diagram-node-db", here, "no node", db.owner, db.where()):
        _claims(result, here, label or "", {"class": str(db.props.get("DBInstanceClass"))}, db)
        result.equal(
            "diagram-db-multi-az",
            here,
            "multi-az" in (label or "").lower(),
            bool(db.props.get("MultiAZ")),
            db.where("MultiAZ"),
        )
        base = source_of(db, assembly) or db
        version = str(base.props.get("EngineVersion", "")).split(".")[0]
        shown = re.findall(r"PostgreSQL\s+(\d+)", label or "")
        if shown:
            result.equal("diagram-db-version", here, shown[0], version, db.where("EngineVersion"))


def _queue_node(result: Result, where: str, labels: list[tuple[str, str]], queue: Resource) -> None:
    label = _node(labels, queue.owner)
    here = f"{where} / queue {queue.owner}"
    if not result.fact(label is not None, "diagram-node-queue", here, "no node", queue.owner, queue.where()):
        return
    fifo = bool(queue.props.get("FifoQueue"))
    result.equal(
        "diagram-queue-fifo",
        here,
        bool(re.search(r"\bfifo\b", label or "", re.I)),
        fifo,
        queue.where("FifoQueue"),
    )
    if m := re.search(r"after (\d+) receives", label or ""):
        want = queue.props.get("RedrivePolicy", {}).get("maxReceiveCount")
        result.equal(
            "diagram-queue-receives",
            here,
            int(m.group(1)),
            want,
            queue.where("RedrivePolicy.maxReceiveCount"),
        )


def _claims(result: Result, where: str, label: str, wanted: dict[str, str], res: Resource) -> None:
    for what, value in wanted.items():
        result.fact(value in label, f"diagram-{what.replace(' ', '-')}", where, label, value, res.where())


def _vpc_labels(
    result: Result,
    where: str,
    diagram: Mermaid,
    labels: list[tuple[str, str]],
    stage: Stage,
    assembly: Assembly,
) -> None:
    for vpc in stage.resources("AWS::EC2::VPC"):
        label = next((lbl for _, lbl in labels if lbl.startswith("VPC ")), None)
        if label is None:
            continue
        result.fact(
            str(vpc.props.get("CidrBlock")) in label,
            "diagram-vpc-cidr",
            where,
            label,
            vpc.props.get("CidrBlock"),
            vpc.where("CidrBlock"),
        )
        zones = sorted({s.props.get("AvailabilityZone") for s in stage.resources("AWS::EC2::Subnet")})
        result.equal("diagram-vpc-azs", where, sorted(azs(label)), zones, "AWS::EC2::Subnet AvailabilityZone")
    nats = stage.resources("AWS::EC2::NatGateway")
    nat_label = next((lbl for _, lbl in labels if lbl.lower().startswith("nat gateway")), None)
    if nat_label is not None or nats:
        count = re.search(r"×\s*(\d+)", nat_label or "")
        result.equal(
            "diagram-nat", where, int(count.group(1)) if count else 0, len(nats), "AWS::EC2::NatGateway count"
        )
    groups = subnet_groups(stage, assembly)
    for title in re.findall(r'subgraph\s+\w+\["([^"]*subnets[^"]*)"\]', diagram.text):
        if "nat" in title.lower():
            name = title.split(" ")[0]
            group = next((g for g in groups if g.first.tags.get("aws-cdk:subnet-name") == name), None)
            tier = group.tier if group else "?"
            result.fact(
                tier == "private",
                "diagram-subnet-egress",
                f"{where} / {title}",
                title,
                f"{tier}: no route to a NAT gateway",
                "AWS::EC2::Route NatGatewayId",
            )


def _progression(doc: Doc, assembly: Assembly, result: Result) -> None:
    diagram = next((m for m in doc.mermaids if m.region == "progression"), None)
    if diagram is None:
        result.fact(
            False,
            "diagram-missing",
            "Deployment Progression",
            "no Mermaid block",
            "a progression diagram",
            "template",
        )
        return
    for stage in assembly.stages.values():
        label = next(
            (
                lbl
                for lbl in diagram.labels()
                if re.search(rf"\({re.escape(stage.name)}\)", lbl.split("\n")[0])
            ),
            None,
        )
        where = f"Deployment Progression / {stage.name}"
        if not result.fact(
            label is not None, "progression-node", where, "no node", stage.name, "manifest.json"
        ):
            continue
        assert label is not None
        named = re.findall(r"\b[a-z]{2}-[a-z]+-\d\b", label)
        result.fact(
            bool(named) and named[0] == stage.primary_region,
            "progression-region",
            where,
            label.replace("\n", " / "),
            stage.primary_region,
            f"{stage.name}: region of most stacks",
        )
        services = stage.resources("AWS::ECS::Service")
        if m := re.search(r"(\d+) services?, (\d+) tasks?", label):
            result.equal(
                "progression-services", where, int(m.group(1)), len(services), "AWS::ECS::Service count"
            )
            result.equal(
                "progression-tasks",
                where,
                int(m.group(2)),
                sum(int(s.props.get("DesiredCount", 0)) for s in services),
                "sum of DesiredCount",
            )
        listed = label.split(":")[-1] if ":" in label.split("\n")[-1] else ""
        if listed:
            result.equal(
                "progression-names",
                where,
                sorted(n.strip() for n in listed.split(",")),
                sorted(s.owner for s in services),
                "ECS services' Service tags",
            )
