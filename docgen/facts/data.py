"""Data-store facts: RDS databases and Aurora clusters, ElastiCache, SQS queues, S3 buckets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docgen.assembly.model import Resource, resource_key
from docgen.facts.fact import Fact, days, derived, exists, prop, yes_no
from docgen.facts.index import Index, construct_id, name_fact

ENGINES = {
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "aurora-postgresql": "Aurora PostgreSQL",
    "aurora-mysql": "Aurora MySQL",
    "aurora": "Aurora MySQL",
    "oracle-ee": "Oracle EE",
    "oracle-se2": "Oracle SE2",
    "sqlserver-ex": "SQL Server Express",
    "sqlserver-web": "SQL Server Web",
    "sqlserver-se": "SQL Server Standard",
    "sqlserver-ee": "SQL Server Enterprise",
    "oracle-ee-cdb": "Oracle EE (CDB)",
    "oracle-se2-cdb": "Oracle SE2 (CDB)",
    "custom-oracle-ee": "RDS Custom for Oracle",
    "custom-sqlserver-ee": "RDS Custom for SQL Server Enterprise",
    "db2-se": "Db2 Standard",
    "db2-ae": "Db2 Advanced",
}
# Parameters that make an engine refuse unencrypted connections.
FORCE_TLS = {"rds.force_ssl": "1", "require_secure_transport": "1"}


def tls_parameter(engine: object) -> str:
    """The parameter that would make this engine refuse plain connections (MySQL family: its own name)."""
    text = str(engine).lower()
    if "mysql" in text or "mariadb" in text or text == "aurora":
        return "require_secure_transport"
    if text.startswith("oracle") or "oracle" in text:
        return "an SSL option in the option group"
    return "rds.force_ssl"


@dataclass(frozen=True)
class Database:
    resource: Resource
    name: Fact
    engine: Fact
    instance_class: Fact
    multi_az: Fact
    storage: Fact
    encrypted: Fact
    key: Fact  # "AWS managed key" or "customer managed key"
    backup_days: Fact
    deletion_protection: Fact
    replica: bool
    tls: Fact  # enforced by a parameter group, or not


def engine_name(value: object) -> str:
    return ENGINES.get(str(value), str(value))


def databases(index: Index, env: str) -> list[Database]:
    """RDS DB instances; those of an Aurora cluster are described with their cluster (facts.clusters)."""
    out = []
    for r in index.of_type("AWS::RDS::DBInstance", env):
        if "DBClusterIdentifier" in r.properties:
            continue
        replica = "SourceDBInstanceIdentifier" in r.properties
        sources = index.targets(r, r.properties.get("SourceDBInstanceIdentifier")) if replica else []
        # A read replica inherits engine, storage and encryption from its primary unless it sets them.
        of = _inheriting(r, sources[0] if sources else None)
        engine = of("Engine", default="-", fmt=engine_name)
        version = of("EngineVersion", default="")
        size = of("AllocatedStorage", default=None)
        top = of("MaxAllocatedStorage", default=None)
        kind = of("StorageType", default="gp2")
        storage = derived(
            size.value,
            f"{size.text}→{top.text if top.value is not None else size.text} GB {kind.text}"
            if size.value is not None
            else "-",
            [size, top, kind],
        )
        name = name_fact(r)
        if replica:
            name = derived(
                name.value,
                f"{name.text} (read replica {construct_id(r)})",
                [name, prop(r, "SourceDBInstanceIdentifier")],
            )
        out.append(
            Database(
                resource=r,
                name=name,
                engine=derived(engine.value, f"{engine.text} {version.text}".strip(), [engine, version]),
                instance_class=prop(r, "DBInstanceClass"),
                multi_az=prop(r, "MultiAZ", default=False, fmt=yes_no),
                storage=storage,
                encrypted=of("StorageEncrypted", default=False, fmt=yes_no),
                key=_key(r if "KmsKeyId" in r.properties or not sources else sources[0]),
                backup_days=prop(r, "BackupRetentionPeriod", default=1, fmt=days),
                deletion_protection=prop(r, "DeletionProtection", default=False, fmt=yes_no),
                replica=replica,
                tls=_tls(index, r),
            )
        )
    return sorted(out, key=lambda d: (d.replica, d.name.text))


def _inheriting(r: Resource, primary: Resource | None) -> Any:
    """`prop` of the replica, falling back to its primary's property (with the primary as the source)."""

    def read(name: str, **kwargs: Any) -> Fact:
        if name in r.properties or primary is None:
            return prop(r, name, **kwargs)
        return prop(primary, name, **kwargs)

    return read


def _key(r: Resource) -> Fact:
    key = prop(r, "KmsKeyId", default=None)
    if key.value is None:
        return derived(None, "AWS managed key", [key])
    return derived(key.value, "customer managed key", [key])


def _tls(index: Index, r: Resource) -> Fact:
    groups = index.targets(r, r.properties.get("DBParameterGroupName"))
    for group in groups:
        params = group.properties.get("Parameters") or {}
        for name, wanted in FORCE_TLS.items():
            if str(params.get(name)) == wanted:
                return derived(True, f"TLS required ({name}={wanted})", [prop(group, "Parameters", name)])
    source = [prop(groups[0], "Parameters", default={})] if groups else [exists(r, "default parameter group")]
    engine = prop(r, "Engine", default="")
    return derived(
        False, f"TLS available, not enforced (no {tls_parameter(engine.value)})", [*source, engine]
    )


