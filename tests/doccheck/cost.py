"""Cost Management, for structure only (prices come from data files): every environment has a total that its
rows add up to, every AWS service the templates use is priced, free or listed as unpriced, and the usage
overrides the stacks carry (Observability template metadata `CostUsage`) are the figures shown."""

from __future__ import annotations

import re
from pathlib import Path

from tests.doccheck.assembly import Assembly, Stage
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.report import Result
from tests.doccheck.values import first_number, numbers, same_number, words

# Resource type -> a word the AWS-service row (or the "no charge" list) that prices it contains.
PRICED = {
    "AWS::ECS::Service": "fargate",
    "AWS::RDS::DBInstance": "rds",
    "AWS::ElastiCache::ReplicationGroup": "elasticache",
    "AWS::EC2::NatGateway": "nat",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "load balancer",
    "AWS::SecretsManager::Secret": "secrets manager",
    "AWS::CloudWatch::Alarm": "alarm",
    "AWS::Logs::LogGroup": "logs",
    "AWS::KMS::Key": "kms",
    "AWS::S3::Bucket": "s3",
    "AWS::SQS::Queue": "sqs",
    "AWS::CloudFront::Distribution": "cloudfront",
    "AWS::Backup::BackupPlan": "backup",
    "AWS::EC2::EIP": "ipv4",
    "AWS::EC2::FlowLog": "flow log",
    "AWS::SNS::Topic": "sns",
    "AWS::Budgets::Budget": "budgets",
    "AWS::CloudWatch::Dashboard": "dashboards",
    "AWS::ECR::Repository": "ecr",
    "AWS::XRay::SamplingRule": "xray",
}


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    for stage in assembly.stages.values():
        _environment(doc, stage, result)
    _usage(doc, assembly, result)
    _budgets(doc, assembly, result)
    return result


def _section_tables(doc: Doc, name: str) -> list[Table]:
    return [t for t in doc.tables if t.region == "cost" and _section_env(t.headings) == name]


def _section_env(headings: tuple[str, ...]) -> str:
    """`staging: 130.76 USD/month expected (...)` -> `staging`."""
    return headings[-1].split(":", 1)[0].strip() if headings and ":" in headings[-1] else ""


def _environment(doc: Doc, stage: Stage, result: Result) -> None:
    where = f"Cost Management / {stage.name}"
    heading = next((t.headings[-1] for t in _section_tables(doc, stage.name)), None)
    if not result.fact(
        heading is not None, "cost-missing-section", where, "no section", stage.name, "manifest.json"
    ):
        return
    assert heading is not None
    total = first_number(heading.split(":", 1)[-1])
    tabs = _section_tables(doc, stage.name)
    for table in tabs:
        monthly = table.column("monthly")
        if not monthly or table.column("resource"):
            continue
        values = [first_number(r[monthly]) or 0.0 for r in table.rows]
        result.fact(
            total is not None
            and same_number(sum(values), total, 0.001 + 0.01 * len(values) / max(total or 1, 1)),
            "cost-sum",
            f"{where} / {table.headers[0]} table",
            f"rows add to {sum(values):.2f}",
            f"heading total {total}",
            "doc arithmetic",
        )
        for row in table.rows:
            rng = numbers(row.get(table.column("range") or "", ""))
            if len(rng) >= 2:
                value = first_number(row[monthly]) or 0.0
                ok = rng[0] - 0.005 <= value <= rng[1] + 0.005
                result.fact(
                    ok,
                    "cost-range",
                    f"{where} / {row[table.headers[0]]}",
                    row[monthly],
                    f"within {rng[0]}–{rng[1]}",
                    "doc arithmetic",
                )
    _every_service_priced(doc, stage, tabs, result, where)
    _unpriced(stage, heading, tabs, result, where)


PRICES = Path(__file__).resolve().parents[2] / "docgen" / "data" / "prices"


def catalogue_regions() -> set[str]:
    """Regions with a price catalogue (the dated, sourced data files `docgen/data/prices/<region>.yaml`)."""
    return {p.stem for p in PRICES.glob("*.yaml")}


