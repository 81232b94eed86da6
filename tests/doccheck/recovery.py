"""Disaster Recovery: recovery objectives per database and cache, AWS Backup plans and copies, and the DR prose."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import Row, component_name, each_row, match, named, tables
from tests.doccheck.data import nodes
from tests.doccheck.markdown import Doc
from tests.doccheck.rds import Db, dbs, excused, multi_az, replicas
from tests.doccheck.report import Result
from tests.doccheck.values import days, first_number, flatten, numbers, regions, words, yes_no


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _recovery(doc, assembly, result)
    _cache_recovery(doc, assembly, assembly.resources("AWS::ElastiCache::ReplicationGroup"), result)
    _backup_plans(doc, assembly, result)
    _dr_prose(doc, assembly, result)
    return result


def _recovery(doc: Doc, assembly: Assembly, result: Result) -> None:
    every = dbs(assembly)
    # One row per database: an RDS primary, or an Aurora cluster (its instances share its backups).
    primaries = [d for d in every if not d.is_replica and (d.is_cluster or d.cluster is None)]
    tabs = tables(
        doc,
        result,
        "Disaster Recovery > Recovery objectives",
        ("database", "automated backups"),
        needed=bool(primaries),
    )

    def compare(res: Result, row: Row, db: Db) -> None:
        t, cells, _ = row
        where = f"{t.where()} / {db.res.stack.stage} / {cells[t.column('database') or '']}"
        if t.column("multi"):
            res.equal(
                "recovery-multi-az",
                where,
                yes_no(cells[t.column("multi") or ""]),
                multi_az(db, every),
                db.where("MultiAZ / cluster instances"),
            )
        res.equal(
            "recovery-backups",
            where,
            days(cells[t.column("automated backups") or ""]),
            float(db.base.props.get("BackupRetentionPeriod", 1)),
            db.base.where("BackupRetentionPeriod"),
        )
        if t.column("replica"):
            res.equal(
                "recovery-replicas",
                where,
                first_number(cells[t.column("replica") or ""]),
                replicas(db, every),
                "read replicas / other instances of the cluster",
            )

    for table in tabs:
        rows = list(each_row([table], assembly.stages))
        match(
            result,
            "recovery",
            table.where(),
            rows,
            primaries,
            lambda r, d: named(r, "database", d.res),
            compare,
            lambda d, paired: excused(d, paired, every),
        )


def _cache_recovery(doc: Doc, assembly: Assembly, groups: list[Resource], result: Result) -> None:
    tabs = tables(
        doc,
        result,
        "Disaster Recovery > caches",
        ("data store", "replicas"),
        needed=bool(groups),
        region="dr",
    )

    def fits(row: Row, g: Resource) -> bool:
        table, cells, env = row
        label = re.sub(r"(?i)elasticache", "", cells[table.column("data store") or ""])
        return env == g.stack.stage and g.named(component_name(label))

    rows = list(each_row(tabs, assembly.stages))
    for (table, row, _), g in match(
        result, "cache-recovery", "Disaster Recovery > caches", rows, groups, fits
    ):
        where = f"Disaster Recovery > caches / {g.stack.stage} / {g.owner}"
        result.equal(
            "cache-recovery-replicas",
            where,
            first_number(row[table.column("replicas") or ""]),
            nodes(g) - 1,
            g.where("NumCacheClusters - 1"),
        )
        if table.column("multi"):
            result.equal(
                "cache-recovery-multi-az",
                where,
                yes_no(row[table.column("multi") or ""]),
                bool(g.props.get("MultiAZEnabled")),
                g.where("MultiAZEnabled"),
            )
        if table.column("backups"):
            result.equal(
                "cache-recovery-snapshots",
                where,
                days(row[table.column("backups") or ""]) or 0.0,
                float(g.props.get("SnapshotRetentionLimit", 0)),
                g.where("SnapshotRetentionLimit"),
            )


def _backup_plans(doc: Doc, assembly: Assembly, result: Result) -> None:
    plans = assembly.resources("AWS::Backup::BackupPlan")
    tabs = tables(doc, result, "Disaster Recovery > Backup plans", ("plan", "schedule"), needed=bool(plans))
    things = [
        PlanRule(plan, rule)
        for plan in plans
        for rule in plan.props.get("BackupPlan", {}).get("BackupPlanRule", [])
    ]

    def fits(row: Row, found: PlanRule) -> bool:
        table, cells, env = row
        name = str(found.plan.props.get("BackupPlan", {}).get("BackupPlanName", ""))
        label = cells[table.column("plan") or ""]
        rule = cells.get(table.column("rule") or "\0")
        return (
            env == found.plan.stack.stage
            and (words(label) == words(name) or found.plan.named(label))
            and (rule is None or words(rule) == words(str(found.rule.get("RuleName", ""))))
        )

    rows = list(each_row(tabs, assembly.stages))
    for (table, row, _), found in match(
        result, "backup-plan", "Disaster Recovery > Backup plans", rows, things, fits
    ):
        plan, rule = found.plan, found.rule
        where = f"Disaster Recovery > Backup plans / {plan.stack.stage} / {row[table.column('plan') or '']}"
        result.equal(
            "backup-schedule",
            where,
            row[table.column("schedule") or ""].strip("`"),
            rule.get("ScheduleExpression"),
            plan.where("ScheduleExpression"),
        )
        if table.column("retention"):
            result.equal(
                "backup-retention",
                where,
                days(row[table.column("retention") or ""]),
                float(rule.get("Lifecycle", {}).get("DeleteAfterDays", 0)) or None,
                plan.where("Lifecycle.DeleteAfterDays"),
            )
        if table.column("copy"):
            _copy(result, where, row[table.column("copy") or ""], plan, rule, assembly)


@dataclass
class PlanRule:
    plan: Resource
    rule: dict  # type: ignore[type-arg]

    @property
    def source(self) -> str:
        return self.plan.where("BackupPlanRule")

    @property
    def name(self) -> str:
        return f"{self.plan.stack.stage} / {self.plan.title} / {self.rule.get('RuleName')}"


def _copy(result: Result, where: str, cell: str, plan: Resource, rule: dict, assembly: Assembly) -> None:  # type: ignore[type-arg]
    actions = rule.get("CopyActions", [])
    want = [r for a in actions for r in regions(flatten(a.get("DestinationBackupVaultArn")))]
    ok = regions(cell) == want and (bool(want) or yes_no(cell) is not True)
    source = plan.where("CopyActions.DestinationBackupVaultArn")
    result.fact(ok, "backup-copy-region", where, cell, ", ".join(want) or "none", source)
    for action in actions:
        keep = action.get("Lifecycle", {}).get("DeleteAfterDays")
        if keep is not None and numbers(cell):
            result.equal(
                "backup-copy-retention",
                where,
                days(re.sub(r"^\D*?[a-z]{2}-[a-z]+-\d", "", cell)),
                float(keep),
                plan.where("CopyActions.Lifecycle"),
            )
        vault = flatten(action.get("DestinationBackupVaultArn")).rsplit(":", 1)[-1]
        copies = [
            v
            for v in assembly.resources("AWS::Backup::BackupVault")
            if v.props.get("BackupVaultName") == vault
        ]
        result.fact(
            bool(copies),
            "backup-copy-vault",
            where,
            cell,
            f"vault {vault} in the assembly",
            plan.where("CopyActions"),
        )


def _dr_prose(doc: Doc, assembly: Assembly, result: Result) -> None:
    for region, text, line, _ in doc.paragraphs:
        if region != "dr":
            continue
        where = f"Disaster Recovery (line {line})"
        lower = text.lower()
        if "point-in-time recovery covers rds" in lower:
            found = assembly.resources("AWS::RDS::DBInstance")
            result.fact(
                bool(found),
                "prose-dr-rds",
                where,
                text,
                f"{len(found)} RDS instances",
                "AWS::RDS::DBInstance",
            )
        if "static sites' buckets are versioned" in lower:
            sites = _origin_buckets(assembly)
            ok = bool(sites) and all(
                b.props.get("VersioningConfiguration", {}).get("Status") == "Enabled" for b in sites
            )
            result.fact(
                ok,
                "prose-dr-sites",
                where,
                text,
                f"{len(sites)} origin buckets",
                "CloudFront S3 origins' VersioningConfiguration",
            )
        if "redis" in lower:
            caches = assembly.resources("AWS::ElastiCache::ReplicationGroup")
            result.fact(
                bool(caches),
                "prose-dr-redis",
                where,
                text,
                f"{len(caches)} replication groups",
                "AWS::ElastiCache::ReplicationGroup",
            )


def _origin_buckets(assembly: Assembly) -> list[Resource]:
    out = []
    for dist in assembly.resources("AWS::CloudFront::Distribution"):
        for origin in dist.props.get("DistributionConfig", {}).get("Origins", []):
            target = assembly.resolve(dist.stack, origin.get("DomainName"))
            if target is not None and target.type == "AWS::S3::Bucket":
                out.append(target)
    return out