@dataclass(frozen=True)
class Cache:
    resource: Resource
    name: Fact
    engine: Fact
    node_type: Fact
    nodes: Fact
    failover: Fact
    multi_az: Fact
    tls: Fact
    at_rest: Fact
    auth: Fact
    snapshot_days: Fact


def caches(index: Index, env: str) -> list[Cache]:
    out = []
    for r in index.of_type("AWS::ElastiCache::ReplicationGroup", env):
        p = r.properties
        if "NumCacheClusters" in p:
            nodes = prop(r, "NumCacheClusters")
        else:
            groups, replicas = prop(r, "NumNodeGroups", default=1), prop(r, "ReplicasPerNodeGroup", default=0)
            n = int(groups.value) * (1 + int(replicas.value))
            nodes = derived(n, str(n), [groups, replicas])
        engine, version = prop(r, "Engine", default="redis"), prop(r, "EngineVersion", default="")
        auth = prop(r, "AuthToken", default=None)
        out.append(
            Cache(
                resource=r,
                name=name_fact(r),
                engine=derived(engine.value, f"{engine.text} {version.text}".strip(), [engine, version]),
                node_type=prop(r, "CacheNodeType"),
                nodes=nodes,
                failover=prop(r, "AutomaticFailoverEnabled", default=False, fmt=yes_no),
                multi_az=prop(r, "MultiAZEnabled", default=False, fmt=yes_no),
                tls=prop(r, "TransitEncryptionEnabled", default=False, fmt=yes_no),
                at_rest=prop(r, "AtRestEncryptionEnabled", default=False, fmt=yes_no),
                auth=derived(
                    auth.value is not None,
                    "from Secrets Manager"
                    if "resolve:secretsmanager" in str(auth.value)
                    else ("set" if auth.value else "none"),
                    [auth],
                ),
                snapshot_days=prop(r, "SnapshotRetentionLimit", default=0, fmt=days),
            )
        )
    return sorted(out, key=lambda c: c.name.text)


@dataclass(frozen=True)
class Queue:
    resource: Resource
    name: Fact
    role: Fact  # "queue" / "dead-letter queue"
    fifo: Fact
    visibility: Fact
    retention: Fact
    max_receives: Fact
    encryption: Fact


def queues(index: Index, env: str) -> list[Queue]:
    all_queues = index.of_type("AWS::SQS::Queue", env)
    dead = {
        resource_key(t)
        for q in all_queues
        for t in index.targets(q, (q.properties.get("RedrivePolicy") or {}).get("deadLetterTargetArn"))
    }
    out = []
    for r in all_queues:
        role = exists(r, "dead-letter queue" if resource_key(r) in dead else "queue")
        out.append(
            Queue(
                resource=r,
                name=name_fact(r),
                role=role,
                fifo=prop(
                    r, "FifoQueue", default=False, fmt=lambda v: "FIFO" if v in (True, "true") else "standard"
                ),
                visibility=prop(r, "VisibilityTimeout", default=30, fmt=lambda v: f"{v} s"),
                retention=prop(
                    r, "MessageRetentionPeriod", default=345600, fmt=lambda v: f"{int(v) // 86400} d"
                ),
                max_receives=prop(
                    r,
                    "RedrivePolicy",
                    "maxReceiveCount",
                    default=None,
                    fmt=lambda v: "-" if v is None else str(v),
                ),
                encryption=_queue_encryption(r),
            )
        )
    return sorted(out, key=lambda q: (q.name.text, q.role.text != "queue"))


def _queue_encryption(r: Resource) -> Fact:
    if "KmsMasterKeyId" in r.properties:
        return prop(
            r,
            "KmsMasterKeyId",
            fmt=lambda v: (
                "SSE-KMS" + (" (AWS managed key)" if "alias/aws/sqs" in str(v) else " (customer managed key)")
            ),
        )
    managed = prop(r, "SqsManagedSseEnabled", default=None)
    # Since 2022 SQS encrypts new queues with SSE-SQS unless told not to.
    return derived(managed.value, "no" if managed.value is False else "SSE-SQS", [managed])


@dataclass(frozen=True)
class Bucket:
    resource: Resource
    name: Fact
    purpose: Fact
    encryption: Fact
    versioned: Fact
    expiry: Fact
    public_access_blocked: Fact


def buckets(index: Index, env: str) -> list[Bucket]:
    out = []
    for r in index.of_type("AWS::S3::Bucket", env):
        enc = prop(
            r,
            "BucketEncryption",
            "ServerSideEncryptionConfiguration",
            0,
            "ServerSideEncryptionByDefault",
            "SSEAlgorithm",
            default="AES256 (S3 default)",
        )
        rules = (r.properties.get("LifecycleConfiguration") or {}).get("Rules") or []
        expiry_at = next(
            (i for i, rule in enumerate(rules) if isinstance(rule, dict) and "ExpirationInDays" in rule), None
        )
        expiry = (
            prop(r, "LifecycleConfiguration", "Rules", expiry_at, "ExpirationInDays", fmt=days)
            if expiry_at is not None
            else exists(r, "kept")
        )
        block = prop(r, "PublicAccessBlockConfiguration", default={})
        blocked = bool(block.value) and all(block.value.values())
        out.append(
            Bucket(
                resource=r,
                name=name_fact(r),
                purpose=exists(r, construct_id(r)),
                encryption=enc,
                versioned=prop(
                    r,
                    "VersioningConfiguration",
                    "Status",
                    default="Suspended",
                    fmt=lambda v: yes_no(v == "Enabled"),
                ),
                expiry=expiry,
                public_access_blocked=derived(blocked, yes_no(blocked), [block]),
            )
        )
    return sorted(out, key=lambda b: (b.name.text, b.purpose.text))
