"""Aurora facts, read from the cluster (AWS::RDS::DBCluster) and not its instances: engine, capacity (provisioned
instances or Serverless v2 ACU range), encryption, backups, deletion protection, TLS, the RDS Proxy in front."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.assembly.model import Resource
from docgen.facts.data import FORCE_TLS, engine_name, tls_parameter
from docgen.facts.fact import Fact, days, derived, join, number, prop, yes_no
from docgen.facts.index import Index
from docgen.facts.names import component

CLUSTER = "AWS::RDS::DBCluster"
STORAGE = {"aurora": "Aurora Standard", "aurora-iopt1": "Aurora I/O-Optimized"}


@dataclass(frozen=True)
class ClusterInstance:
    resource: Resource
    name: Fact
    instance_class: Fact
    role: Fact  # "writer" / "reader (failover tier 1)"


@dataclass(frozen=True)
class Cluster:
    resource: Resource
    name: Fact
    engine: Fact
    capacity: Fact  # "Serverless v2 0.5–8 ACU" / "provisioned"
    min_acu: Fact
    max_acu: Fact
    instances: tuple[ClusterInstance, ...]
    storage: Fact
    encrypted: Fact
    key: Fact
    backup_days: Fact
    deletion_protection: Fact
    tls: Fact
    proxy: Fact

    @property
    def members(self) -> Fact:
        parts = []
        for i in self.instances:
            # "writer: db.r6g.large", "reader: db.r6g.large (failover tier 1)", "a1: db.r6g.large (writer)"
            role = i.role.text.removeprefix(f"{i.name.text}, ")
            extra = "" if role == i.name.text else f" ({role})"
            text = f"{i.name.text}: {i.instance_class.text}{extra}"
            parts.append(derived(None, text, [i.name, i.instance_class, i.role]))
        return join(parts, "<br>", empty="no instance in the templates", none=self.resource)

    @property
    def failover(self) -> bool:
        """Aurora fails over to a reader: a cluster with two or more instances survives losing one."""
        return len(self.instances) >= 2


def instances_of(index: Index, cluster: Resource) -> list[Resource]:
    return index.referring(cluster, "AWS::RDS::DBInstance", "DBClusterIdentifier")


def clusters(index: Index, env: str) -> list[Cluster]:
    return sorted((_cluster(index, c) for c in index.of_type(CLUSTER, env)), key=lambda c: c.name.text)


def _cluster(index: Index, cluster: Resource) -> Cluster:
    engine, version = prop(cluster, "Engine", fmt=engine_name), prop(cluster, "EngineVersion", default="")
    low = prop(cluster, "ServerlessV2ScalingConfiguration", "MinCapacity", default=None)
    high = prop(cluster, "ServerlessV2ScalingConfiguration", "MaxCapacity", default=None)
    members = sorted(instances_of(index, cluster), key=lambda r: (_tier(r), r.logical_id))
    if low.value is not None:
        capacity = derived(
            "serverless-v2", f"Serverless v2, {number(low.value)}–{number(high.value)} ACU", [low, high]
        )
    elif cluster.properties.get("EngineMode") == "serverless":
        v1_low = prop(cluster, "ScalingConfiguration", "MinCapacity", default=None)
        v1_high = prop(cluster, "ScalingConfiguration", "MaxCapacity", default=None)
        capacity = derived(
            "serverless-v1", f"Serverless v1, {v1_low.text}–{v1_high.text} ACU", [v1_low, v1_high]
        )
    else:
        capacity = derived(
            "provisioned", "provisioned instances", [prop(cluster, "EngineMode", default="provisioned")]
        )
    return Cluster(
        resource=cluster,
        name=component(cluster),
        engine=derived(engine.value, f"{engine.text} {version.text}".strip(), [engine, version]),
        capacity=capacity,
        min_acu=low,
        max_acu=high,
        instances=tuple(_instance(m, i) for i, m in enumerate(members)),
        storage=prop(cluster, "StorageType", default="aurora", fmt=lambda v: STORAGE.get(str(v), str(v))),
        encrypted=prop(cluster, "StorageEncrypted", default=False, fmt=yes_no),
        key=_key(cluster),
        backup_days=prop(cluster, "BackupRetentionPeriod", default=1, fmt=days),
        deletion_protection=prop(cluster, "DeletionProtection", default=False, fmt=yes_no),
        tls=_tls(index, cluster),
        proxy=_proxy(index, cluster),
    )


def _tier(instance: Resource) -> int:
    tier = instance.properties.get("PromotionTier")
    return int(tier) if isinstance(tier, int | str) and str(tier).isdigit() else 1


def _instance(instance: Resource, position: int) -> ClusterInstance:
    tier = prop(instance, "PromotionTier", default=1)
    role = "writer" if position == 0 else f"reader, failover tier {tier.text}"
    klass = prop(
        instance, "DBInstanceClass", fmt=lambda v: "Serverless v2" if v == "db.serverless" else str(v)
    )
    return ClusterInstance(instance, component(instance), klass, derived(role, role, [tier]))


def _key(cluster: Resource) -> Fact:
    key = prop(cluster, "KmsKeyId", default=None)
    return derived(key.value, "AWS managed key" if key.value is None else "customer managed key", [key])


def _tls(index: Index, cluster: Resource) -> Fact:
    groups = index.targets(cluster, cluster.properties.get("DBClusterParameterGroupName"))
    for group in groups:
        params = group.properties.get("Parameters") or {}
        for name, wanted in FORCE_TLS.items():
            if str(params.get(name)) == wanted:
                return derived(True, f"TLS required ({name}={wanted})", [prop(group, "Parameters", name)])
    group = prop(cluster, "DBClusterParameterGroupName", default="default")
    engine = prop(cluster, "Engine")
    return derived(False, f"TLS available, not enforced (no {tls_parameter(engine.value)})", [group, engine])


def proxies(index: Index, cluster: Resource) -> list[Resource]:
    groups = index.referring(cluster, "AWS::RDS::DBProxyTargetGroup", "DBClusterIdentifiers")
    return [
        p
        for g in groups
        for p in index.targets(g, g.properties.get("DBProxyName"))
        if p.type == "AWS::RDS::DBProxy"
    ]


def _proxy(index: Index, cluster: Resource) -> Fact:
    found = []
    for proxy in proxies(index, cluster):
        tls = prop(
            proxy, "RequireTLS", default=False, fmt=lambda v: "TLS required" if v is True else "TLS optional"
        )
        name = prop(proxy, "DBProxyName", default=component(proxy).text)
        found.append(derived(None, f"RDS Proxy {name.text} ({tls.text})", [name, tls]))
    return join(found, ", ", empty="none", none=cluster)


def in_transit(cluster: Cluster) -> Fact:
    """The encryption-in-transit cell: what the cluster enforces, and what its proxy enforces."""
    if cluster.proxy.value is None:
        return cluster.tls
    return derived(
        cluster.tls.value, f"{cluster.tls.text}; {cluster.proxy.text}", [cluster.tls, cluster.proxy]
    )


def member_keys(index: Index, env: str) -> set[str]:
    """Keys (stack/logical id) of the DB instances that belong to a cluster: they are described with it."""
    return {f"{m.stack}/{m.logical_id}" for c in index.of_type(CLUSTER, env) for m in instances_of(index, c)}


def engine_label(cluster: Resource) -> str:
    return engine_name(cluster.properties.get("Engine"))
