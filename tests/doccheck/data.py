"""Data: RDS instances and replicas, ElastiCache, SQS queues, S3 buckets, and the Disaster Recovery section."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource, refs
from tests.doccheck.common import component_name, each_row, key, pair, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import contains, days, first_number, flatten, numbers, regions, yes_no

DAY = 86400


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _rds(doc, assembly, result)
    _recovery(doc, assembly, result)
    _caches(doc, assembly, result)
    _queues(doc, assembly, result)
    _buckets(doc, assembly, result)
    _backup_plans(doc, assembly, result)
    _dr_prose(doc, assembly, result)
    return result


def source_of(replica: Resource, assembly: Assembly) -> Resource | None:
    """The primary a read replica's SourceDBInstanceIdentifier points at."""
    ids = refs(replica.props.get("SourceDBInstanceIdentifier"))
    return next((replica.stack.resources[i] for i in ids if i in replica.stack.resources), None)


def replicas_of(primary: Resource, assembly: Assembly) -> list[Resource]:
    return [
        r
        for r in primary.stack.resources.values()
        if r.type == "AWS::RDS::DBInstance" and source_of(r, assembly) is primary
    ]


def _db_key(row: dict[str, str], column: str, env: str) -> tuple[str, ...]:
    return key(env, component_name(row[column]), "replica" if "replica" in row[column].lower() else "primary")


