"""AWS Services Matrix: each row's count is the number of resources of that service (of the engine, queue type
or load balancer kind its label names) in the environment of the Count column; every service counted is shown."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.common import tables
from tests.doccheck.edge import lb_kind, names_kind
from tests.doccheck.markdown import Doc
from tests.doccheck.rds import dbs, names_engine
from tests.doccheck.report import Result
from tests.doccheck.values import first_number

# AWS service label word -> the resource type whose count the matrix row gives (first match wins).
MATRIX = (
    ("fargate", "AWS::ECS::Service"),
    ("cloudfront", "AWS::CloudFront::Distribution"),
    ("rds", "AWS::RDS::DBInstance"),
    ("aurora", "AWS::RDS::DBInstance"),
    ("elasticache", "AWS::ElastiCache::ReplicationGroup"),
    ("sqs", "AWS::SQS::Queue"),
    ("secrets manager", "AWS::SecretsManager::Secret"),
    ("load balancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
    ("sns", "AWS::SNS::Topic"),
    ("cloudwatch alarms", "AWS::CloudWatch::Alarm"),
    ("backup", "AWS::Backup::BackupPlan"),
    ("budgets", "AWS::Budgets::Budget"),
)


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    kinds = {kind for _, kind in MATRIX}
    needed = any(st.resources(*kinds) for st in assembly.stages.values())
    for table in tables(
        doc, result, "AWS Services Matrix", ("aws service", "count"), needed=needed, region="matrix"
    ):
        count_col = table.column("count") or ""
        m = re.search(r"\((.*?)\)", count_col)
        env = m.group(1) if m else ""
        stage = assembly.stages.get(env)
        if not result.fact(
            stage is not None,
            "matrix-env",
            "AWS Services Matrix",
            count_col,
            list(assembly.stages),
            "manifest.json",
        ):
            continue
        assert stage is not None
        _table(result, table.rows, table.column("aws service") or "", count_col, stage, assembly)
    return result


def _table(
    result: Result,
    rows: list[dict[str, str]],
    label_col: str,
    count_col: str,
    stage: Stage,
    assembly: Assembly,
) -> None:
    totals: dict[str, float] = {}
    replica_rows = any("replica" in row[label_col].lower() for row in rows)
    for row in rows:
        label = row[label_col]
        kind = next((t for word, t in MATRIX if word in label.lower()), None)
        shown = first_number(row[count_col]) or 0
        where = f"AWS Services Matrix / {label} ({stage.name})"
        if "alarm" in label.lower():
            alarms = stage.resources("AWS::CloudWatch::Alarm")
            result.fact(
                bool(alarms), "matrix-alarms", where, label, f"{len(alarms)} CloudWatch alarms", stage.name
            )
        if kind is None:
            continue
        totals[kind] = totals.get(kind, 0) + shown
        if kind == "AWS::RDS::DBInstance":
            engines = sorted(
                {d.engine for d in dbs(assembly) if d.res.stack.stage == stage.name and not d.is_cluster}
            )
            result.fact(
                bool(re.search(r"mysql|postgres|mariadb|oracle|sql server|db2", label, re.I)),
                "matrix-engine",
                where,
                label,
                ", ".join(engines),
                "Engine (a read replica's is its primary's)",
            )
        narrower = _filter(label, kind, assembly, replica_rows)
        if narrower is not None:
            want = len([r for r in stage.resources(kind) if narrower(r)])
            result.equal("matrix-count", where, shown, want, f"{stage.name}: {kind} of this kind")
    for kind, shown in totals.items():
        result.equal(
            "matrix-count",
            f"AWS Services Matrix / {kind} ({stage.name})",
            shown,
            len(stage.resources(kind)),
            f"{stage.name}: {kind} count",
        )
    for word, kind in MATRIX:
        if stage.resources(kind) and kind not in totals:
            result.fact(
                False,
                "matrix-missing-row",
                f"AWS Services Matrix / {word}",
                "no row",
                len(stage.resources(kind)),
                f"{stage.name}: {kind}",
            )
            totals[kind] = 0


def _filter(
    label: str, kind: str, assembly: Assembly, replica_rows: bool
) -> Callable[[Resource], bool] | None:
    """A label naming an engine, a queue type or a load balancer kind counts only those; when the table has rows
    for read replicas, a database row counts replicas or primaries as its label says."""
    lower = label.lower()
    if kind == "AWS::RDS::DBInstance" and re.search(r"mysql|postgres|mariadb|oracle|sql server", lower):
        found = {id(d.res): d for d in dbs(assembly)}
        engine_line = re.sub(r"(?i)\brds\b|\(?read replicas?\)?", "", label)

        def counted(r: Resource) -> bool:
            db = found.get(id(r))
            if db is None or not names_engine(engine_line, db.engine):
                return False
            return not replica_rows or db.is_replica == ("replica" in lower)

        return counted
    if kind == "AWS::SQS::Queue" and re.search(r"\b(fifo|standard)\b", lower):
        fifo = "fifo" in lower
        return lambda r: bool(r.props.get("FifoQueue")) == fifo
    if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" and re.search(
        r"application|network|gateway", lower
    ):
        return lambda r: bool(names_kind(label, lb_kind(r)))
    return None
