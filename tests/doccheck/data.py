"""Data: RDS instances and read replicas, ElastiCache, SQS queues and dead-letter queues, S3 buckets (Storage)."""

from __future__ import annotations

import re

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import (
    Row,
    compare_cells,
    each_row,
    match,
    named,
    tables,
)
from tests.doccheck.markdown import Doc
from tests.doccheck.rds import Db, dbs, excused, members, multi_az, names_engine, replicas
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


def _rds(doc: Doc, assembly: Assembly, result: Result) -> None:
    every = dbs(assembly)
    if any(t.column("cluster") and t.column("capacity") for t in doc.tables):
        # The doc describes Aurora in a table of clusters of its own (checked in blocks_facts.py).
        every = [d for d in every if d.cluster is None]
    tabs = tables(doc, result, "Database > RDS", ("database", "engine", "class"), needed=bool(every))

    def fits(row: Row, db: Db) -> bool:
        cell = row[1][row[0].column("database") or ""]
        return named(row, "database", db.res) and ("replica" in cell.lower()) == db.is_replica

    def compare(res: Result, row: Row, db: Db) -> None:
        _rds_row(res, row, db, every)

    rows = list(each_row(tabs, assembly.stages))
    match(
        result,
        "rds",
        "Database > RDS",
        rows,
        every,
        fits,
        compare,
        lambda d, paired: excused(d, paired, every),
    )


def _rds_row(result: Result, row: Row, db: Db, every: list[Db]) -> None:
    """One instance or Aurora cluster: a read replica and an Aurora instance take engine, encryption and
    backups from their primary or cluster."""
    table, cells, _ = row
    where = f"Database > RDS / {db.res.stack.stage} / {cells[table.column('database') or '']}"
    engine = cells[table.column("engine") or ""]
    result.fact(
        names_engine(engine, db.engine) and db.version in engine,
        "rds-engine",
        where,
        engine,
        f"{db.engine} {db.version}",
        db.base.where("Engine, EngineVersion"),
    )
    base = db.base.props
    own = db.cluster.props if db.cluster else db.res.props
    checks = [
        ("class", "rds-class", _classes, _classes_of(db, every), db.where("DBInstanceClass")),
        ("multi", "rds-multi-az", yes_no, multi_az(db, every), db.where("MultiAZ / cluster instances")),
        (
            "encrypt",
            "rds-encrypted",
            yes_no,
            bool(base.get("StorageEncrypted")),
            db.base.where("StorageEncrypted"),
        ),
        (
            "deletion",
            "rds-deletion-protection",
            yes_no,
            bool(own.get("DeletionProtection")),
            (db.cluster or db.res).where("DeletionProtection"),
        ),
    ]
    if not db.is_replica:
        checks += [
            (
                "backup",
                "rds-backups",
                days,
                float(base.get("BackupRetentionPeriod", 1)),
                db.base.where("BackupRetentionPeriod"),
            ),
            (
                "replica",
                "rds-replicas",
                first_number,
                replicas(db, every),
                "read replicas / cluster instances",
            ),
        ]
    compare_cells(result, table, cells, where, checks)
    if table.column("storage"):
        _storage(result, where, cells[table.column("storage") or ""], db)
    capacity_units(result, where, " ".join(cells.values()), db)


def _classes(cell: str) -> list[str]:
    return sorted(set(re.findall(r"db\.[\w.]+", cell)))


def _classes_of(db: Db, every: list[Db]) -> list[str]:
    if db.is_cluster:
        return sorted({str(m.res.props.get("DBInstanceClass")) for m in members(db.res, every)})
    return [str(db.res.props.get("DBInstanceClass"))]


def capacity_units(result: Result, where: str, text: str, db: Db) -> None:
    """Aurora Serverless v2 capacity shown as `0.5–8 ACU` is the cluster's scaling configuration."""
    scaling = (db.cluster.props if db.cluster else {}).get("ServerlessV2ScalingConfiguration")
    if m := re.search(r"([\d.]+)\s*(?:[–-]|to)\s*([\d.]+)\s*ACU", text):
        want = (float(scaling["MinCapacity"]), float(scaling["MaxCapacity"])) if scaling else None
        result.equal(
            "rds-capacity",
            where,
            (float(m.group(1)), float(m.group(2))),
            want,
            db.base.where("ServerlessV2ScalingConfiguration"),
        )


