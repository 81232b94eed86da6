"""Compliance: per environment its regions (data residency), tag coverage (only for an app that tags a
`Project`: this project's convention) and the audit trails its templates switch on."""

from __future__ import annotations

import re

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.common import each_row, tables
from tests.doccheck.context import ALL_TAGS, check_regions
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.security import _acknowledged
from tests.doccheck.values import numbers


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _compliance(doc, assembly, result)
    _packs(doc, assembly, result)
    return result


def plugin_of(rule: str) -> str:
    """The pack a rule id belongs to: what precedes `::` (a validation plugin's rules), else the last `-`."""
    head = rule.split("[", 1)[0]
    return head.split("::", 1)[0] if "::" in head else head.rsplit("-", 1)[0]


def _packs(doc: Doc, assembly: Assembly, result: Result) -> None:
    """The rule packs table: each pack of the Compliance metadata (or named by an acknowledgement) with the count
    of rules and of findings the templates acknowledge in that environment."""
    covered = _acknowledged(assembly)
    for table in doc.tables_with("rule pack", "rules acknowledged"):
        for row in table.rows:
            env, pack = row[table.column("environment") or ""], row[table.column("rule pack") or ""]
            stage = assembly.stages.get(env)
            if stage is None:
                result.fact(False, "pack-env", table.where(), env, list(assembly.stages), "manifest.json")
                continue
            plugin = _plugin_of_pack(stage, pack)
            mine = {id(r) for r in stage.resources()}
            rules = {r for (r, _), res in covered.items() if plugin_of(r) == plugin and res & mine}
            findings = sum(len(res & mine) for (r, _), res in covered.items() if plugin_of(r) == plugin)
            where = f"Compliance > rule packs / {env} / {pack}"
            result.equal(
                "pack-rules",
                where,
                numbers(row[table.column("rules acknowledged") or ""])[:1],
                [float(len(rules))],
                "resource Metadata cdk_nag",
            )
            result.equal(
                "pack-findings",
                where,
                numbers(row[table.column("findings acknowledged") or ""])[:1],
                [float(findings)],
                "resource Metadata cdk_nag",
            )


def _plugin_of_pack(stage: Stage, pack: str) -> str:
    """The plugin of a pack named in the Observability template's `Metadata.Compliance.packs` (else itself)."""
    for stack in stage.stacks:
        for p in (stack.template.get("Metadata", {}).get("Compliance") or {}).get("packs", []):
            if p.get("pack") == pack:
                return str(p.get("plugin"))
    return pack


def _compliance(doc: Doc, assembly: Assembly, result: Result) -> None:
    """Per environment: its regions, tag coverage (only for an app that tags a `Project`), audit trails."""
    projects = any("Project" in r.tags for r in assembly.resources())
    tabs = tables(
        doc, result, "Compliance", ("environment", "audit"), needed=bool(assembly.stages), region="compliance"
    )
    for table, row, env in each_row(tabs, assembly.stages):
        stage = assembly.stages.get(env)
        where = f"Compliance / {env}"
        if not result.fact(
            stage is not None, "compliance-extra-row", where, row, "no such stage", "manifest.json"
        ):
            continue
        assert stage is not None
        region_col = table.column("region")
        if region_col:
            check_regions(result, where + " / regions", row[region_col], stage)
        tags = table.column("tags")
        if not result.fact(
            bool(tags) == projects,
            "compliance-tag-column",
            where,
            f"tag column: {tags or 'none'}",
            "a Project tag on some resource" if projects else "no resource tags a Project",
            "resource tags",
        ):
            continue
        if tags:
            tagged = [r for r in stage.resources() if r.has_tags_property]
            complete = [r for r in tagged if all(t in r.tags for t in ALL_TAGS)]
            got = numbers(row[tags])
            result.equal(
                "tag-coverage",
                where,
                "/".join(str(int(n)) for n in got[:2]),
                f"{len(complete)}/{len(tagged)}",
                "resources with a tags property (Tags, BackupVaultTags, BackupPlanTags, ResourceTags...)",
            )
        audit = table.column("audit")
        if audit:
            _audit(result, where, row[audit], stage)


def _audit(result: Result, where: str, cell: str, stage: Stage) -> None:
    flow = len(stage.resources("AWS::EC2::FlowLog"))
    if m := re.search(r"flow logs\D*(\d+)", cell, re.I):
        result.equal("audit-flow-logs", where, int(m.group(1)), flow, "AWS::EC2::FlowLog count")
    dists = stage.resources("AWS::CloudFront::Distribution")
    logged = [d for d in dists if d.props.get("DistributionConfig", {}).get("Logging")]
    if m := re.search(r"CloudFront logs\D*(\d+)/(\d+)", cell, re.I):
        result.equal(
            "audit-cloudfront",
            where,
            f"{m.group(1)}/{m.group(2)}",
            f"{len(logged)}/{len(dists)}",
            "DistributionConfig.Logging",
        )
    buckets = stage.resources("AWS::S3::Bucket")
    with_logs = [b for b in buckets if b.props.get("LoggingConfiguration")]
    if m := re.search(r"S3 access logs\D*(\d+)/(\d+)", cell, re.I):
        result.equal(
            "audit-s3",
            where,
            f"{m.group(1)}/{m.group(2)}",
            f"{len(with_logs)}/{len(buckets)}",
            "AWS::S3::Bucket LoggingConfiguration",
        )
    albs = stage.resources("AWS::ElasticLoadBalancingV2::LoadBalancer")
    logged_lbs = [lb for lb in albs if access_logs_on(lb)]
    if m := re.search(r"load balancer access logs\D*(\d+)/(\d+)", cell, re.I):
        result.equal(
            "audit-lb",
            where,
            f"{m.group(1)}/{m.group(2)}",
            f"{len(logged_lbs)}/{len(albs)}",
            "LoadBalancerAttributes access_logs.s3.enabled",
        )
    if m := re.search(r"ALB access logs (on|off)", cell, re.I):
        on = any(
            a.get("Key") == "access_logs.s3.enabled" and str(a.get("Value")).lower() == "true"
            for alb in albs
            for a in alb.props.get("LoadBalancerAttributes", [])
        )
        result.equal(
            "audit-alb",
            where,
            m.group(1).lower() == "on",
            on,
            "LoadBalancerAttributes access_logs.s3.enabled",
        )


def access_logs_on(lb: Resource) -> bool:
    return any(
        a.get("Key") == "access_logs.s3.enabled" and str(a.get("Value")).lower() == "true"
        for a in lb.props.get("LoadBalancerAttributes", [])
    )
