"""RDS as the templates define it: standalone instances, read replicas, Aurora clusters and their instances.

An Aurora instance (`DBClusterIdentifier`) keeps little of its own: engine version, encryption, backups, deletion
protection and storage are the cluster's. A doc may describe a cluster by one row, or by one row per instance;
either is complete. Engines are named by family (MySQL is never PostgreSQL), with the version the template sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource, refs
from tests.doccheck.values import words

INSTANCE = "AWS::RDS::DBInstance"
CLUSTER = "AWS::RDS::DBCluster"
# engine prefix -> the words naming its family (every one must appear) and the TLS-enforcing parameter
FAMILIES = (
    ("aurora-postgresql", ("aurora", "postgresql"), "rds.force_ssl"),
    ("aurora-mysql", ("aurora", "mysql"), "require_secure_transport"),
    ("aurora", ("aurora", "mysql"), "require_secure_transport"),  # Aurora MySQL 5.6 is plain "aurora"
    ("postgres", ("postgresql",), "rds.force_ssl"),
    ("mysql", ("mysql",), "require_secure_transport"),
    ("mariadb", ("mariadb",), "require_secure_transport"),
    ("sqlserver", ("sql server",), "rds.force_ssl"),
    ("oracle", ("oracle",), ""),
    ("db2", ("db2",), ""),
)
FAMILY_WORDS = ("postgresql", "mysql", "mariadb", "sql server", "oracle", "db2", "aurora")


@dataclass
class Db:
    """One RDS thing a doc row or node may stand for: an instance, or an Aurora cluster."""

    res: Resource
    cluster: Resource | None  # the Aurora cluster of an instance (the cluster itself for a cluster)
    primary: Resource | None  # the source of a read replica

    @property
    def name(self) -> str:
        return f"{self.res.stack.stage} / {self.res.title}"

    def where(self, prop: str = "") -> str:
        return self.res.where(prop)

    @property
    def is_cluster(self) -> bool:
        return self.res.type == CLUSTER

    @property
    def is_replica(self) -> bool:
        return self.primary is not None

    @property
    def base(self) -> Resource:
        """Where engine, encryption and backups are read: the cluster, a replica's primary, else itself."""
        return self.cluster or self.primary or self.res

    @property
    def engine(self) -> str:
        return str(self.res.props.get("Engine") or self.base.props.get("Engine") or "")

    @property
    def version(self) -> str:
        return str(self.base.props.get("EngineVersion") or self.res.props.get("EngineVersion") or "")


def dbs(assembly: Assembly) -> list[Db]:
    """Every DB instance and every Aurora cluster, each with its cluster or primary."""
    out = []
    for res in assembly.resources(INSTANCE):
        cluster = assembly.resolve(res.stack, res.props.get("DBClusterIdentifier"))
        primary = _source_of(res) if "SourceDBInstanceIdentifier" in res.props else None
        out.append(Db(res, cluster if cluster is not None and cluster.type == CLUSTER else None, primary))
    out += [Db(c, c, None) for c in assembly.resources(CLUSTER)]
    return out


def _source_of(replica: Resource) -> Resource | None:
    ids = refs(replica.props.get("SourceDBInstanceIdentifier"))
    return next((replica.stack.resources[i] for i in ids if i in replica.stack.resources), None)


def members(cluster: Resource, every: list[Db]) -> list[Db]:
    return [d for d in every if not d.is_cluster and d.cluster is cluster]


def replicas(db: Db, every: list[Db]) -> int:
    """Read replicas of a primary; the other instances of an Aurora cluster (any can take over)."""
    if db.cluster is not None:  # every instance but the writer (or, for an instance, but itself)
        return len(members(db.cluster, every)) - 1
    return len([d for d in every if d.primary is db.res])


def multi_az(db: Db, every: list[Db]) -> bool:
    """A standalone instance's MultiAZ; an Aurora cluster with a second instance fails over to it."""
    if db.cluster is not None:
        return len(members(db.cluster, every)) > 1
    return bool(db.res.props.get("MultiAZ"))


def excused(db: Db, paired: list[Db], every: list[Db]) -> bool:
    """A cluster without a row of its own is described by rows for all its instances, and instances without
    rows are described by their cluster's row."""
    ids = {id(p.res) for p in paired}
    if db.is_cluster:
        return bool(members(db.res, every)) and all(id(m.res) in ids for m in members(db.res, every))
    return db.cluster is not None and id(db.cluster) in ids


def family(engine: str) -> tuple[tuple[str, ...], str]:
    for prefix, names, parameter in FAMILIES:
        if engine.startswith(prefix):
            return names, parameter
    return (engine,), ""


def names_engine(text: str, engine: str) -> bool:
    """The text names the engine's family, each word whole, and no other family."""
    lower = re.sub(r"\bpostgres\b", "postgresql", words(text))
    wanted, _ = family(engine)
    said = {w for w in FAMILY_WORDS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", lower)}
    return all(w in said for w in wanted) and said <= set(wanted)


def tls_enforced(db: Db, assembly: Assembly) -> bool:
    """A parameter group resource (the cluster's for Aurora) sets the engine's TLS parameter on."""
    _, parameter = family(db.engine)
    holder, prop = (
        (db.cluster, "DBClusterParameterGroupName") if db.cluster else (db.res, "DBParameterGroupName")
    )
    group = assembly.resolve(holder.stack, holder.props.get(prop)) if holder is not None else None
    if group is None or not parameter:
        return False
    value = str(group.props.get("Parameters", {}).get(parameter, "0")).lower()
    return value in ("1", "true", "on")
