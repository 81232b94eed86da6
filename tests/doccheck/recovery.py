"""Disaster Recovery: recovery objectives per database and cache, AWS Backup plans and copies, and the DR prose."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource, refs
from tests.doccheck.common import component_name, each_row, key, pair, tables
from tests.doccheck.data import nodes, replicas_of
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import days, first_number, flatten, numbers, regions, yes_no


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _recovery(doc, assembly, result)
    _cache_recovery(doc, assembly, assembly.resources("AWS::ElastiCache::ReplicationGroup"), result)
    _backup_plans(doc, assembly, result)
    _dr_prose(doc, assembly, result)
    return result


def _recovery(doc: Doc, assembly: Assembly, result: Result) -> None:
    # An Aurora cluster is one database: its readers are its failover targets (and its replicas).
    primaries = [
        d
        for d in assembly.resources("AWS::RDS::DBInstance")
        if "SourceDBInstanceIdentifier" not in d.props and "DBClusterIdentifier" not in d.props
    ] + assembly.resources("AWS::RDS::DBCluster")
    tabs = tables(
        doc,
        result,
        "Disaster Recovery > Recovery objectives",
        ("database", "automated backups"),
        needed=bool(primaries),
    )
    for table in tabs:
        rows = [
            (key(env, component_name(row[t.column("database") or ""])), (t, row))
            for t, row, env in each_row([table], assembly.stages)
        ]
        for (t, row), db in pair(
            result, "recovery", table.where(), rows, [(key(d.stack.stage, d.owner), d) for d in primaries]
        ):
            where = f"{t.where()} / {db.stack.stage} / {db.owner}"
            readers = len(cluster_instances(db)) - 1 if db.type == "AWS::RDS::DBCluster" else None
            if t.column("multi"):
                result.equal(
                    "recovery-multi-az",
                    where,
                    yes_no(row[t.column("multi") or ""]),
                    bool(db.props.get("MultiAZ")) if readers is None else readers >= 1,
                    db.where("MultiAZ") if readers is None else "Aurora instances of the cluster",
                )
            result.equal(
                "recovery-backups",
                where,
                days(row[t.column("automated backups") or ""]),
                float(db.props.get("BackupRetentionPeriod", 1)),
                db.where("BackupRetentionPeriod"),
            )
            if t.column("replica"):
                result.equal(
                    "recovery-replicas",
                    where,
                    first_number(row[t.column("replica") or ""]),
                    len(replicas_of(db, assembly)) if readers is None else readers,
                    "DBInstances with SourceDBInstanceIdentifier",
                )


def cluster_instances(cluster: Resource) -> list[Resource]:
    return [
        r
        for r in cluster.stack.resources.values()
        if r.type == "AWS::RDS::DBInstance" and cluster.logical_id in refs(r.props.get("DBClusterIdentifier"))
    ]


def _cache_recovery(doc: Doc, assembly: Assembly, groups: list[Resource], result: Result) -> None:
    tabs = tables(
        doc,
        result,
        "Disaster Recovery > caches",
        ("data store", "replicas"),
        needed=bool(groups),
        region="dr",
    )
    rows = [
        (
            key(env, component_name(re.sub(r"(?i)elasticache", "", row[t.column("data store") or ""]))),
            (t, row),
        )
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    for (table, row), g in pair(
        result,
        "cache-recovery",
        "Disaster Recovery > caches",
        rows,
        [(key(g.stack.stage, g.owner), g) for g in groups],
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
    rows = [
        (key(env, row[t.column("plan") or ""], row.get(t.column("rule") or "", "")), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = []
    for plan in plans:
        body = plan.props.get("BackupPlan", {})
        for rule in body.get("BackupPlanRule", []):
            rule_name = str(rule.get("RuleName", "")) if tabs and tabs[0].column("rule") else ""
            things.append(
                (key(plan.stack.stage, str(body.get("BackupPlanName")), rule_name), PlanRule(plan, rule))
            )
    for (table, row), found in pair(result, "backup-plan", "Disaster Recovery > Backup plans", rows, things):
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
            dbs = assembly.resources("AWS::RDS::DBInstance")
            result.fact(
                bool(dbs), "prose-dr-rds", where, text, f"{len(dbs)} RDS instances", "AWS::RDS::DBInstance"
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
