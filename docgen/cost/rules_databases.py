"""Pricing rules for Aurora clusters and DynamoDB tables: capacity from the templates, usage from the
assumptions."""

from __future__ import annotations

from decimal import Decimal

from docgen.assembly.model import Resource
from docgen.cost.context import Outcome, Priced, Pricer, Unpriced, as_decimal, num, plural, walk_refs
from docgen.cost.rules_common import MILLION, less_free

AURORA_ENGINES = {"aurora-postgresql": "postgresql", "aurora-mysql": "mysql", "aurora": "mysql"}


def _members(cluster: Resource, p: Pricer) -> list[Resource]:
    return [
        i
        for i in p.ctx.of_type(cluster.environment, "AWS::RDS::DBInstance")
        if i.stack == cluster.stack
        and cluster.logical_id in walk_refs(i.properties.get("DBClusterIdentifier"))
    ]


def aurora_cluster(r: Resource, p: Pricer) -> Outcome:
    """The cluster's storage and I/O (Standard) or storage alone (I/O-Optimized is not in the catalogue)."""
    if str(r.properties.get("StorageType", "aurora")) != "aurora":
        return Unpriced("Aurora", f"storage type {r.properties.get('StorageType')!r} is not in the catalogue")
    gb_rate, io_rate = p.rate("aurora.storage.gb_month"), p.rate("aurora.io.million_requests")
    gb, io = p.usage.aurora_storage_gb, p.usage.aurora_io_millions_month
    p.monthly("Storage", "aurora.storage.gb_month", gb, usage=True)
    p.monthly("I/O requests", "aurora.io.million_requests", io, usage=True)
    arithmetic = f"{num(gb)} GB × {num(gb_rate)} + {num(io)} million I/O × {num(io_rate)}"
    note = "instances are priced on their own lines; backups up to the cluster's size are free"
    return Priced("Aurora", gb * gb_rate + io * io_rate, arithmetic, note=note)


def aurora_instance(r: Resource, p: Pricer) -> Outcome:
    """An Aurora instance: Serverless v2 ACU-hours within the cluster's range, or its class's hourly rate."""
    cluster = next(
        (
            c
            for target in walk_refs(r.properties.get("DBClusterIdentifier"))
            if (c := p.ctx.same_stack(r, target)) is not None and c.type == "AWS::RDS::DBCluster"
        ),
        None,
    )
    if cluster is None:
        return Unpriced("Aurora", "DBClusterIdentifier does not name a cluster in the same stack")
    engine = AURORA_ENGINES.get(str(cluster.properties.get("Engine") or r.properties.get("Engine")))
    cls = r.properties.get("DBInstanceClass")
    if engine is None or not isinstance(cls, str):
        return Unpriced("Aurora", "engine or DBInstanceClass is missing or not a plain value")
    if cls != "db.serverless":
        rate = p.rate(f"aurora.{engine}.{cls}.hour")
        p.hourly(f"Database instance ({cls})", f"aurora.{engine}.{cls}.hour", Decimal(1))
        return Priced("Aurora", p.hours * rate, f"{num(p.hours)} h × {num(rate)} ({cls}, Aurora {engine})")
    scaling = cluster.properties.get("ServerlessV2ScalingConfiguration") or {}
    low, high = _capacity(scaling.get("MinCapacity")), _capacity(scaling.get("MaxCapacity"))
    if low is None or high is None:
        return Unpriced("Aurora", "the cluster's ServerlessV2ScalingConfiguration is not plain numbers")
    rate = p.rate("aurora.serverless_v2.acu_hour")
    acu = min(max(p.usage.aurora_acu_avg, low), high)
    p.hourly("Aurora capacity units (Serverless v2)", "aurora.serverless_v2.acu_hour", acu, usage=True)
    per_acu = p.hours * rate
    arithmetic = f"{num(acu)} ACU × {num(p.hours)} h × {num(rate)}; range {num(low)}–{num(high)} ACU"
    note = "" if acu == p.usage.aurora_acu_avg else f"usage aurora_acu_avg kept within {num(low)}–{num(high)}"
    return Priced("Aurora", acu * per_acu, arithmetic, low * per_acu, high * per_acu, note)


def _capacity(value: object) -> Decimal | None:
    """ACUs come as JSON numbers with halves (0.5): read floats through their text, exactly."""
    if isinstance(value, float):
        return Decimal(str(value))
    return as_decimal(value)


