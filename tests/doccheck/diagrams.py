"""Mermaid: every ECS service, database, cache, load balancer, queue, topic and distribution of an environment is
a node of its architecture diagram, what a label claims (sizes, counts, engine, FIFO, rotation, NAT egress) holds,
and a node drawn inside a subnet group runs in those subnets; the progression diagram names each environment's
primary region, services and tasks."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from tests.doccheck import diagram_kinds
from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.compute import ecs_services
from tests.doccheck.context import AGNOSTIC
from tests.doccheck.data import dead_letter_queues
from tests.doccheck.diagram_labels import cache_label, db_label, ecs_label, lb_label, queue_label, zones
from tests.doccheck.edge import LB
from tests.doccheck.markdown import Doc, Mermaid
from tests.doccheck.mermaid import Node, arrows, assign, nodes
from tests.doccheck.network import subnet_groups, subnet_tiers
from tests.doccheck.observability import topic_names
from tests.doccheck.rds import Db, dbs, excused
from tests.doccheck.report import Result
from tests.doccheck.security import check_rotation
from tests.doccheck.values import words

T = TypeVar("T")
# what a node's label must say it is, beyond its name
KIND_WORDS = {
    "ecs": r"\becs\b|fargate",
    "db": r"\brds\b|aurora",
    "cache": r"elasticache|redis|valkey|memcached",
    "lb": r"\b(alb|nlb|gwlb)\b|load balancer",
    "queue": r"\bsqs\b|queue",
    "topic": r"\bsns\b|topic",
    "distribution": r"cloudfront",
}


def _is(kind: str, fits: Callable[[Node, T], bool]) -> Callable[[Node, T], bool]:
    return lambda node, thing: bool(re.search(KIND_WORDS[kind], node.rest, re.I)) and fits(node, thing)


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    for stage in assembly.stages.values():
        # A large architecture is an overview plus detail diagrams under the same heading: together they draw
        # every box and arrow, so they are read as one.
        views = [
            env_view(doc, m, stage.name)
            for m in doc.mermaids
            if m.region == "architecture"
            and m.headings
            and stage.name in [n.strip() for n in m.headings[-1].split(",")]
        ]
        diagram = (
            Mermaid("\n".join(v.text for v in views), views[0].region, views[0].headings, views[0].line)
            if views
            else None
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


def env_view(doc: Doc, diagram: Mermaid, env: str) -> Mermaid:
    """One environment's diagram: a diagram drawn once for several environments, each box named in the table
    of differences under the same heading relabelled with that environment's column."""
    table = next(
        (
            t
            for t in doc.tables
            if t.region == diagram.region and t.headings == diagram.headings and t.column(env) and t.rows
        ),
        None,
    )
    if table is None:
        return diagram
    box, mine = table.headers[0], table.column(env) or ""
    swap = {_lines(r[box]): _lines(r[mine]) for r in table.rows}
    out = []
    for line in diagram.text.splitlines():
        m = re.match(r'^(\s*(?:subgraph\s+)?\w+\s*[\[({]+")(.*?)("[\])}]+\s*)$', line)
        if m and _lines(m.group(2)) in swap:
            line = m.group(1) + "<br/>".join(swap[_lines(m.group(2))]) + m.group(3)
        out.append(line)
    return Mermaid("\n".join(out), diagram.region, diagram.headings, diagram.line)


def _lines(label: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"<br\s*/?>", html.unescape(label)) if p.strip())


def _present(
    result: Result,
    kind: str,
    where: str,
    found: list[Node],
    things: Iterable[T],
    fits: Callable[[Node, T], bool],
    excuse: Callable[[T, list[T]], bool] | None = None,
    claims: Callable[[Result, Node, T], None] | None = None,
) -> list[tuple[Node, T]]:
    """Each thing has a node of its own (the node whose label's claims hold best); returns the pairs."""
    things = list(things)

    def misfit(node: Node, thing: T) -> int:
        scratch = Result()
        if claims is not None:
            claims(scratch, node, thing)
        return len(scratch.mismatches)

    chosen = assign(found, things, _is(kind, fits), misfit)
    paired = [things[j] for j in sorted(chosen)]
    out = []
    for j, thing in enumerate(things):
        name = getattr(thing, "name", None) or str(thing)
        source = thing.where() if hasattr(thing, "where") else "templates"
        if j not in chosen and excuse is not None and excuse(thing, paired):
            result.facts += 1
        elif result.fact(j in chosen, f"diagram-node-{kind}", f"{where} / {name}", "no node", name, source):
            out.append((chosen[j], thing))
    return out


