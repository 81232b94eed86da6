"""Pricing rules for data and edge: RDS, ElastiCache, SQS, Secrets Manager, CloudFront, S3, Backup, KMS, SSM."""

from __future__ import annotations

from decimal import Decimal

from docgen.assembly.model import Resource
from docgen.cost.context import (
    Free,
    Outcome,
    Priced,
    Pricer,
    Unpriced,
    as_bool,
    as_decimal,
    num,
    plural,
    walk_refs,
)
from docgen.cost.rules_common import MILLION, less_free
from docgen.cost.rules_databases import aurora_instance
from docgen.facts.data import engine_name

# RDS engines the catalogue prices (its key word and how the doc names it); commercial engines carry licences.
RDS_ENGINES = {
    "postgres": ("postgres", "RDS PostgreSQL"),
    "mysql": ("mysql", "RDS MySQL"),
    "mariadb": ("mariadb", "RDS MariaDB"),
}


def rds_instance(r: Resource, p: Pricer) -> Outcome:
    """RDS: hours × class rate for the engine + GB × storage rate, multi-AZ rates when MultiAZ; an Aurora
    cluster's instance is priced by `aurora_instance`."""
    props = r.properties
    if props.get("DBClusterIdentifier"):
        return aurora_instance(r, p)
    source = next(
        (
            s
            for target in walk_refs(props.get("SourceDBInstanceIdentifier"))
            if (s := p.ctx.same_stack(r, target)) is not None and s.type == r.type
        ),
        None,
    )
    inherited = source.properties if source else {}
    engine = str(props.get("Engine") or inherited.get("Engine") or "").lower()
    if engine not in RDS_ENGINES:
        name = engine_name(engine) if engine else "(unknown)"
        return Unpriced(
            f"RDS {name}",
            f"engine {engine or '(unknown)'!r} is not in the catalogue (PostgreSQL, MySQL, MariaDB)",
        )
    key, label = RDS_ENGINES[engine]
    cls = props.get("DBInstanceClass")
    storage = as_decimal(props.get("AllocatedStorage", inherited.get("AllocatedStorage")))
    if not isinstance(cls, str) or storage is None:
        return Unpriced(label, "DBInstanceClass or AllocatedStorage is missing or not a plain value")
    notes = ["read replica"] if "SourceDBInstanceIdentifier" in props else []
    storage_type = props.get("StorageType") or inherited.get("StorageType")
    if not storage_type:
        storage_type = "gp2"
        notes.append("StorageType absent: CloudFormation default gp2")
    if props.get("Iops") or props.get("StorageThroughput"):
        notes.append("provisioned IOPS/throughput above the gp3 baseline not priced")
    multi = as_bool(props.get("MultiAZ"))
    az, az_label = ("multi_az", "multi-AZ") if multi else ("single_az", "single-AZ")
    hour_rate = p.rate(f"rds.{key}.{cls}.{az}_hour")
    gb_rate = p.rate(f"rds.{str(storage_type).lower()}.{az}_gb_month")
    monthly = p.hours * hour_rate + storage * gb_rate
    p.hourly(f"Database instance ({cls}, {az_label})", f"rds.{key}.{cls}.{az}_hour", Decimal(1))
    storage_key = f"rds.{str(storage_type).lower()}.{az}_gb_month"
    p.monthly(f"Storage ({storage_type}, {az_label})", storage_key, storage, usage=False)
    arithmetic = (
        f"{num(p.hours)} h × {num(hour_rate)} ({cls}, {az_label})"
        f" + {num(storage)} GB × {num(gb_rate)} ({storage_type}, {az_label})"
    )
    return Priced(label, monthly, arithmetic, note="; ".join(notes))


def _cache_nodes(props: dict[str, object]) -> tuple[Decimal, str]:
    clusters = as_decimal(props.get("NumCacheClusters"))
    if clusters is not None:
        return clusters, ""
    groups_config = props.get("NodeGroupConfiguration")
    if isinstance(groups_config, list) and groups_config:
        total = sum(
            ((as_decimal(g.get("ReplicaCount")) or Decimal(0)) + 1 for g in groups_config), Decimal(0)
        )
        return total, ""
    groups = as_decimal(props.get("NumNodeGroups"))
    replicas = as_decimal(props.get("ReplicasPerNodeGroup"))
    if groups is not None or replicas is not None:
        return (groups or Decimal(1)) * ((replicas or Decimal(0)) + 1), ""
    return Decimal(1), "node count not set: CloudFormation creates 1 node"


