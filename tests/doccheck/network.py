"""Network: VPC, subnets (tier from each subnet's routes), ingress rules, ALB rules, CDN behaviours, DNS prose."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.common import each_row, key, pair, tables
from tests.doccheck.markdown import Doc, cell_lines
from tests.doccheck.report import Result
from tests.doccheck.values import first_number, flatten, numbers, words, yes_no

ANYWHERE = ("0.0.0.0/0", "::/0")


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _vpc(doc, assembly, result)
    _subnets(doc, assembly, result)
    _ingress(doc, assembly, result)
    _routes(doc, assembly, result)
    _cdn(doc, assembly, result)
    _dns(doc, assembly, result)
    return result


def _vpc(doc: Doc, assembly: Assembly, result: Result) -> None:
    tabs = tables(doc, result, "Network > VPC", ("environment", "vpc cidr"), needed=True)
    resources = [(key(r.stack.stage), r) for r in assembly.resources("AWS::EC2::VPC")]
    rows = [(key(env), (t, row)) for t, row, env in each_row(tabs, assembly.stages)]
    for (table, row), vpc in pair(result, "vpc", "Network > VPC", rows, resources):
        stage = assembly.stages[vpc.stack.stage]
        where = f"Network > VPC / {stage.name}"
        result.equal(
            "vpc-cidr",
            where,
            row[table.column("cidr") or ""],
            vpc.props.get("CidrBlock"),
            vpc.where("CidrBlock"),
        )
        zones = {s.props.get("AvailabilityZone") for s in stage.resources("AWS::EC2::Subnet")}
        if table.column("azs"):
            result.equal(
                "vpc-azs",
                where,
                first_number(row[table.column("azs") or ""]),
                len(zones),
                "AWS::EC2::Subnet AvailabilityZone",
            )
        if table.column("nat"):
            nats = len(stage.resources("AWS::EC2::NatGateway"))
            result.equal(
                "nat-count",
                where,
                first_number(row[table.column("nat") or ""]),
                nats,
                "AWS::EC2::NatGateway count",
            )
        if table.column("flow"):
            _flow(result, where, row[table.column("flow") or ""], stage, assembly)


def _flow(result: Result, where: str, cell: str, stage: Stage, assembly: Assembly) -> None:
    flows = stage.resources("AWS::EC2::FlowLog")
    result.equal("flow-logs", where, yes_no(cell), bool(flows), "AWS::EC2::FlowLog")
    for flow in flows:
        group = assembly.resolve(flow.stack, flow.props.get("LogGroupName"))
        if group is not None and "RetentionInDays" in group.props and numbers(cell):
            result.equal(
                "flow-log-retention",
                where,
                first_number(cell),
                group.props["RetentionInDays"],
                group.where("RetentionInDays"),
            )


@dataclass
class SubnetGroup:
    stage: str
    cidrs: list[str]
    tier: str  # public | private | isolated: from the subnets' default routes
    first: Resource

    @property
    def source(self) -> str:
        return self.first.where("CidrBlock")


def subnet_groups(stage: Stage, assembly: Assembly) -> list[SubnetGroup]:
    """Subnets grouped by tier and CDK subnet name; the tier is read from routes, not from names."""
    tier_of_table: dict[str, str] = {}
    for route in stage.resources("AWS::EC2::Route"):
        table = assembly.resolve(route.stack, route.props.get("RouteTableId"))
        if table is None or route.props.get("DestinationCidrBlock") != "0.0.0.0/0":
            continue
        if "NatGatewayId" in route.props:
            tier_of_table[table.logical_id] = "private"
        elif "GatewayId" in route.props:
            tier_of_table[table.logical_id] = "public"
    tier_of_subnet: dict[str, str] = {}
    for assoc in stage.resources("AWS::EC2::SubnetRouteTableAssociation"):
        subnet = assembly.resolve(assoc.stack, assoc.props.get("SubnetId"))
        table = assembly.resolve(assoc.stack, assoc.props.get("RouteTableId"))
        if subnet is not None and table is not None:
            tier_of_subnet[subnet.logical_id] = tier_of_table.get(table.logical_id, "isolated")
    groups: dict[tuple[str, str], SubnetGroup] = {}
    for subnet in stage.resources("AWS::EC2::Subnet"):
        tier = tier_of_subnet.get(subnet.logical_id, "isolated")
        name = subnet.tags.get("aws-cdk:subnet-name", tier)
        group = groups.setdefault((tier, name), SubnetGroup(stage.name, [], tier, subnet))
        group.cidrs.append(str(subnet.props.get("CidrBlock")))
    return list(groups.values())


def _tier_of_label(label: str) -> str:
    text = label.lower()
    if "isolated" in text:
        return "isolated"
    if "public" in text:
        return "public"
    return "private" if ("private" in text or "nat" in text) else text


def _subnets(doc: Doc, assembly: Assembly, result: Result) -> None:
    tabs = tables(doc, result, "Network > Subnets", ("environment", "tier", "cidr"), needed=True)
    rows = []
    for table, row, env in each_row(tabs, assembly.stages):
        cidrs = sorted(re.findall(r"\d+\.\d+\.\d+\.\d+/\d+", row[table.column("cidr") or ""]))
        rows.append(((env, ", ".join(cidrs)), (table, row)))
    groups = [
        ((g.stage, ", ".join(sorted(g.cidrs))), g)
        for st in assembly.stages.values()
        for g in subnet_groups(st, assembly)
    ]
    for (table, row), group in pair(result, "subnets", "Network > Subnets", rows, groups):
        where = f"Network > Subnets / {group.stage} / {row[table.column('tier') or '']}"
        label = row[table.column("tier") or ""]
        result.equal(
            "subnet-tier",
            where,
            _tier_of_label(label),
            group.tier,
            "default route (0.0.0.0/0) of each subnet's route table",
        )
        if "nat" in label.lower():
            result.fact(
                group.tier == "private",
                "subnet-egress-claim",
                where,
                label,
                f"{group.tier}: no route to a NAT gateway",
                "AWS::EC2::Route NatGatewayId",
            )
        if table.column("subnets"):
            result.equal(
                "subnet-count",
                where,
                first_number(row[table.column("subnets") or ""]),
                len(group.cidrs),
                "AWS::EC2::Subnet count",
            )


@dataclass
class Rule:
    stage: str
    port: str
    sources: list[str]  # labels the source may be shown by (CIDR, owner, group description)
    targets: list[str]
    why: str
    res: Resource
    anywhere: bool
    dest: Resource | None


def _labels(sg: Resource | None) -> list[str]:
    if sg is None:
        return []
    return [x for x in (sg.owner, str(sg.props.get("GroupDescription", ""))) if x and "/" not in x]


def _port(props: dict) -> str:  # type: ignore[type-arg]
    low, high = props.get("FromPort"), props.get("ToPort")
    proto = str(props.get("IpProtocol", "tcp"))
    return f"{proto} {low}" if low == high else f"{proto} {low}-{high}"


def ingress_rules(stage: Stage, assembly: Assembly) -> list[Rule]:
    rules = []
    for res in stage.resources("AWS::EC2::SecurityGroupIngress"):
        dest = assembly.resolve(res.stack, res.props.get("GroupId"))
        rules.append(_rule(stage, res, res.props, dest, assembly))
    for sg in stage.resources("AWS::EC2::SecurityGroup"):
        for inline in sg.props.get("SecurityGroupIngress", []):
            rules.append(_rule(stage, sg, inline, sg, assembly))
    return rules


def _rule(stage: Stage, res: Resource, props: dict, dest: Resource | None, assembly: Assembly) -> Rule:  # type: ignore[type-arg]
    cidr = props.get("CidrIp") or props.get("CidrIpv6")
    source = None if cidr else assembly.resolve(res.stack, props.get("SourceSecurityGroupId"))
    sources = [str(cidr)] if cidr else _labels(source)
    why = str(props.get("Description", ""))
    return Rule(stage.name, _port(props), sources, _labels(dest), why, res, cidr in ANYWHERE, dest)


def _ingress(doc: Doc, assembly: Assembly, result: Result) -> None:
    tabs = tables(doc, result, "Network > Ingress rules", ("environment", "from", "to", "port"), needed=True)
    rows = [(t, row, env) for t, row, env in each_row(tabs, assembly.stages)]
    used: set[int] = set()
    for stage in assembly.stages.values():
        for rule in ingress_rules(stage, assembly):
            where = f"Network > Ingress / {stage.name} / {rule.port} {rule.sources} -> {rule.targets}"
            match = next(
                (
                    i
                    for i, (t, row, env) in enumerate(rows)
                    if i not in used
                    and env == stage.name
                    and _same_port(row[t.column("port") or ""], rule.port)
                    and any(words(s) in words(row[t.column("from") or ""]) for s in rule.sources)
                    and any(words(s) in words(row[t.column("to") or ""]) for s in rule.targets)
                ),
                None,
            )
            if not result.fact(
                match is not None, "ingress-missing-row", where, "no row", rule.sources, rule.res.where()
            ):
                continue
            assert match is not None
            used.add(match)
            table, row, _ = rows[match]
            if table.column("why") and rule.why:
                result.equal(
                    "ingress-why",
                    where,
                    row[table.column("why") or ""],
                    rule.why,
                    rule.res.where("Description"),
                )
    for i, (_table, row, env) in enumerate(rows):
        if i not in used:
            result.fact(
                False,
                "ingress-extra-row",
                f"Network > Ingress / {env}",
                " | ".join(row.values()),
                "no such rule",
                "templates",
            )


def _same_port(cell: str, port: str) -> bool:
    return words(port) == words(cell) or (
        port.split(" ")[-1] in re.findall(r"[\d-]+", cell) and port.split(" ")[0] in cell.lower()
    )


def _routes(doc: Doc, assembly: Assembly, result: Result) -> None:
    rules = assembly.resources("AWS::ElasticLoadBalancingV2::ListenerRule")
    tabs = tables(
        doc, result, "Network > Load balancing", ("environment", "priority", "conditions"), needed=bool(rules)
    )
    rows = [
        ((env, str(int(first_number(row[t.column("priority") or ""]) or -1))), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    resources = [((r.stack.stage, str(r.props.get("Priority"))), r) for r in rules]
    services = assembly.resources("AWS::ECS::Service")
    for (table, row), rule in pair(result, "alb-rule", "Network > Load balancing", rows, resources):
        where = f"Network > Load balancing / {rule.stack.stage} / priority {rule.props.get('Priority')}"
        paths = sorted(
            v
            for c in rule.props.get("Conditions", [])
            for v in c.get("PathPatternConfig", {}).get("Values", c.get("Values", []))
        )
        # "path /api/*, /v1/*; host example.com": the path patterns are the values after "path"
        cell = row[table.column("conditions") or ""]
        shown = sorted(
            p
            for part in re.split(r";|<br>", cell)
            if part.strip().startswith("path ")
            for p in re.split(r"[,\s]+", part.strip().removeprefix("path "))
            if p
        )
        result.equal("alb-rule-paths", where, ", ".join(shown), ", ".join(paths), rule.where("Conditions"))
        target = _rule_target(rule, services, assembly)
        col = table.column("target")
        if col:
            result.equal(
                "alb-rule-target",
                where,
                row[col].replace("`", ""),
                target,
                rule.where("Actions -> TargetGroup -> ECS Service"),
            )


def _rule_target(rule: Resource, services: list[Resource], assembly: Assembly) -> str:
    for action in rule.props.get("Actions", []):
        group = assembly.resolve(rule.stack, action.get("TargetGroupArn"))
        for svc in services:
            for lb in svc.props.get("LoadBalancers", []):
                if group is not None and assembly.resolve(svc.stack, lb.get("TargetGroupArn")) is group:
                    return svc.owner
    return "?"


def _cdn(doc: Doc, assembly: Assembly, result: Result) -> None:
    dists = assembly.resources("AWS::CloudFront::Distribution")
    tabs = tables(doc, result, "Network > CDN", ("environment", "behaviours"), needed=bool(dists))
    rows = [
        (key(env, row[t.column("front end") or t.headers[1]]), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    resources = [(key(d.stack.stage, d.owner), d) for d in dists]
    for (table, row), dist in pair(result, "cdn", "Network > CDN", rows, resources):
        config = dist.props.get("DistributionConfig", {})
        where = f"Network > CDN / {dist.stack.stage} / {dist.owner}"
        cell = row[table.column("behaviours") or ""]
        for behaviour in [
            dict(config.get("DefaultCacheBehavior", {}), PathPattern="default"),
            *config.get("CacheBehaviors", []),
        ]:
            origin = _origin_kind(config, behaviour.get("TargetOriginId"), dist, assembly)
            want = f"{behaviour['PathPattern']} → {origin} ({behaviour.get('ViewerProtocolPolicy', 'allow-all')})"
            found = any(
                behaviour["PathPattern"] in line
                and origin.lower() in line.lower()
                and behaviour.get("ViewerProtocolPolicy", "allow-all") in line
                for line in cell_lines(cell)
            )
            result.fact(
                found, "cdn-behaviour", where, cell, want, dist.where("DistributionConfig behaviours")
            )
        result.equal(
            "cdn-behaviour-count",
            where,
            len(cell_lines(cell)),
            1 + len(config.get("CacheBehaviors", [])),
            dist.where("CacheBehaviors"),
        )
        if table.column("price"):
            result.equal(
                "cdn-price-class",
                where,
                row[table.column("price") or ""],
                config.get("PriceClass", "PriceClass_All"),
                dist.where("PriceClass"),
            )
        if table.column("logging"):
            result.equal(
                "cdn-logging",
                where,
                yes_no(row[table.column("logging") or ""]),
                bool(config.get("Logging")),
                dist.where("Logging"),
            )
        if table.column("http"):
            result.equal(
                "cdn-http",
                where,
                row[table.column("http") or ""],
                config.get("HttpVersion", "http1.1"),
                dist.where("HttpVersion"),
            )


def _origin_kind(config: dict, origin_id: str | None, dist: Resource, assembly: Assembly) -> str:  # type: ignore[type-arg]
    for origin in config.get("Origins", []):
        if origin.get("Id") != origin_id:
            continue
        if "S3OriginConfig" in origin:
            return "S3"
        target = assembly.resolve(dist.stack, origin.get("DomainName"))
        if target is not None and target.type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            return "ALB"
        if target is not None and target.type == "AWS::S3::Bucket":
            return "S3"
        return flatten(origin.get("DomainName"))
    return "?"


def internet_facing_albs(stage: Stage, assembly: Assembly) -> list[Resource]:
    """ALBs with an internet-facing scheme whose security group takes traffic from anywhere."""
    out = []
    for alb in stage.resources("AWS::ElasticLoadBalancingV2::LoadBalancer"):
        if alb.props.get("Scheme", "internet-facing") != "internet-facing":
            continue
        groups = {id(assembly.resolve(alb.stack, g)) for g in alb.props.get("SecurityGroups", [])}
        open_rules = [r for r in ingress_rules(stage, assembly) if r.anywhere and id(r.dest) in groups]
        if open_rules:
            out.append(alb)
    return out


def _dns(doc: Doc, assembly: Assembly, result: Result) -> None:
    for region, text, line, _ in doc.paragraphs:
        if region != "network":
            continue
        where = f"Network > DNS (line {line})"
        lower = text.lower()
        if "behind cloudfront" in lower:
            exposed = [a for st in assembly.stages.values() for a in internet_facing_albs(st, assembly)]
            result.fact(
                not exposed,
                "prose-alb-behind-cloudfront",
                where,
                text,
                f"{len(exposed)} internet-facing ALB(s) open to 0.0.0.0/0",
                "LoadBalancer Scheme + SecurityGroup ingress",
            )
        if "route 53" in lower and re.search(r"\bno route 53\b", lower):
            zones = assembly.resources(
                "AWS::Route53::HostedZone", "AWS::Route53::RecordSet", "AWS::CertificateManager::Certificate"
            )
            result.fact(
                not zones, "prose-dns", where, text, f"{len(zones)} Route 53 / ACM resources", "templates"
            )
        if "cloudfront.net" in lower:
            dists = assembly.resources("AWS::CloudFront::Distribution")
            aliased = [d for d in dists if d.props.get("DistributionConfig", {}).get("Aliases")]
            result.fact(
                bool(dists) and not aliased,
                "prose-cloudfront-names",
                where,
                text,
                f"{len(dists)} distributions, {len(aliased)} with aliases",
                "DistributionConfig.Aliases",
            )
        if re.search(r"listens on http\b", lower):
            listeners = assembly.resources("AWS::ElasticLoadBalancingV2::Listener")
            result.fact(
                bool(listeners) and all(lst.props.get("Protocol") == "HTTP" for lst in listeners),
                "prose-listener",
                where,
                text,
                [lst.props.get("Protocol") for lst in listeners],
                "Listener Protocol",
            )