def _architecture(result: Result, diagram: Mermaid, stage: Stage, assembly: Assembly) -> None:
    found = nodes(diagram)
    where = f"Architecture / {stage.name}"
    tiers = subnet_tiers(stage, assembly)
    services = [e for e in ecs_services(assembly) if e.service.stack.stage == stage.name]
    for node, ecs in _present(result, "ecs", where, found, services, lambda n, e: e.service.named(n.first)):
        ecs_label(result, f"{where} / {node.first}", node.label, ecs)
        _placed(result, where, node, ecs.service, _subnets_of(ecs.service, assembly), tiers, stage, assembly)
    every = dbs(assembly)
    mine = [d for d in every if d.res.stack.stage == stage.name and not d.is_replica]
    fits_db = lambda n, d: d.res.named(n.first)  # noqa: E731
    label_db = lambda r, n, d: db_label(r, f"{where} / {n.first}", n, d, every)  # noqa: E731
    pairs = _present(result, "db", where, found, mine, fits_db, lambda d, p: excused(d, p, every), label_db)
    for node, db in pairs:
        label_db(result, node, db)
        _placed(result, where, node, db.res, _db_subnets(db, assembly), tiers, stage, assembly)
    for db in (d for d in every if d.res.stack.stage == stage.name and d.is_replica):
        primary = db.primary
        ok = any(
            "replica" in n.label.lower() and (db.res.named(n.first) or (primary and primary.named(n.first)))
            for n in found
        )
        here = f"{where} / {db.res.title} replica"
        result.fact(
            ok, "diagram-node-replica", here, "no replica node or label", "a read replica", db.where()
        )
    groups = stage.resources("AWS::ElastiCache::ReplicationGroup")
    for node, group in _present(result, "cache", where, found, groups, lambda n, g: g.named(n.first)):
        cache_label(result, f"{where} / {node.first}", node.label, group)
    for node, lb in _present(result, "lb", where, found, stage.resources(LB), lambda n, b: b.named(n.first)):
        lb_label(result, f"{where} / {node.first}", node.label, lb, assembly)
        _placed(result, where, node, lb, _lb_subnets(lb, assembly), tiers, stage, assembly)
    dlqs = dead_letter_queues(assembly)
    queues = [q for q in stage.resources("AWS::SQS::Queue") if id(q) not in dlqs]
    for node, queue in _present(result, "queue", where, found, queues, lambda n, q: q.named(n.first)):
        queue_label(result, f"{where} / queue {node.first}", node.label, queue)
    topics = stage.resources("AWS::SNS::Topic")
    _present(result, "topic", where, found, topics, _topic_fits)
    dists = stage.resources("AWS::CloudFront::Distribution")
    drawn = _present(
        result,
        "distribution",
        where,
        found,
        dists,
        lambda n, d: d.named(n.first) and "cloudfront" in n.label.lower(),
    )
    _origin_arrows(result, where, diagram, found, drawn, assembly)
    for secret in stage.resources("AWS::SecretsManager::Secret"):
        node = next((n for n in found if secret.named(n.first) and "secret" in n.label.lower()), None)
        if node is not None:
            check_rotation(result, f"{where} / secret {node.first}", node.label, secret, assembly)
    diagram_kinds.check(
        result,
        where,
        found,
        stage,
        assembly,
        lambda node, res, subnets: _placed(result, where, node, res, subnets, tiers, stage, assembly),
    )
    _vpc_labels(result, where, diagram, found, stage, assembly)
    _crowds(result, where, found, stage, assembly)


CROWD = re.compile(r"^(\d+) (ECS services|SQS queues|SNS topics|secrets|Lambda functions), seq (\S+)$")
CROWD_TYPES = {
    "ECS services": "AWS::ECS::Service",
    "SQS queues": "AWS::SQS::Queue",
    "SNS topics": "AWS::SNS::Topic",
    "secrets": "AWS::SecretsManager::Secret",
    "Lambda functions": "AWS::Lambda::Function",
}


def _crowds(result: Result, where: str, found: list[Node], stage: Stage, assembly: Assembly) -> None:
    """An overview box `40 ECS services, seq 1` / `svc01 … svc40`: at least that many of the kind carry that
    Seq tag in this environment, and the first and last it names are among them."""
    dlqs = dead_letter_queues(assembly)
    for node in found:
        m = CROWD.match(node.first)
        if not m:
            continue
        count, noun, seq = int(m.group(1)), m.group(2), m.group(3)
        mine = [
            r for r in stage.resources(CROWD_TYPES[noun]) if r.tags.get("Seq") == seq and id(r) not in dlqs
        ]
        here = f"{where} / {node.first}"
        result.fact(
            count <= len(mine), "diagram-crowd", here, str(count), f"{len(mine)} with Seq {seq}", "tags"
        )
        ends = [e.strip() for e in node.rest.split("…")] if "…" in node.rest else []
        for end in ends:
            result.fact(
                any(r.named(end) for r in mine), "diagram-crowd-member", f"{here} / {end}", end, noun, "tags"
            )