def _storage(result: Result, where: str, cell: str, db: Db) -> None:
    """`20→50 GB gp3`: allocated (a replica has its primary's), the autoscaling ceiling if any, the type. Aurora
    storage has no size to show: it grows with the data."""
    if db.cluster is not None:
        result.fact(
            not numbers(cell),
            "rds-storage",
            where,
            cell,
            "Aurora cluster volume (no allocated size)",
            db.base.where(),
        )
        return
    props, base = db.res.props, db.base.props
    allocated = float(props.get("AllocatedStorage", base.get("AllocatedStorage", 0)))
    want = [allocated] + ([float(props["MaxAllocatedStorage"])] if "MaxAllocatedStorage" in props else [])
    source = db.where("AllocatedStorage, MaxAllocatedStorage") + (
        "" if "AllocatedStorage" in props else f" (from the primary {db.base.logical_id})"
    )
    shown = numbers(cell)
    if len(want) == 1 and shown == want * 2:  # `20→20 GB`: a ceiling equal to the size is no autoscaling
        shown = want
    result.equal("rds-storage", where, shown, want, source)
    kind = props.get("StorageType", "gp2")
    result.fact(kind in cell, "rds-storage-type", where, cell, kind, db.where("StorageType"))


def nodes(group: Resource) -> int:
    p = group.props
    if "NumCacheClusters" in p:
        return int(p["NumCacheClusters"])
    return int(p.get("NumNodeGroups", 1)) * (1 + int(p.get("ReplicasPerNodeGroup", 0)))


def _caches(doc: Doc, assembly: Assembly, result: Result) -> None:
    groups = assembly.resources("AWS::ElastiCache::ReplicationGroup")
    tabs = tables(doc, result, "Database > ElastiCache", ("cache", "node type"), needed=bool(groups))
    rows = list(each_row(tabs, assembly.stages))
    pairs = match(result, "cache", "Database > ElastiCache", rows, groups, lambda r, g: named(r, "cache", g))
    for (table, row, _), g in pairs:
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

    def fits(row: Row, q: Resource) -> bool:
        dlq = bool(re.search(r"dead.letter|\bdlq\b", " ".join(row[1].values()), re.I))
        return named(row, "queue", q) and dlq == (id(q) in dlqs)

    rows = list(each_row(tabs, assembly.stages))
    for (table, row, _), q in match(result, "queue", "Database > Queues", rows, queues, fits):
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
            sse = queue_encrypted(q)
            result.equal(
                "queue-sse",
                where,
                yes_no(row[table.column("sse") or ""]),
                sse,
                q.where("SqsManagedSseEnabled/KmsMasterKeyId"),
            )


def sse_sqs(queue: Resource) -> bool:
    """SSE-SQS: set, or by default. Since 2022 SQS encrypts every new queue (created over HTTPS, as
    CloudFormation does) with SQS-owned keys unless it names a KMS key or turns SqsManagedSseEnabled off."""
    return (
        "KmsMasterKeyId" not in queue.props
        and str(queue.props.get("SqsManagedSseEnabled", True)).lower() != "false"
    )


def queue_encrypted(queue: Resource) -> bool:
    return "KmsMasterKeyId" in queue.props or sse_sqs(queue)


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

    def fits(row: Row, b: Resource) -> bool:
        table, cells, env = row
        owner = cells.get(table.column("owner") or "", "")
        label = (
            f"{owner}/{cells[table.column('bucket') or '']}" if owner else cells[table.column("bucket") or ""]
        )
        return env == b.stack.stage and b.named(label)

    rows = list(each_row(tabs, assembly.stages))
    for (table, row, _), b in match(result, "bucket", "Storage", rows, buckets, fits):
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
