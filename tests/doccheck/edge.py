"""The edge: load balancers (type, scheme, listeners), listener rules, CloudFront behaviours and the DNS prose."""

from __future__ import annotations

import re

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.common import Row, each_row, match, pair, tables
from tests.doccheck.markdown import Doc, Table, cell_lines
from tests.doccheck.network import ingress_rules
from tests.doccheck.report import Result
from tests.doccheck.values import first_number, flatten, words, yes_no

LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"
# LoadBalancer Type -> the words a reader knows it by (long, short); application is CloudFormation's default.
LB_KINDS = {
    "application": ("application load balancer", "alb"),
    "network": ("network load balancer", "nlb"),
    "gateway": ("gateway load balancer", "gwlb"),
}


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _load_balancers(doc, assembly, result)
    _routes(doc, assembly, result)
    _cdn(doc, assembly, result)
    _dns(doc, assembly, result)
    return result


def lb_kind(lb: Resource) -> str:
    return str(lb.props.get("Type", "application"))


def lb_attribute(lb: Resource, name: str) -> bool:
    return any(
        a.get("Key") == name and str(a.get("Value")).lower() == "true"
        for a in lb.props.get("LoadBalancerAttributes", [])
    )


def listeners(lb: Resource, assembly: Assembly) -> list[Resource]:
    return [
        lst
        for lst in assembly.stages[lb.stack.stage].resources("AWS::ElasticLoadBalancingV2::Listener")
        if assembly.resolve(lst.stack, lst.props.get("LoadBalancerArn")) is lb
    ]


def names_kind(text: str, kind: str) -> bool | None:
    """Whether a text calls a load balancer of this kind by its name; None when it names no kind at all."""
    lower = words(text)
    said = {k for k, (long, short) in LB_KINDS.items() if long in lower or re.search(rf"\b{short}\b", lower)}
    return None if not said else said == {kind}


def _load_balancers(doc: Doc, assembly: Assembly, result: Result) -> None:
    lbs = assembly.resources(LB)
    tabs = tables(doc, result, "Network > Load balancing", ("load balancer", "listeners"), needed=bool(lbs))

    def fits(row: Row, lb: Resource) -> bool:
        return row[2] == lb.stack.stage and lb.named(row[1][row[0].column("load balancer") or ""])

    def compare(res: Result, row: Row, lb: Resource) -> None:
        _lb_row(res, row, lb, assembly)

    match(result, "lb", "Network > Load balancing", list(each_row(tabs, assembly.stages)), lbs, fits, compare)


def _lb_row(result: Result, row: Row, lb: Resource, assembly: Assembly) -> None:
    table, cells, _ = row
    where = f"Network > Load balancing / {lb.stack.stage} / {lb.title}"
    kind = lb_kind(lb)
    if table.column("type"):
        cell = cells[table.column("type") or ""]
        result.fact(
            bool(names_kind(cell, kind)),
            "lb-type",
            where,
            cell,
            LB_KINDS.get(kind, (kind,))[0],
            lb.where("Type"),
        )
    if table.column("scheme"):
        want = lb.props.get("Scheme", "internet-facing")
        result.equal("lb-scheme", where, cells[table.column("scheme") or ""], want, lb.where("Scheme"))
    cell = cells[table.column("listeners") or ""]
    mine = listeners(lb, assembly)
    shown = [p for p in re.split(r"<br\s*/?>", cell) if p.strip() and p.strip() not in ("-", "none")]
    result.equal("lb-listener-count", where, len(shown), len(mine), "Listeners with this LoadBalancerArn")
    for lst in mine:
        want = f"{lst.props.get('Protocol')}:{lst.props.get('Port')}"
        actions = [str(a.get("Type")) for a in lst.props.get("DefaultActions", [])]
        line = next((p for p in shown if p.lower().replace(" ", "").startswith(want.lower())), "")
        ok = bool(line) and all(words(a.replace("-", " ")) in words(line) for a in actions)
        result.fact(
            ok, "lb-listener", where, cell, f"{want} → {', '.join(actions)}", lst.where("Protocol, Port")
        )
        policy = lst.props.get("SslPolicy")
        if policy:
            result.fact(policy in line, "lb-tls-policy", where, line, policy, lst.where("SslPolicy"))
    for word, attribute in (
        ("deletion", "deletion_protection.enabled"),
        ("access log", "access_logs.s3.enabled"),
    ):
        if table.column(word):
            shown_on = yes_no(cells[table.column(word) or ""])
            result.equal(
                f"lb-{word.replace(' ', '-')}",
                where,
                shown_on,
                lb_attribute(lb, attribute),
                lb.where(attribute),
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
            shown_target = row[col].replace("`", "")
            result.fact(
                target is not None and target.named(shown_target),
                "alb-rule-target",
                where,
                shown_target,
                target.owner if target is not None else "?",
                rule.where("Actions -> TargetGroup -> ECS Service"),
            )


def _rule_target(rule: Resource, services: list[Resource], assembly: Assembly) -> Resource | None:
    """The ECS service behind the rule's target group, or the Lambda function a lambda target group names."""
    for action in rule.props.get("Actions", []):
        group = assembly.resolve(rule.stack, action.get("TargetGroupArn"))
        for svc in services:
            for lb in svc.props.get("LoadBalancers", []):
                if group is not None and assembly.resolve(svc.stack, lb.get("TargetGroupArn")) is group:
                    return svc
        if group is not None and group.props.get("TargetType") == "lambda":
            for target in group.props.get("Targets", []):
                fn = assembly.resolve(group.stack, target.get("Id"))
                if fn is not None and fn.type == "AWS::Lambda::Function":
                    return fn
    return None


def _cdn(doc: Doc, assembly: Assembly, result: Result) -> None:
    dists = assembly.resources("AWS::CloudFront::Distribution")
    tabs = tables(doc, result, "Network > CDN", ("environment", "behaviours"), needed=bool(dists))

    def fits(row: Row, dist: Resource) -> bool:
        table, cells, env = row
        return env == dist.stack.stage and dist.named(cells[table.column("front end") or table.headers[1]])

    def compare(res: Result, row: Row, dist: Resource) -> None:
        _cdn_row(res, row[0], row[1], dist, assembly)

    match(result, "cdn", "Network > CDN", list(each_row(tabs, assembly.stages)), dists, fits, compare)


def _cdn_row(result: Result, table: Table, row: dict[str, str], dist: Resource, assembly: Assembly) -> None:
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
        result.fact(found, "cdn-behaviour", where, cell, want, dist.where("DistributionConfig behaviours"))
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
        if "VpcOriginConfig" in origin:  # CloudFront reaches a load balancer inside the VPC by this name
            vpc_origin = assembly.resolve(dist.stack, origin["VpcOriginConfig"].get("VpcOriginId"))
            arn = ((vpc_origin.props if vpc_origin else {}).get("VpcOriginEndpointConfig") or {}).get("Arn")
            endpoint = assembly.resolve(vpc_origin.stack, arn) if vpc_origin else None
            reached = (
                "ALB "
                if endpoint is not None and endpoint.props.get("Type", "application") == "application"
                else ""
            )
            # a domain CloudFront checks in TLS is a literal; a token (the ALB's own DNS name) is not shown
            domain = origin.get("DomainName") if isinstance(origin.get("DomainName"), str) else ""
            owner = endpoint.owner if endpoint else ""
            return f"{reached}{owner} via VPC origin {domain}".replace("  ", " ").strip()
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
