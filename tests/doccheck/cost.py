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
    "AWS::XRay::SamplingRule": "x ray",
}


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    for stage in assembly.stages.values():
        _environment(doc, stage, result)
    _usage(doc, assembly, result)
    _budgets(doc, assembly, result)
    return result


def env_column(table: Table, env: str) -> str | None:
    """The column of one environment in a table with a column per environment (`staging (USD/month)`)."""
    return next((h for h in table.headers if h.split(" (")[0].strip() == env), None)


def _total_line(doc: Doc, env: str) -> str | None:
    """The environment's estimate: the cost region's list item `- staging: at least 130.76 USD/month ...`."""
    m = re.search(rf"^- {re.escape(env)}: (.*)$", doc.regions.get("cost", ""), re.M)
    return m.group(1) if m else None


def _environment(doc: Doc, stage: Stage, result: Result) -> None:
    where = f"Cost Management / {stage.name}"
    heading = _total_line(doc, stage.name)
    if not result.fact(
        heading is not None, "cost-missing-section", where, "no estimate line", stage.name, "manifest.json"
    ):
        return
    assert heading is not None
    total = first_number(heading)
    tabs = [t for t in doc.tables if t.region == "cost"]
    for table in tabs:
        column = env_column(table, stage.name)
        # the usage assumptions have a column per environment too; an unpriced environment has no figures
        if not column or "usd" not in column.lower() or "not priced" in heading:
            continue
        cells = [(r[table.headers[0]], r[column]) for r in table.rows if r[column].strip() not in ("-", "")]
        values = [first_number(cell) or 0.0 for _, cell in cells]
        result.fact(
            total is not None
            and same_number(sum(values), total, 0.001 + 0.01 * len(values) / max(total or 1, 1)),
            "cost-sum",
            f"{where} / {table.headers[0]} table",
            f"rows add to {sum(values):.2f}",
            f"estimate {total}",
            "doc arithmetic",
        )
        for name, cell in cells:
            rng = numbers(cell.split("(", 1)[1]) if "(" in cell else []
            if len(rng) >= 2:
                value = first_number(cell) or 0.0
                result.fact(
                    rng[0] - 0.005 <= value <= rng[1] + 0.005,
                    "cost-range",
                    f"{where} / {name}",
                    cell,
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
    unpriced_tables = [t for t in tabs if t.column("resource") and t.column("type")]
    rows = [
        r
        for t in unpriced_tables
        for r in t.rows
        if not t.column("environment") or r[t.column("environment") or ""] == stage.name
    ]
    table = next(iter(unpriced_tables), None)
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
        words(r[t.headers[0]])
        for t in tabs
        if words(t.headers[0]).startswith("aws service") and (col := env_column(t, stage.name))
        for r in t.rows
        if r[col].strip() not in ("-", "")
    )
    unpriced = {
        r.get(t.column("type") or "", "")
        for t in tabs
        if t.column("resource")
        for r in t.rows
        if not t.column("environment") or r[t.column("environment") or ""] == stage.name
    }
    free = ""
    for region, text, _, _ in doc.paragraphs:
        if region == "cost" and text.lower().startswith("no charge"):
            items = re.split(r",\s*(?![^()]*\))", text.split(":", 1)[-1].rstrip("."))
            free = " | ".join(
                words(re.sub(r"\s*\(.*\)", "", i))
                for i in items
                if "(" not in i
                or stage.name in [e.strip() for e in i.split("(", 1)[1].rstrip(")").split(",")]
            )
    for kind, word in PRICED.items():
        if not stage.resources(kind):
            continue
        found = word in aws_rows or word in free or word in free.replace(" ", "") or kind in unpriced
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


def _budgets(doc: Doc, assembly: Assembly, result: Result) -> None:
    """A budget the templates deploy is part of cost management: its limit and thresholds are shown."""
    for budget in assembly.resources("AWS::Budgets::Budget"):
        body = budget.props.get("Budget", {})
        limit = float(body.get("BudgetLimit", {}).get("Amount", 0))
        thresholds = sorted(
            float(n.get("Notification", {}).get("Threshold", 0))
            for n in budget.props.get("NotificationsWithSubscribers", [])
        )
        text = doc.regions.get("cost", "")
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