def elasticache(r: Resource, p: Pricer) -> Outcome:
    """ElastiCache: nodes × hours × node-type rate for the engine (Redis OSS or Valkey)."""
    props = dict(r.properties)
    engine = str(props.get("Engine") or "redis").lower()
    if engine not in ("redis", "valkey"):
        return Unpriced(
            "ElastiCache", f"engine {engine!r} is not in the catalogue (Redis OSS and Valkey only)"
        )
    node_type = props.get("CacheNodeType")
    if not isinstance(node_type, str):
        return Unpriced("ElastiCache", "CacheNodeType is missing or not a plain value")
    if r.type == "AWS::ElastiCache::CacheCluster":
        nodes, note = as_decimal(props.get("NumCacheNodes")) or Decimal(1), ""
    else:
        nodes, note = _cache_nodes(props)
    rate = p.rate(f"elasticache.{engine}.{node_type}.node_hour")
    p.hourly(f"Cache nodes ({node_type}, {engine})", f"elasticache.{engine}.{node_type}.node_hour", nodes)
    arithmetic = f"{plural(nodes, 'node')} × {num(p.hours)} h × {num(rate)} ({node_type}, {engine})"
    return Priced("ElastiCache", nodes * p.hours * rate, arithmetic, note=note)


def _dead_letter_queues(r: Resource, p: Pricer) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for queue in p.ctx.of_type(r.environment, "AWS::SQS::Queue"):
        for target in walk_refs((queue.properties.get("RedrivePolicy") or {}).get("deadLetterTargetArn")):
            found.add((queue.stack, target))
    return found


def sqs_queue(r: Resource, p: Pricer) -> Outcome:
    """SQS: requests beyond this queue's equal share of the account's free million, per million × rate."""
    dlqs = _dead_letter_queues(r, p)
    fifo = as_bool(r.properties.get("FifoQueue"))
    key = "sqs.fifo.million_requests" if fifo else "sqs.standard.million_requests"
    rate = p.rate(key)
    if (r.stack, r.logical_id) in dlqs:
        p.monthly("Requests", key, Decimal(0), usage=True)
        return Priced(
            "SQS", Decimal(0), f"0 requests × {num(rate)} per million", note="dead-letter queue: assumed idle"
        )
    active = [
        q for q in p.ctx.of_type(r.environment, "AWS::SQS::Queue") if (q.stack, q.logical_id) not in dlqs
    ]
    share = p.free_share("sqs.requests_month", len(active))
    billable, requests = less_free(p.usage.sqs_requests_month, share, "requests", "free share")
    arithmetic = f"{requests} / 1,000,000 × {num(rate)}"
    p.monthly("Requests", key, billable / MILLION, usage=True)
    note = f"free million shared by the environment's {plural(Decimal(len(active)), 'active queue')}"
    return Priced("SQS", billable / MILLION * rate, arithmetic, note=note)


def secret(r: Resource, p: Pricer) -> Outcome:
    month, call_rate = p.rate("secretsmanager.secret_month"), p.rate("secretsmanager.10k_api_calls")
    calls = p.usage.secret_api_calls_month
    p.monthly("Secret", "secretsmanager.secret_month", Decimal(1), usage=False)
    p.monthly("API calls", "secretsmanager.10k_api_calls", calls / 10000, usage=True)
    arithmetic = f"1 secret × {num(month)} + {num(calls)} calls / 10,000 × {num(call_rate)}"
    return Priced("Secrets Manager", month + calls / 10000 * call_rate, arithmetic)