def db_proxy(r: Resource, p: Pricer) -> Outcome:
    return Unpriced(
        "RDS Proxy", "billed per vCPU (or ACU) of its target database; the catalogue has no RDS Proxy rate"
    )


def _provisioned(r: Resource) -> tuple[Decimal, Decimal] | None:
    """(RCU, WCU) a provisioned table pays for: a Table's throughput, or a global table's minimum capacity."""
    if r.type == "AWS::DynamoDB::Table":
        throughput = r.properties.get("ProvisionedThroughput") or {}
        rcu, wcu = (
            as_decimal(throughput.get("ReadCapacityUnits")),
            as_decimal(throughput.get("WriteCapacityUnits")),
        )
        return (rcu, wcu) if rcu is not None and wcu is not None else None
    replicas = [x for x in r.properties.get("Replicas") or () if isinstance(x, dict)]
    reads = [(x.get("ReadProvisionedThroughputSettings") or {}) for x in replicas]
    rcu = sum(
        (
            as_decimal(x.get("ReadCapacityUnits"))
            or as_decimal((x.get("ReadCapacityAutoScalingSettings") or {}).get("MinCapacity"))
            or Decimal(0)
            for x in reads
        ),
        Decimal(0),
    )
    writes = r.properties.get("WriteProvisionedThroughputSettings") or {}
    wcu = as_decimal((writes.get("WriteCapacityAutoScalingSettings") or {}).get("MinCapacity"))
    return (rcu, wcu * len(replicas)) if wcu is not None and replicas else None


def dynamodb_table(r: Resource, p: Pricer) -> Outcome:
    """On-demand: request units and storage; provisioned: capacity-hours and storage (global tables: every
    replica's capacity, at its minimum when auto-scaled)."""
    tables = p.ctx.of_type(r.environment, "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
    u = p.usage
    gb_rate = p.rate("dynamodb.storage.gb_month")
    billable_gb, gb = less_free(
        u.dynamodb_storage_gb, p.free_share("dynamodb.storage_gb_month", len(tables)), "GB", "free share"
    )
    storage = billable_gb * gb_rate
    p.monthly("Storage", "dynamodb.storage.gb_month", billable_gb, usage=True)
    if str(r.properties.get("BillingMode") or "PROVISIONED").upper() == "PAY_PER_REQUEST":
        read_rate = p.rate("dynamodb.ondemand.million_read_units")
        write_rate = p.rate("dynamodb.ondemand.million_write_units")
        reads, writes = u.dynamodb_read_units_month / MILLION, u.dynamodb_write_units_month / MILLION
        p.monthly("Read request units", "dynamodb.ondemand.million_read_units", reads, usage=True)
        p.monthly("Write request units", "dynamodb.ondemand.million_write_units", writes, usage=True)
        monthly = (
            u.dynamodb_read_units_month / MILLION * read_rate
            + u.dynamodb_write_units_month / MILLION * write_rate
        )
        arithmetic = (
            f"{num(u.dynamodb_read_units_month)} RRU / 1,000,000 × {num(read_rate)}"
            f" + {num(u.dynamodb_write_units_month)} WRU / 1,000,000 × {num(write_rate)} + {gb} × {num(gb_rate)}"
        )
        return Priced("DynamoDB", monthly + storage, arithmetic, note="on-demand")
    capacity = _provisioned(r)
    if capacity is None:
        return Unpriced("DynamoDB", "provisioned capacity is not given as plain numbers")
    rcu, wcu = capacity
    rcu_rate, wcu_rate = p.rate("dynamodb.provisioned.rcu_hour"), p.rate("dynamodb.provisioned.wcu_hour")
    p.hourly("Read capacity units", "dynamodb.provisioned.rcu_hour", rcu)
    p.hourly("Write capacity units", "dynamodb.provisioned.wcu_hour", wcu)
    monthly = p.hours * (rcu * rcu_rate + wcu * wcu_rate) + storage
    arithmetic = (
        f"{num(p.hours)} h × ({plural(rcu, 'RCU')} × {num(rcu_rate)} + {plural(wcu, 'WCU')} × {num(wcu_rate)})"
        f" + {gb} × {num(gb_rate)}"
    )
    notes = ["the always-free 25 RCU and 25 WCU are not deducted"]
    if r.type == "AWS::DynamoDB::GlobalTable":
        notes.insert(
            0,
            "every replica's capacity, auto-scaled capacity at its minimum, replicated writes at the WCU rate",
        )
    return Priced("DynamoDB", monthly, arithmetic, note="; ".join(notes))
