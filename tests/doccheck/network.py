"""Network: VPC, subnets (tier from each subnet's routes) and security-group ingress rules."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.doccheck.assembly import Assembly, Resource, Stack, Stage
from tests.doccheck.common import Row, each_row, match, pair, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import first_number, numbers, readable, readable_text, words, yes_no

ANYWHERE = ("0.0.0.0/0", "::/0")
PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _vpc(doc, assembly, result)
    _subnets(doc, assembly, result)
    _ingress(doc, assembly, result)
    return result


def aliases(stack: Stack) -> Callable[[str], list[str]]:
    """The names a Ref/GetAtt target may be shown by in a readable intrinsic: its construct id and path."""

    def names(lid: str) -> list[str]:
        res = stack.resources.get(lid)
        return [res.construct_id, *res.segments] if res is not None else []

    return names


def _vpc(doc: Doc, assembly: Assembly, result: Result) -> None:
    vpcs = assembly.resources("AWS::EC2::VPC")
    tabs = tables(doc, result, "Network > VPC", ("environment", "vpc cidr"), needed=bool(vpcs))

    def compare(res: Result, row: Row, vpc: Resource) -> None:
        _vpc_row(res, row, vpc, assembly.stages[vpc.stack.stage], assembly)

    rows = list(each_row(tabs, assembly.stages))
    match(result, "vpc", "Network > VPC", rows, vpcs, lambda row, vpc: row[2] == vpc.stack.stage, compare)


def _vpc_row(result: Result, row: Row, vpc: Resource, stage: Stage, assembly: Assembly) -> None:
    table, cells, _ = row
    where = f"Network > VPC / {stage.name}"
    result.equal(
        "vpc-cidr",
        where,
        cells[table.column("cidr") or ""],
        vpc.props.get("CidrBlock"),
        vpc.where("CidrBlock"),
    )
    subnets = [
        s
        for s in stage.resources("AWS::EC2::Subnet")
        if assembly.resolve(s.stack, s.props.get("VpcId")) is vpc
    ]
    zones = {json.dumps(s.props.get("AvailabilityZone"), sort_keys=True) for s in subnets}
    if table.column("azs"):
        result.equal(
            "vpc-azs",
            where,
            first_number(cells[table.column("azs") or ""]),
            len(zones),
            "AWS::EC2::Subnet AvailabilityZone",
        )
    if table.column("nat"):
        nats = len(stage.resources("AWS::EC2::NatGateway"))
        result.equal(
            "nat-count",
            where,
            first_number(cells[table.column("nat") or ""]),
            nats,
            "AWS::EC2::NatGateway count",
        )
    if table.column("flow"):
        _flow(result, where, cells[table.column("flow") or ""], stage, assembly)


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


def subnet_tiers(stage: Stage, assembly: Assembly) -> dict[int, str]:
    """id(subnet) -> public | private | isolated, from the default route of its route table: to an internet
    gateway is public, to a NAT gateway private, none isolated. Names never decide."""
    tier_of_table: dict[int, str] = {}
    for route in stage.resources("AWS::EC2::Route"):
        table = assembly.resolve(route.stack, route.props.get("RouteTableId"))
        if table is None or route.props.get("DestinationCidrBlock") != "0.0.0.0/0":
            continue
        if "NatGatewayId" in route.props:
            tier_of_table[id(table)] = "private"
        elif "GatewayId" in route.props:
            tier_of_table[id(table)] = "public"
    out: dict[int, str] = {}
    for assoc in stage.resources("AWS::EC2::SubnetRouteTableAssociation"):
        subnet = assembly.resolve(assoc.stack, assoc.props.get("SubnetId"))
        table = assembly.resolve(assoc.stack, assoc.props.get("RouteTableId"))
        if subnet is not None and table is not None:
            out[id(subnet)] = tier_of_table.get(id(table), "isolated")
    return out


def subnet_groups(stage: Stage, assembly: Assembly) -> list[SubnetGroup]:
    """Subnets grouped by tier and CDK subnet name; the tier is read from routes, not from names."""
    tiers = subnet_tiers(stage, assembly)
    groups: dict[tuple[str, str], SubnetGroup] = {}
    for subnet in stage.resources("AWS::EC2::Subnet"):
        tier = tiers.get(id(subnet), "isolated")
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
    subnets = assembly.resources("AWS::EC2::Subnet")
    tabs = tables(doc, result, "Network > Subnets", ("environment", "tier", "cidr"), needed=bool(subnets))
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
    props: dict[str, Any]  # the rule: an AWS::EC2::SecurityGroupIngress's properties or an inline rule
    res: Resource  # the resource holding it
    from_sg: Resource | None  # the source security group, when it resolves
    dest: Resource | None
    anywhere: bool

    @property
    def name(self) -> str:
        return f"{self.stage} / {self.label}"

    def where(self) -> str:
        return self.res.where()

    @property
    def label(self) -> str:
        src = (
            self.props.get("CidrIp") or self.props.get("CidrIpv6") or self.props.get("SourceSecurityGroupId")
        )
        name = self.from_sg.construct_id if self.from_sg else readable_text(src)
        dest = self.dest.construct_id if self.dest else "?"
        return f"{_port_text(self.props)} {name} -> {dest}"

    def from_ok(self, cell: str) -> bool:
        cidr = self.props.get("CidrIp") or self.props.get("CidrIpv6")
        if cidr is not None:
            return bool(readable(cidr, aliases(self.res.stack)).search(cell))
        if self.from_sg is not None:
            return sg_named(cell, self.from_sg)
        value = self.props.get("SourceSecurityGroupId") or self.props.get("SourcePrefixListId")
        return bool(readable(value, aliases(self.res.stack)).search(cell))

    def port_ok(self, cell: str) -> bool:
        proto = str(self.props.get("IpProtocol", "tcp")).lower()
        proto = PROTOCOLS.get(proto, proto)
        if proto == "all":
            return "all" in cell.lower() or "-1" in cell
        low, high = self.props.get("FromPort"), self.props.get("ToPort")
        if proto not in cell.lower():
            return False
        if low == high or high is None:
            return bool(readable(low, aliases(self.res.stack)).search(cell))
        shown = [int(n) for n in numbers(cell.replace("–", " ").replace("-", " "))]
        return [low, high] == shown[:2]


def _port_text(props: dict[str, Any]) -> str:
    low, high = readable_text(props.get("FromPort")), readable_text(props.get("ToPort"))
    proto = str(props.get("IpProtocol", "tcp"))
    return f"{proto} {low}" if low == high else f"{proto} {low}-{high}"


def sg_named(cell: str, sg: Resource) -> bool:
    """A cell names a security group: one of its names, or words that are all its names; or it mentions its
    description or its component (`Service` tag: `appdb rotation`, `appdb: PostgreSQL`)."""
    text = words(cell)
    description = sg.props.get("GroupDescription")
    mentions = [sg.tags.get("Service", ""), description if isinstance(description, str) else ""]
    return sg.named(cell) or any(
        m and "/" not in m and re.search(rf"\b{re.escape(words(m))}\b", text) for m in mentions
    )


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
    return Rule(stage.name, props, res, source, dest, cidr in ANYWHERE)


def _ingress(doc: Doc, assembly: Assembly, result: Result) -> None:
    rules = [r for st in assembly.stages.values() for r in ingress_rules(st, assembly)]
    tabs = tables(
        doc, result, "Network > Ingress rules", ("environment", "from", "to", "port"), needed=bool(rules)
    )

    def fits(row: Row, rule: Rule) -> bool:
        table, cells, env = row
        to = cells[table.column("to") or ""]
        return (
            env == rule.stage
            and rule.from_ok(cells[table.column("from") or ""])
            and (rule.dest is None or sg_named(to, rule.dest))
        )

    def compare(res: Result, row: Row, rule: Rule) -> None:
        table, cells, _ = row
        where = f"Network > Ingress / {rule.stage} / {rule.label}"
        port = cells[table.column("port") or ""]
        res.fact(
            rule.port_ok(port),
            "ingress-port",
            where,
            port,
            _port_text(rule.props),
            rule.res.where("FromPort, ToPort"),
        )
        why = rule.props.get("Description")
        if table.column("why") and why:
            cell = cells[table.column("why") or ""]
            res.fact(
                bool(readable(why, aliases(rule.res.stack)).fullmatch(cell.strip())),
                "ingress-why",
                where,
                cell,
                readable_text(why),
                rule.res.where("Description"),
            )

    rows = list(each_row(tabs, assembly.stages))
    match(result, "ingress", "Network > Ingress", rows, rules, fits, compare)
