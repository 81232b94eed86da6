"""Network: VPC, subnets, security-group ingress, load balancers and their routes, CDN, DNS and certificates."""

from __future__ import annotations

from collections import defaultdict

from docgen.facts import edge, network
from docgen.facts.fact import Fact, derived, join
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    vpc_rows, subnet_rows, sg_rows, lb_rows, route_rows, cdn_rows, name_rows = [], [], [], [], [], [], []
    zone_lines: list[Fact] = []
    for env in inputs.environments:
        name = inputs.env_name(env)
        for vpc in network.vpcs(inputs.index, env):
            zones = {s.zone.text for s in vpc.subnets}
            zone_count = derived(len(zones), str(len(zones)), [s.zone for s in vpc.subnets] or [vpc.cidr])
            vpc_rows.append([name, vpc.cidr, zone_count, vpc.nat_gateways, vpc.flow_logs])
            subnet_rows += _subnet_rows(name, vpc)
        sg_rows += [
            [name, r.source, r.target, r.port, r.description]
            for r in network.ingress_rules(inputs.index, env)
        ]
        for lb in network.load_balancers(inputs.index, env):
            listeners = join(
                [
                    derived(
                        None,
                        _listener_text(x),
                        [x.protocol, x.port, x.default_action, x.tls_policy, x.certificates],
                    )
                    for x in lb.listeners
                ],
                "<br>",
                empty="none",
            )
            lb_rows.append(
                [name, lb.name, lb.kind, lb.scheme, listeners, lb.deletion_protection, lb.access_logs]
            )
        route_rows += [
            [name, r.listener, r.priority, r.conditions, r.target] for r in network.routes(inputs.index, env)
        ]
        cdn_rows += [
            [name, d.name, d.behaviours, d.tls_minimum, d.web_acl, d.price_class, d.logging, d.http_version]
            for d in edge.distributions(inputs.index, env)
        ]
        name_rows += [[name, n.name, n.records, n.certificate] for n in edge.names(inputs.index, env)]
        zone_lines += [derived(None, f"{env}: {z.text}", [z]) for z in edge.zones(inputs.index, env)]
    model.tables["vpc"] = t(["Environment", "VPC CIDR", "AZs", "NAT gateways", "Flow logs"], vpc_rows)
    model.tables["subnets"] = t(["Environment", "Tier", "Subnets", "CIDRs"], subnet_rows)
    model.tables["ingress"] = t(["Environment", "From", "To", "Port", "Why"], sg_rows)
    model.tables["load_balancers"] = t(
        ["Environment", "Load balancer", "Type", "Scheme", "Listeners", "Deletion protection", "Access logs"],
        lb_rows,
    )
    model.tables["routes"] = t(
        ["Environment", "Listener", "Priority", "Conditions", "Target service"], route_rows
    )
    model.tables["cdn"] = t(
        ["Environment", "Front end", "Behaviours", "Minimum TLS", "WAF", "Price class", "Logging", "HTTP"],
        cdn_rows,
    )
    model.tables["names"] = t(["Environment", "Name", "Records", "Certificate"], name_rows)
    model.lists["dns"] = zone_lines


def _subnet_rows(env: Fact, vpc: network.Vpc) -> list[list[Fact]]:
    by_group: dict[str, list[network.Subnet]] = defaultdict(list)
    for s in vpc.subnets:
        by_group[s.group.text].append(s)
    rows = []
    for group, members in by_group.items():
        label = network.SUBNET_TYPES.get(members[0].kind, "")
        tier = derived(
            group, f"{group} ({label})" if label and label != group else group, [m.group for m in members]
        )
        cidrs = join([m.cidr for m in members])
        rows.append([env, tier, derived(len(members), str(len(members)), [m.cidr for m in members]), cidrs])
    return rows


def _listener_text(x: network.Listener) -> str:
    """`HTTPS:443 (ELBSecurityPolicy-TLS13-1-2-2021-06, 1 certificate) → fixed response 404`."""
    tls = [x.tls_policy.text] if x.tls_policy.value else []
    if x.certificates.value:
        tls.append(f"{x.certificates.text} certificate{'s' if x.certificates.value != 1 else ''}")
    details = f" ({', '.join(tls)})" if tls else ""
    return f"{x.protocol.text}:{x.port.text}{details} → {x.default_action.text}"