def _origin_arrows(
    result: Result,
    where: str,
    diagram: Mermaid,
    found: list[Node],
    drawn: list[tuple[Node, Resource]],
    assembly: Assembly,
) -> None:
    """A distribution whose origin is a load balancer (by its DNS name, or through a VPC origin's endpoint ARN)
    has an arrow from its node to the load balancer's node."""
    drawn_arrows = arrows(diagram)
    for node, dist in drawn:
        for origin in (dist.props.get("DistributionConfig") or {}).get("Origins") or ():
            lb = _origin_lb(origin, dist, assembly)
            if lb is None:
                continue
            targets = [n.id for n in found if lb.named(n.first) and re.search(KIND_WORDS["lb"], n.rest, re.I)]
            result.fact(
                any((node.id, t) in drawn_arrows for t in targets),
                "diagram-origin-arrow",
                f"{where} / {node.first} -> {lb.title}",
                "no arrow",
                f"an arrow to the load balancer {lb.title}",
                dist.where("DistributionConfig"),
            )


def _origin_lb(origin: Any, dist: Resource, assembly: Assembly) -> Resource | None:
    if not isinstance(origin, dict):
        return None
    target = assembly.resolve(dist.stack, origin.get("DomainName"))
    if isinstance(origin.get("VpcOriginConfig"), dict):
        vpc_origin = assembly.resolve(dist.stack, origin["VpcOriginConfig"].get("VpcOriginId"))
        arn = ((vpc_origin.props if vpc_origin else {}).get("VpcOriginEndpointConfig") or {}).get("Arn")
        target = assembly.resolve(vpc_origin.stack, arn) if vpc_origin else None
    return target if target is not None and target.type == LB else None


def _topic_fits(node: Node, topic: Resource) -> bool:
    """A severity topic's node names its severity (or display or topic name); any topic may be named."""
    names = topic_names(topic)
    return topic.named(node.first) or any(re.search(rf"\b{re.escape(n)}\b", node.first) for n in names)


def _resolve_all(res: Resource, values: Any, assembly: Assembly) -> list[Resource | None]:
    return [assembly.resolve(res.stack, v) for v in (values if isinstance(values, list) else [])]


def _subnets_of(res: Resource, assembly: Assembly) -> list[Resource | None] | None:
    config = res.props.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
    return _resolve_all(res, config["Subnets"], assembly) if "Subnets" in config else None


def _lb_subnets(lb: Resource, assembly: Assembly) -> list[Resource | None] | None:
    if "Subnets" in lb.props:
        return _resolve_all(lb, lb.props["Subnets"], assembly)
    mappings = lb.props.get("SubnetMappings")
    return _resolve_all(lb, [m.get("SubnetId") for m in mappings], assembly) if mappings else None


def _db_subnets(db: Db, assembly: Assembly) -> list[Resource | None] | None:
    holder = db.cluster or db.res
    group = assembly.resolve(holder.stack, holder.props.get("DBSubnetGroupName"))
    return _resolve_all(group, group.props.get("SubnetIds"), assembly) if group is not None else None


def _placed(
    result: Result,
    where: str,
    node: Node,
    res: Resource,
    subnets: list[Resource | None] | None,
    tiers: dict[int, str],
    stage: Stage,
    assembly: Assembly,
) -> None:
    """A node drawn inside a `<name> subnets (<tier>, ...)` subgraph runs in subnets of that group and tier; one
    in subnets the app does not define (imported by id) is in none of them, or in a subgraph that says so."""
    titles = [t for t in node.groups if re.search(r"\bsubnets\b", t)]
    if subnets is None or not titles:
        return
    title = titles[-1]
    if "imported" in title.lower():
        missing = [str(s) for s in subnets if s is None]
        ok = bool(subnets) and len(missing) == len(subnets)
        want = "subnets none of which is in the templates"
        result.fact(ok, "diagram-placement", f"{where} / {node.first}", title, want, res.where("subnets"))
        return
    m = re.search(r"\((public|private|isolated)", title)
    shown = (title.split(" ")[0], m.group(1) if m else "?")
    known = [s for s in subnets if s is not None]
    want = sorted(
        {
            (s.tags.get("aws-cdk:subnet-name", tiers.get(id(s), "isolated")), tiers.get(id(s), "isolated"))
            for s in known
        }
    )
    if len(known) < len(subnets):
        want.append(("(subnets not in the templates)", json.dumps([str(s) for s in subnets if s is None])))
    ok = [shown] == want or (
        len(want) == 1 and shown[1] == want[0][1] and words(shown[0]) == words(want[0][0])
    )
    result.fact(ok, "diagram-placement", f"{where} / {node.first}", title, want, res.where("subnets"))