def _rds(doc: Doc, assembly: Assembly, result: Result) -> None:
    instances = assembly.resources("AWS::RDS::DBInstance")
    tabs = tables(doc, result, "Database > RDS", ("database", "engine", "class"), needed=bool(instances))
    rows = [
        (_db_key(row, t.column("database") or "", env), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [
        (
            key(
                db.stack.stage, db.owner, "replica" if "SourceDBInstanceIdentifier" in db.props else "primary"
            ),
            db,
        )
        for db in instances
    ]
    for (table, row), db in pair(result, "rds", "Database > RDS", rows, things):
        primary = source_of(db, assembly) if "SourceDBInstanceIdentifier" in db.props else db
        base = primary.props if primary else {}
        where = f"Database > RDS / {db.stack.stage} / {row[table.column('database') or '']}"
        engine = row[table.column("engine") or ""]
        want = f"{base.get('Engine')} {base.get('EngineVersion')}"
        result.fact(
            contains(engine, str(base.get("Engine"))) and str(base.get("EngineVersion")) in engine,
            "rds-engine",
            where,
            engine,
            want,
            (primary or db).where("Engine, EngineVersion"),
        )
        result.equal(
            "rds-class",
            where,
            row[table.column("class") or ""],
            db.props.get("DBInstanceClass"),
            db.where("DBInstanceClass"),
        )
        if table.column("multi"):
            result.equal(
                "rds-multi-az",
                where,
                yes_no(row[table.column("multi") or ""]),
                bool(db.props.get("MultiAZ")),
                db.where("MultiAZ"),
            )
        if table.column("storage"):
            _storage(result, where, row[table.column("storage") or ""], db, base, primary)
        if table.column("encrypt"):
            result.equal(
                "rds-encrypted",
                where,
                yes_no(row[table.column("encrypt") or ""]),
                bool(base.get("StorageEncrypted")),
                (primary or db).where("StorageEncrypted")
                + (" (inherited by the replica)" if primary is not db else ""),
            )
        if table.column("backup") and primary is db:
            result.equal(
                "rds-backups",
                where,
                days(row[table.column("backup") or ""]),
                float(db.props.get("BackupRetentionPeriod", 1)),
                db.where("BackupRetentionPeriod"),
            )
        if table.column("deletion"):
            result.equal(
                "rds-deletion-protection",
                where,
                yes_no(row[table.column("deletion") or ""]),
                bool(db.props.get("DeletionProtection")),
                db.where("DeletionProtection"),
            )
        if table.column("replica") and primary is db:
            result.equal(
                "rds-replicas",
                where,
                first_number(row[table.column("replica") or ""]),
                len(replicas_of(db, assembly)),
                "DBInstances with SourceDBInstanceIdentifier -> " + db.logical_id,
            )


def _storage(
    result: Result, where: str, cell: str, db: Resource, base: dict, primary: Resource | None
) -> None:  # type: ignore[type-arg]
    """`20→50 GB gp3`: allocated (a replica has its primary's), the autoscaling ceiling if any, the type."""
    allocated = float(db.props.get("AllocatedStorage", base.get("AllocatedStorage", 0)))
    want = [allocated] + (
        [float(db.props["MaxAllocatedStorage"])] if "MaxAllocatedStorage" in db.props else []
    )
    source = db.where("AllocatedStorage, MaxAllocatedStorage") + (
        ""
        if "AllocatedStorage" in db.props
        else f" (from the primary {primary.logical_id if primary else '?'})"
    )
    shown = numbers(cell)
    if len(want) == 1 and shown == want * 2:  # `20→20 GB`: a ceiling equal to the size is no autoscaling
        shown = want
    result.equal("rds-storage", where, shown, want, source)
    kind = db.props.get("StorageType", "gp2")
    result.fact(kind in cell, "rds-storage-type", where, cell, kind, db.where("StorageType"))


def _recovery(doc: Doc, assembly: Assembly, result: Result) -> None:
    primaries = [
        d for d in assembly.resources("AWS::RDS::DBInstance") if "SourceDBInstanceIdentifier" not in d.props
    ]
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
            if t.column("multi"):
                result.equal(
                    "recovery-multi-az",
                    where,
                    yes_no(row[t.column("multi") or ""]),
                    bool(db.props.get("MultiAZ")),
                    db.where("MultiAZ"),
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
                    len(replicas_of(db, assembly)),
                    "DBInstances with SourceDBInstanceIdentifier",
                )


def nodes(group: Resource) -> int:
    p = group.props
    if "NumCacheClusters" in p:
        return int(p["NumCacheClusters"])
    return int(p.get("NumNodeGroups", 1)) * (1 + int(p.get("ReplicasPerNodeGroup", 0)))


def _caches(doc: Doc, assembly: Assembly, result: Result) -> None:
    groups = assembly.resources("AWS::ElastiCache::ReplicationGroup")
    tabs = tables(doc, result, "Database > ElastiCache", ("cache", "node type"), needed=bool(groups))
    rows = [
        (key(env, component_name(row[t.column("cache") or ""])), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    for (table, row), g in pair(
        result, "cache", "Database > ElastiCache", rows, [(key(g.stack.stage, g.owner), g) for g in groups]
    ):
        p = g.props
        where = f"Database > ElastiCache / {g.stack.stage} / {g.owner}"
        flags = (
            (
                "failover",
                "cache-failover",
                bool(p.get("AutomaticFailoverEnabled")),
                "AutomaticFailoverEnabled",
            ),
            ("multi", "cache-multi-az", bool(p.get("MultiAZEnabled")), "MultiAZEnabled"),
            ("tls", "cache-tls", bool(p.get("TransitEncryptionEnabled")), "TransitEncryptionEnabled"),
            ("at rest", "cache-at-rest", bool(p.get("AtRestEncryptionEnabled")), "AtRestEncryptionEnabled"),
            ("auth", "cache-auth", "resolve:secretsmanager" in flatten(p.get("AuthToken", "")), "AuthToken"),
        )
        for word, kind, want, prop in flags:
            if table.column(word):
                result.equal(kind, where, yes_no(row[table.column(word) or ""]), want, g.where(prop))
        result.equal(
            "cache-node-type",
            where,
            row[table.column("node type") or ""],
            p.get("CacheNodeType"),
            g.where("CacheNodeType"),
        )
        if table.column("nodes"):
            result.equal(
                "cache-nodes",
                where,
                first_number(row[table.column("nodes") or ""]),
                nodes(g),
                g.where("NumCacheClusters"),
            )
        if table.column("engine"):
            cell = row[table.column("engine") or ""]
            result.fact(
                contains(cell, str(p.get("Engine"))) and str(p.get("EngineVersion")) in cell,
                "cache-engine",
                where,
                cell,
                f"{p.get('Engine')} {p.get('EngineVersion')}",
                g.where("Engine"),
            )
        if table.column("snapshot"):
            result.equal(
                "cache-snapshots",
                where,
                days(row[table.column("snapshot") or ""]) or 0.0,
                float(p.get("SnapshotRetentionLimit", 0)),
                g.where("SnapshotRetentionLimit"),
            )
    _cache_recovery(doc, assembly, groups, result)


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


def dead_letter_queues(assembly: Assembly) -> set[int]:
    out = set()
    for q in assembly.resources("AWS::SQS::Queue"):
        target = assembly.resolve(q.stack, q.props.get("RedrivePolicy", {}).get("deadLetterTargetArn"))
        if target is not None:
            out.add(id(target))
    return out


def _queues(doc: Doc, assembly: Assembly, result: Result) -> None:
    queues = assembly.resources("AWS::SQS::Queue")
    dlqs = dead_letter_queues(assembly)
    tabs = tables(doc, result, "Database > Queues", ("queue", "retention"), needed=bool(queues))

    def role(row: dict[str, str], t: object) -> str:
        return "dlq" if re.search(r"dead.letter|\bdlq\b", " ".join(row.values()), re.I) else "queue"

    rows = [
        (key(env, component_name(row[t.column("queue") or ""]), role(row, t)), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [(key(q.stack.stage, q.owner, "dlq" if id(q) in dlqs else "queue"), q) for q in queues]
    for (table, row), q in pair(result, "queue", "Database > Queues", rows, things):
        p = q.props
        where = f"Database > Queues / {q.stack.stage} / {q.owner} ({'dead-letter queue' if id(q) in dlqs else 'queue'})"
        text = " ".join(row.values())
        result.equal(
            "queue-fifo",
            where,
            bool(re.search(r"\bfifo\b", text, re.I)),
            bool(p.get("FifoQueue")),
            q.where("FifoQueue"),
        )
        _number_or_dash(
            result,
            "queue-visibility",
            where,
            row.get(table.column("visibility") or "", "-"),
            p.get("VisibilityTimeout"),
            30,
            q.where("VisibilityTimeout"),
        )
        shown = days(row[table.column("retention") or ""])
        if shown is not None:
            result.equal(
                "queue-retention",
                where,
                shown * DAY,
                float(p.get("MessageRetentionPeriod", 4 * DAY)),
                q.where("MessageRetentionPeriod"),
            )
        redrive = p.get("RedrivePolicy", {})
        _number_or_dash(
            result,
            "queue-max-receives",
            where,
            row.get(table.column("receive") or "", "-"),
            redrive.get("maxReceiveCount"),
            None,
            q.where("RedrivePolicy.maxReceiveCount"),
        )
        if table.column("sse"):
            sse = bool(p.get("SqsManagedSseEnabled") or p.get("KmsMasterKeyId"))
            result.equal(
                "queue-sse",
                where,
                yes_no(row[table.column("sse") or ""]),
                sse,
                q.where("SqsManagedSseEnabled/KmsMasterKeyId"),
            )


def _number_or_dash(
    result: Result, kind: str, where: str, cell: str, value: object, default: float | None, source: str
) -> None:
    """A cell may leave out a property the template does not set; a number shown must be the real one."""
    shown = first_number(cell)
    if value is None and shown is None:
        result.facts += 1
        return
    want = float(value) if value is not None else default  # type: ignore[arg-type]
    result.equal(kind, where, shown, want, source)


def bucket_name(bucket: Resource) -> str:
    parts = [p for p in bucket.path.split("/") if p and p != "Resource"]
    return parts[-1] if parts else bucket.logical_id


def _buckets(doc: Doc, assembly: Assembly, result: Result) -> None:
    buckets = assembly.resources("AWS::S3::Bucket")
    tabs = tables(doc, result, "Storage", ("bucket", "encryption"), needed=bool(buckets), region="storage")
    rows = [
        (key(env, row[t.column("owner") or ""], row[t.column("bucket") or ""]), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [(key(b.stack.stage, b.owner, bucket_name(b)), b) for b in buckets]
    for (table, row), b in pair(result, "bucket", "Storage", rows, things):
        p = b.props
        where = f"Storage / {b.stack.stage} / {b.owner}/{bucket_name(b)}"
        sse = [
            r.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
            for r in p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        ]
        result.equal(
            "bucket-encryption",
            where,
            row[table.column("encryption") or ""],
            ", ".join(str(s) for s in sse) or "none",
            b.where("BucketEncryption"),
        )
        if table.column("version"):
            on = p.get("VersioningConfiguration", {}).get("Status") == "Enabled"
            result.equal(
                "bucket-versioned",
                where,
                yes_no(row[table.column("version") or ""]),
                on,
                b.where("VersioningConfiguration"),
            )
        if table.column("expir"):
            rules = [
                r
                for r in p.get("LifecycleConfiguration", {}).get("Rules", [])
                if r.get("Status") == "Enabled" and "ExpirationInDays" in r
            ]
            want = float(rules[0]["ExpirationInDays"]) if rules else None
            result.equal(
                "bucket-expiry",
                where,
                days(row[table.column("expir") or ""]),
                want,
                b.where("LifecycleConfiguration"),
            )
        if table.column("public"):
            block = p.get("PublicAccessBlockConfiguration", {})
            full = all(
                block.get(k)
                for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
            )
            result.equal(
                "bucket-public-block",
                where,
                yes_no(row[table.column("public") or ""]),
                full,
                b.where("PublicAccessBlockConfiguration"),
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