def _unpriced(stage: Stage, heading: str, tabs: list[Table], result: Result, where: str) -> None:
    """The unpriced resources are real, the heading counts them and says "at least"; an environment without a
    price catalogue (no region, or one with no data file) is not priced: every resource is listed unpriced."""
    rows = [r for t in tabs if t.column("resource") and t.column("type") for r in t.rows]
    table = next((t for t in tabs if t.column("resource") and t.column("type")), None)
    by_path = {(r.full_path, r.type) for r in stage.resources()}
    for row in rows:
        assert table is not None
        path, kind = (
            row[table.column("resource") or ""].strip("`"),
            row[table.column("type") or ""].strip("`"),
        )
        result.fact(
            (path, kind) in by_path,
            "cost-unpriced-row",
            f"{where} / {path}",
            kind,
            "a resource here",
            "templates",
        )
    m = re.search(r"(\d[\d,]*) resources?(?:\(s\))? unpriced", heading)
    if m:
        result.equal(
            "cost-unpriced-count",
            where,
            int(m.group(1).replace(",", "")),
            len(rows),
            "rows of its unpriced table",
        )
    if rows:
        result.fact(
            bool(re.search(r"at least|not priced", heading)),
            "cost-at-least",
            where,
            heading,
            f"a lower bound: {len(rows)} resources unpriced",
            "the unpriced table",
        )
    if not stage.primary_region or stage.primary_region not in catalogue_regions():
        region = stage.primary_region or "none (environment-agnostic)"
        result.fact(
            "not priced" in heading,
            "cost-not-priced",
            where,
            heading,
            f"not priced (region {region})",
            "manifest",
        )
        result.equal(
            "cost-not-priced-rows",
            where,
            len(rows),
            len(stage.resources()),
            "every resource of the environment",
        )


def _every_service_priced(doc: Doc, stage: Stage, tabs: list[Table], result: Result, where: str) -> None:
    aws_rows = " | ".join(
        words(r[t.headers[0]]) for t in tabs if words(t.headers[0]).startswith("aws service") for r in t.rows
    )
    unpriced = {r.get(t.column("type") or "", "") for t in tabs if t.column("resource") for r in t.rows}
    free = ""
    for region, text, _, headings in doc.paragraphs:
        if region == "cost" and text.lower().startswith("no charge") and _section_env(headings) == stage.name:
            free = words(text)
    for kind, word in PRICED.items():
        if not stage.resources(kind):
            continue
        found = word in aws_rows or word in free or kind in unpriced
        result.fact(
            found,
            "cost-service-missing",
            f"{where} / {kind}",
            "not priced, free or unpriced",
            word,
            f"{len(stage.resources(kind))} {kind}",
        )


def _usage(doc: Doc, assembly: Assembly, result: Result) -> None:
    tabs = [t for t in doc.tables_with("assumption") if t.region == "cost"]
    for stage in assembly.stages.values():
        overrides = {}
        for stack in stage.stacks:
            overrides.update(stack.template.get("Metadata", {}).get("CostUsage") or {})
        for name, value in overrides.items():
            where = f"Cost Management > Usage assumptions / {name} / {stage.name}"
            cell = next(
                (
                    r.get(t.column(stage.name) or "\0")
                    for t in tabs
                    for r in t.rows
                    if r[t.headers[0]].strip("`") == name
                ),
                None,
            )
            result.fact(
                cell is not None and same_number(first_number(cell) or -1.0, float(value)),
                "cost-usage-override",
                where,
                cell,
                value,
                f"{stage.name}/Observability template Metadata.CostUsage",
            )


def _section_text(doc: Doc, env: str) -> str:
    """The text of one environment's cost section: from `### env:` to the next `###` heading."""
    region = doc.regions.get("cost", "")
    m = re.search(rf"^### {re.escape(env)}:.*?(?=^### |\Z)", region, re.M | re.S)
    return m.group(0) if m else ""


def _budgets(doc: Doc, assembly: Assembly, result: Result) -> None:
    """A budget the templates deploy is part of cost management: its limit and thresholds are shown."""
    for budget in assembly.resources("AWS::Budgets::Budget"):
        body = budget.props.get("Budget", {})
        limit = float(body.get("BudgetLimit", {}).get("Amount", 0))
        thresholds = sorted(
            float(n.get("Notification", {}).get("Threshold", 0))
            for n in budget.props.get("NotificationsWithSubscribers", [])
        )
        text = _section_text(doc, budget.stack.stage) + "\n" + doc.regions.get("cost", "")
        where = f"Cost Management / {budget.stack.stage} / budget {body.get('BudgetName', '')}"
        name = str(body.get("BudgetName") or "budget").lower()
        found = [n for line in text.splitlines() if name in line.lower() for n in numbers(line)]
        result.fact(
            limit in found,
            "budget-limit-not-shown",
            where,
            "no such amount in the section",
            limit,
            budget.where("Budget.BudgetLimit"),
        )
        result.fact(
            all(t in found for t in thresholds),
            "budget-thresholds-not-shown",
            where,
            "not all shown",
            thresholds,
            budget.where("NotificationsWithSubscribers"),
        )