def _vpc_labels(
    result: Result, where: str, diagram: Mermaid, found: list[Node], stage: Stage, assembly: Assembly
) -> None:
    vpcs = stage.resources("AWS::EC2::VPC")
    for vpc in vpcs:
        node = next(
            (n for n in found if n.first.startswith("VPC ") and str(vpc.props.get("CidrBlock")) in n.first),
            None,
        )
        if result.fact(
            node is not None,
            "diagram-vpc-cidr",
            where,
            [n.first for n in found if n.first.startswith("VPC")],
            vpc.props.get("CidrBlock"),
            vpc.where("CidrBlock"),
        ):
            assert node is not None
            subnets = [
                s
                for s in stage.resources("AWS::EC2::Subnet")
                if assembly.resolve(s.stack, s.props.get("VpcId")) is vpc
            ]
            zones(result, where + " / VPC", node.rest, subnets, "AWS::EC2::Subnet AvailabilityZone")
    nats = stage.resources("AWS::EC2::NatGateway")
    nat = next((n for n in found if n.first.lower().startswith("nat gateway")), None)
    if nat is not None or nats:
        count = re.search(r"×\s*(\d+)", nat.first if nat else "")
        result.equal(
            "diagram-nat", where, int(count.group(1)) if count else 0, len(nats), "AWS::EC2::NatGateway count"
        )
    if nat is not None and nats:
        homes = [assembly.resolve(n.stack, n.props.get("SubnetId")) for n in nats]
        zones(
            result,
            where + " / NAT gateway",
            nat.rest,
            [h for h in homes if h is not None],
            "NatGateway SubnetId -> AvailabilityZone",
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
        _progression_label(result, where, label, stage)
    _promotions(result, diagram, assembly)


def _promotions(result: Result, diagram: Mermaid, assembly: Assembly) -> None:
    """A `promote` arrow between two environments carries the app forward: they deploy some same stack (staging
    and prod both have `Data`); two Stages with nothing in common (a global stage and a regional one) are not a
    promotion chain."""
    stage_of = {}
    for node in nodes(diagram):
        m = re.search(r"\(([^)]*)\)", node.first)
        if m and m.group(1) in assembly.stages:
            stage_of[node.id] = assembly.stages[m.group(1)]
    for a, b in re.findall(r"(\w+)\s*-->\|\s*\"promote\"\s*\|\s*(\w+)", diagram.text):
        if a in stage_of and b in stage_of:
            ids = [{s.id for s in stage_of[x].stacks if s.parent is None} for x in (a, b)]
            result.fact(
                bool(ids[0] & ids[1]),
                "progression-promote",
                f"Deployment Progression / {stage_of[a].name} → {stage_of[b].name}",
                "promote",
                f"no stack in common: {sorted(ids[0])} vs {sorted(ids[1])}",
                "manifests: the stacks of each Stage",
            )


def _progression_label(result: Result, where: str, label: str, stage: Stage) -> None:
    named = re.findall(r"\b[a-z]{2}-[a-z]+-\d\b", label)
    agnostic = not named and bool(AGNOSTIC.search(label))
    ok = bool(named) and named[0] == stage.primary_region if stage.primary_region else agnostic
    result.fact(
        ok,
        "progression-region",
        where,
        label.replace("\n", " / "),
        stage.primary_region or "no region (environment-agnostic)",
        f"{stage.name}: region of most stacks",
    )
    services = stage.resources("AWS::ECS::Service")
    if m := re.search(r"(\d+) services?, (\d+) tasks?", label):
        result.equal("progression-services", where, int(m.group(1)), len(services), "AWS::ECS::Service count")
        result.equal(
            "progression-tasks",
            where,
            int(m.group(2)),
            sum(int(s.props.get("DesiredCount", 0)) for s in services),
            "sum of DesiredCount",
        )
    listed = label.split(":")[-1] if ":" in label.split("\n")[-1] else ""
    if listed:
        names = [n.strip() for n in listed.split(",")]
        chosen = assign(
            [Node(str(i), n, ()) for i, n in enumerate(names)], services, lambda n, s: s.named(n.first)
        )
        result.fact(
            len(chosen) == len(services) == len(names),
            "progression-names",
            where,
            sorted(names),
            sorted(s.construct_id for s in services),
            "ECS services (each named once)",
        )
