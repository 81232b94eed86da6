"""Data: RDS instances and read replicas, ElastiCache, SQS queues and dead-letter queues, S3 buckets (Storage)."""

from __future__ import annotations

import re

from tests.doccheck.assembly import Assembly, Resource, refs
from tests.doccheck.common import compare_cells, component_name, each_row, key, pair, tables
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.report import Result
from tests.doccheck.values import contains, days, first_number, flatten, numbers, yes_no

DAY = 86400


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _rds(doc, assembly, result)
    _caches(doc, assembly, result)
    _queues(doc, assembly, result)
    _buckets(doc, assembly, result)
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
    # An Aurora cluster's instances are described with their cluster (tests/doccheck/blocks.py).
    instances = [
        d for d in assembly.resources("AWS::RDS::DBInstance") if "DBClusterIdentifier" not in d.props
    ]
    tabs = tables(doc, result, "Database > RDS", ("database", "engine", "class"), needed=bool(instances))
    rows = [
        (_db_key(row, t.column("database") or "", env), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [(key(db.stack.stage, db.owner, _role(db)), db) for db in instances]
    for (table, row), db in pair(result, "rds", "Database > RDS", rows, things):
        _rds_row(result, table, row, db, assembly)


def _role(db: Resource) -> str:
    return "replica" if "SourceDBInstanceIdentifier" in db.props else "primary"


def _rds_row(result: Result, table: Table, row: dict[str, str], db: Resource, assembly: Assembly) -> None:
    """One instance; a read replica inherits engine, storage size and encryption from its primary."""
    primary = source_of(db, assembly) if _role(db) == "replica" else db
    base = primary.props if primary else {}
    origin = primary or db
    where = f"Database > RDS / {db.stack.stage} / {row[table.column('database') or '']}"
    engine = row[table.column("engine") or ""]
    result.fact(
        contains(engine, str(base.get("Engine"))) and str(base.get("EngineVersion")) in engine,
        "rds-engine",
        where,
        engine,
        f"{base.get('Engine')} {base.get('EngineVersion')}",
        origin.where("Engine, EngineVersion"),
    )
    p = db.props
    checks = [
        ("class", "rds-class", str, p.get("DBInstanceClass"), db.where("DBInstanceClass")),
        ("multi", "rds-multi-az", yes_no, bool(p.get("MultiAZ")), db.where("MultiAZ")),
        (
            "encrypt",
            "rds-encrypted",
            yes_no,
            bool(base.get("StorageEncrypted")),
            origin.where("StorageEncrypted"),
        ),
        (
            "deletion",
            "rds-deletion-protection",
            yes_no,
            bool(p.get("DeletionProtection")),
            db.where("DeletionProtection"),
        ),
    ]
    if primary is db:
        replicas = len(replicas_of(db, assembly))
        checks += [
            (
                "backup",
                "rds-backups",
                days,
                float(p.get("BackupRetentionPeriod", 1)),
                db.where("BackupRetentionPeriod"),
            ),
            ("replica", "rds-replicas", first_number, replicas, f"DBInstances replicating {db.logical_id}"),
        ]
    compare_cells(result, table, row, where, checks)
    if table.column("storage"):
        _storage(result, where, row[table.column("storage") or ""], db, base, primary)


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
                cell = row[table.column(word) or ""]
                shown = "secrets manager" in cell.lower() if word == "auth" else yes_no(cell)
                result.equal(kind, where, shown, want, g.where(prop))
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