def distribution(r: Resource, p: Pricer) -> Outcome:
    """CloudFront: GB and HTTPS requests beyond this distribution's share of the free tier."""
    gb_rate, req_rate = p.rate("cloudfront.gb_out"), p.rate("cloudfront.10k_https_requests")
    sharers = len(p.ctx.of_type(r.environment, r.type))
    free_gb = p.free_share("cloudfront.gb_month", sharers)
    free_requests = p.free_share("cloudfront.https_requests_month", sharers)
    billable_gb, gb = less_free(p.usage.cloudfront_gb_month, free_gb, "GB")
    billable_requests, requests = less_free(
        p.usage.cloudfront_https_requests_month, free_requests, "requests"
    )
    monthly = billable_gb * gb_rate + billable_requests / 10000 * req_rate
    p.monthly("Data transfer out", "cloudfront.gb_out", billable_gb, usage=True)
    p.monthly("HTTPS requests", "cloudfront.10k_https_requests", billable_requests / 10000, usage=True)
    arithmetic = f"{gb} × {num(gb_rate)} + {requests} / 10,000 × {num(req_rate)}"
    return Priced(
        "CloudFront", monthly, arithmetic, note="always-free tier shared by the environment's distributions"
    )


def bucket(r: Resource, p: Pricer) -> Outcome:
    gb_rate = p.rate("s3.standard.gb_month")
    put_rate, get_rate = p.rate("s3.standard.1k_put_requests"), p.rate("s3.standard.1k_get_requests")
    u = p.usage
    monthly = u.s3_storage_gb * gb_rate + u.s3_put_requests_month / 1000 * put_rate
    monthly += u.s3_get_requests_month / 1000 * get_rate
    p.monthly("Storage", "s3.standard.gb_month", u.s3_storage_gb, usage=True)
    p.monthly("PUT requests", "s3.standard.1k_put_requests", u.s3_put_requests_month / 1000, usage=True)
    p.monthly("GET requests", "s3.standard.1k_get_requests", u.s3_get_requests_month / 1000, usage=True)
    arithmetic = (
        f"{num(u.s3_storage_gb)} GB × {num(gb_rate)}"
        f" + {num(u.s3_put_requests_month)} PUT / 1,000 × {num(put_rate)}"
        f" + {num(u.s3_get_requests_month)} GET / 1,000 × {num(get_rate)}"
    )
    return Priced("S3", monthly, arithmetic)


_DATA_STORES = (
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::DynamoDB::Table",
    "AWS::EFS::FileSystem",
)


def backup_selection(r: Resource, p: Pricer) -> Outcome:
    """AWS Backup: backed-up data stores × backup GB per store × rate."""
    selection = r.properties.get("BackupSelection") or {}
    listed = selection.get("Resources") or []
    stores = {
        target
        for target in walk_refs(listed)
        if (s := p.ctx.same_stack(r, target)) is not None and s.type in _DATA_STORES
    }
    count, note = Decimal(len(stores)), ""
    by_tag = selection.get("ListOfTags") or selection.get("Conditions")
    if by_tag or any(isinstance(x, str) and "*" in x for x in listed) or (listed and not stores):
        count = Decimal(len(p.ctx.of_type(r.environment, *_DATA_STORES)))
        note = "selection by tag or wildcard: counted every data store in the environment"
    gb, rate = p.usage.backup_storage_gb, p.rate("backup.warm_gb_month")
    arithmetic = f"{plural(count, 'data store')} × {num(gb)} GB × {num(rate)}"
    p.monthly("Backup storage (warm)", "backup.warm_gb_month", count * gb, usage=True)
    return Priced("AWS Backup", count * gb * rate, arithmetic, note=note)


def kms_key(r: Resource, p: Pricer) -> Outcome:
    rate = p.rate("kms.key_month")
    p.monthly("Customer managed key", "kms.key_month", Decimal(1), usage=False)
    return Priced("KMS", rate, f"1 key × {num(rate)}", note="requests (0.03 per 10,000) not estimated")


def ssm_parameter(r: Resource, p: Pricer) -> Outcome:
    if r.properties.get("Tier") in ("Advanced", "Intelligent-Tiering"):
        return Unpriced("Systems Manager", "advanced parameters are not in the catalogue")
    return Free("Systems Manager", "standard parameters have no charge")
