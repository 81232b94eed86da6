"""One pricing rule per CloudFormation type: how a resource's properties and usage become a monthly cost."""

from __future__ import annotations

from collections.abc import Callable
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
    ref_id,
    walk_refs,
)

Rule = Callable[[Resource, Pricer], Outcome]

# Fargate's valid Linux task sizes: CPU units -> allowed memory in MiB (shared/reference/aws-prices.md).
_FARGATE_SIZES: dict[int, range] = {
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
    8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}
_EPHEMERAL_INCLUDED_GB = Decimal(20)
_MILLION = Decimal(1_000_000)


def _less_free(quantity: Decimal, free: Decimal, unit: str, label: str = "free") -> tuple[Decimal, str]:
    """What is billed beyond a free allowance, and how the arithmetic string shows it."""
    billable = max(Decimal(0), quantity - free)
    if billable == 0 and free > 0:
        return billable, f"0 {unit} (all {num(quantity)} within {num(free)} {label})"
    return billable, f"({num(quantity)} {unit} − {num(free)} {label})"


def _valid_fargate_size(cpu: int, memory: int) -> bool:
    if cpu == 256:
        return memory in (512, 1024, 2048)
    return cpu in _FARGATE_SIZES and memory in _FARGATE_SIZES[cpu]


def _scaling_bounds(service: Resource, p: Pricer) -> tuple[Decimal, Decimal] | None:
    """MinCapacity/MaxCapacity of the scalable target whose ResourceId names this service, if any."""
    for target in p.ctx.of_type(service.environment, "AWS::ApplicationAutoScaling::ScalableTarget"):
        if target.stack != service.stack:
            continue
        if service.logical_id in walk_refs(target.properties.get("ResourceId")):
            low = as_decimal(target.properties.get("MinCapacity"))
            high = as_decimal(target.properties.get("MaxCapacity"))
            if low is not None and high is not None:
                return low, high
    return None


def ecs_service(r: Resource, p: Pricer) -> Outcome:
    """Fargate: tasks × hours × (vCPU × rate + GB × rate [+ extra ephemeral GB × rate]), desired/min/max."""
    label = "ECS Fargate"
    props = r.properties
    td = p.ctx.same_stack(r, ref_id(props.get("TaskDefinition")))
    if td is None or td.type != "AWS::ECS::TaskDefinition":
        return Unpriced(label, "TaskDefinition is not a Ref to a task definition in the same stack")
    if props.get("LaunchType") == "EC2" or "FARGATE" not in td.properties.get(
        "RequiresCompatibilities", ["FARGATE"]
    ):
        return Unpriced("ECS on EC2", "EC2 launch type: its container instances are not in the catalogue")
    cpu, memory = as_decimal(td.properties.get("Cpu")), as_decimal(td.properties.get("Memory"))
    if cpu is None or memory is None:
        return Unpriced(label, f"task definition {td.logical_id} has Cpu/Memory that are not plain numbers")
    arch = str((td.properties.get("RuntimePlatform") or {}).get("CpuArchitecture", "X86_64")).upper()
    if arch not in ("X86_64", "ARM64"):
        return Unpriced(label, f"CPU architecture {arch!r} is not in the catalogue")
    family = arch.lower()
    notes = [f"{arch} task {td.logical_id}"]
    if not _valid_fargate_size(int(cpu), int(memory)):
        notes.append(f"Cpu {num(cpu)} / Memory {num(memory)} is not a valid Fargate size")
    vcpu, gb = cpu / 1024, memory / 1024
    vcpu_rate, gb_rate = p.rate(f"fargate.{family}.vcpu_hour"), p.rate(f"fargate.{family}.gb_hour")
    per_task = vcpu * vcpu_rate + gb * gb_rate
    terms = f"{num(vcpu)} vCPU × {num(vcpu_rate)} + {num(gb)} GB × {num(gb_rate)}"
    ephemeral = as_decimal((td.properties.get("EphemeralStorage") or {}).get("SizeInGiB"))
    if ephemeral is None:
        ephemeral = p.usage.fargate_ephemeral_gb
    extra = max(Decimal(0), ephemeral - _EPHEMERAL_INCLUDED_GB)
    if extra:
        storage_rate = p.rate("fargate.ephemeral_storage.gb_hour")
        per_task += extra * storage_rate
        terms += f" + {num(extra)} GB ephemeral × {num(storage_rate)}"
    desired = as_decimal(props.get("DesiredCount"))
    if desired is None:
        desired = Decimal(1)
        notes.append("DesiredCount absent: CloudFormation starts 1 task")
    bounds = _scaling_bounds(r, p)
    low = high = desired
    if bounds:
        low, high = bounds
        if not low <= desired <= high:
            notes.append(f"desired {num(desired)} is outside the scaling range, clamped")
            desired = min(max(desired, low), high)
    if any(s.get("CapacityProvider") == "FARGATE_SPOT" for s in props.get("CapacityProviderStrategy") or []):
        notes.append("FARGATE_SPOT capacity priced at on-demand rates")
    per_month = p.hours * per_task
    arithmetic = f"{plural(desired, 'task')} × {num(p.hours)} h × ({terms})"
    if bounds:
        arithmetic += f"; auto scaling min {num(low)}, max {num(high)}"
    return Priced(label, desired * per_month, arithmetic, low * per_month, high * per_month, "; ".join(notes))


def rds_instance(r: Resource, p: Pricer) -> Outcome:
    """RDS PostgreSQL: hours × class rate + GB × storage rate, multi-AZ rates when MultiAZ."""
    props = r.properties
    if props.get("DBClusterIdentifier"):
        return Unpriced("Aurora", "Aurora cluster instance: the catalogue has no Aurora prices")
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
    if engine != "postgres":
        return Unpriced("RDS", f"engine {engine or '(unknown)'!r} is not in the catalogue (PostgreSQL only)")
    cls = props.get("DBInstanceClass")
    storage = as_decimal(props.get("AllocatedStorage", inherited.get("AllocatedStorage")))
    if not isinstance(cls, str) or storage is None:
        return Unpriced(
            "RDS PostgreSQL", "DBInstanceClass or AllocatedStorage is missing or not a plain value"
        )
    notes = ["read replica"] if "SourceDBInstanceIdentifier" in props else []
    storage_type = props.get("StorageType") or inherited.get("StorageType")
    if not storage_type:
        storage_type = "gp2"
        notes.append("StorageType absent: CloudFormation default gp2")
    if props.get("Iops") or props.get("StorageThroughput"):
        notes.append("provisioned IOPS/throughput above the gp3 baseline not priced")
    multi = as_bool(props.get("MultiAZ"))
    az, az_label = ("multi_az", "multi-AZ") if multi else ("single_az", "single-AZ")
    hour_rate = p.rate(f"rds.postgres.{cls}.{az}_hour")
    gb_rate = p.rate(f"rds.{str(storage_type).lower()}.{az}_gb_month")
    monthly = p.hours * hour_rate + storage * gb_rate
    arithmetic = (
        f"{num(p.hours)} h × {num(hour_rate)} ({cls}, {az_label})"
        f" + {num(storage)} GB × {num(gb_rate)} ({storage_type}, {az_label})"
    )
    return Priced("RDS PostgreSQL", monthly, arithmetic, note="; ".join(notes))


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
    arithmetic = f"{plural(nodes, 'node')} × {num(p.hours)} h × {num(rate)} ({node_type}, {engine})"
    return Priced("ElastiCache", nodes * p.hours * rate, arithmetic, note=note)


def nat_gateway(r: Resource, p: Pricer) -> Outcome:
    hour, gb_rate = p.rate("nat_gateway.hour"), p.rate("nat_gateway.gb_processed")
    gb = p.usage.nat_gb_processed_month
    arithmetic = f"{num(p.hours)} h × {num(hour)} + {num(gb)} GB × {num(gb_rate)}"
    return Priced("NAT Gateway", p.hours * hour + gb * gb_rate, arithmetic)


def elastic_ip(r: Resource, p: Pricer) -> Outcome:
    rate = p.rate("public_ipv4.hour")
    return Priced("Public IPv4", p.hours * rate, f"1 public IPv4 × {num(p.hours)} h × {num(rate)}")


def load_balancer(r: Resource, p: Pricer) -> Outcome:
    """ALB: hours × rate + LCUs × hours × rate + one public IPv4 per subnet when internet-facing."""
    props = r.properties
    kind = props.get("Type", "application")
    if kind != "application":
        return Unpriced("Elastic Load Balancing", f"{kind} load balancer is not in the catalogue")
    hour, lcu_rate = p.rate("alb.hour"), p.rate("alb.lcu_hour")
    lcus = p.usage.alb_lcu_avg
    monthly = p.hours * hour + lcus * p.hours * lcu_rate
    arithmetic = f"{num(p.hours)} h × {num(hour)} + {num(lcus)} LCU × {num(p.hours)} h × {num(lcu_rate)}"
    public = props.get("Scheme", "internet-facing") == "internet-facing"
    if public and props.get("IpAddressType") != "dualstack-without-public-ipv4":
        subnets = props.get("Subnets", props.get("SubnetMappings"))
        if not isinstance(subnets, list):
            return Unpriced(
                "Application Load Balancer", "Subnets is not a list: cannot count its public IPv4 addresses"
            )
        ips = Decimal(len(subnets))
        ip_rate = p.rate("public_ipv4.hour")
        monthly += ips * p.hours * ip_rate
        arithmetic += f" + {num(ips)} public IPv4 × {num(p.hours)} h × {num(ip_rate)}"
    return Priced("Application Load Balancer", monthly, arithmetic)


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
    rate = p.rate("sqs.fifo.million_requests" if fifo else "sqs.standard.million_requests")
    if (r.stack, r.logical_id) in dlqs:
        return Priced(
            "SQS", Decimal(0), f"0 requests × {num(rate)} per million", note="dead-letter queue: assumed idle"
        )
    active = [
        q for q in p.ctx.of_type(r.environment, "AWS::SQS::Queue") if (q.stack, q.logical_id) not in dlqs
    ]
    share = p.free_share("sqs.requests_month", len(active))
    billable, requests = _less_free(p.usage.sqs_requests_month, share, "requests", "free share")
    arithmetic = f"{requests} / 1,000,000 × {num(rate)}"
    note = f"free million shared by the environment's {plural(Decimal(len(active)), 'active queue')}"
    return Priced("SQS", billable / _MILLION * rate, arithmetic, note=note)


def secret(r: Resource, p: Pricer) -> Outcome:
    month, call_rate = p.rate("secretsmanager.secret_month"), p.rate("secretsmanager.10k_api_calls")
    calls = p.usage.secret_api_calls_month
    arithmetic = f"1 secret × {num(month)} + {num(calls)} calls / 10,000 × {num(call_rate)}"
    return Priced("Secrets Manager", month + calls / 10000 * call_rate, arithmetic)


def distribution(r: Resource, p: Pricer) -> Outcome:
    """CloudFront: GB and HTTPS requests beyond this distribution's share of the free tier."""
    gb_rate, req_rate = p.rate("cloudfront.gb_out"), p.rate("cloudfront.10k_https_requests")
    sharers = len(p.ctx.of_type(r.environment, r.type))
    free_gb = p.free_share("cloudfront.gb_month", sharers)
    free_requests = p.free_share("cloudfront.https_requests_month", sharers)
    billable_gb, gb = _less_free(p.usage.cloudfront_gb_month, free_gb, "GB")
    billable_requests, requests = _less_free(
        p.usage.cloudfront_https_requests_month, free_requests, "requests"
    )
    monthly = billable_gb * gb_rate + billable_requests / 10000 * req_rate
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
    arithmetic = (
        f"{num(u.s3_storage_gb)} GB × {num(gb_rate)}"
        f" + {num(u.s3_put_requests_month)} PUT / 1,000 × {num(put_rate)}"
        f" + {num(u.s3_get_requests_month)} GET / 1,000 × {num(get_rate)}"
    )
    return Priced("S3", monthly, arithmetic)


def _flow_log_groups(r: Resource, p: Pricer) -> set[tuple[str, str]]:
    """Log groups that receive VPC flow logs (their ingestion is priced on the flow log)."""
    groups: set[tuple[str, str]] = set()
    for flow in p.ctx.of_type(r.environment, "AWS::EC2::FlowLog"):
        props = flow.properties
        for target in walk_refs([props.get("LogGroupName"), props.get("LogDestination")]):
            groups.add((flow.stack, target))
    return groups


def log_group(r: Resource, p: Pricer) -> Outcome:
    """CloudWatch Logs: ingestion beyond this group's share of the free 5 GB, plus storage."""
    store_rate = p.rate("cloudwatch.logs.storage_gb_month")
    stored = p.usage.log_storage_gb
    flow_groups = _flow_log_groups(r, p)
    if (r.stack, r.logical_id) in flow_groups:
        arithmetic = f"{num(stored)} GB stored × {num(store_rate)}"
        return Priced(
            "CloudWatch Logs",
            stored * store_rate,
            arithmetic,
            note="flow-log ingestion priced on the flow log",
        )
    ingest_rate = p.rate("cloudwatch.logs.ingest_gb")
    sharers = [g for g in p.ctx.of_type(r.environment, r.type) if (g.stack, g.logical_id) not in flow_groups]
    share = p.free_share("cloudwatch.logs_gb_month", len(sharers))
    billable, ingested = _less_free(p.usage.log_ingest_gb_month, share, "GB", "free share")
    monthly = billable * ingest_rate + stored * store_rate
    arithmetic = f"{ingested} × {num(ingest_rate)} + {num(stored)} GB stored × {num(store_rate)}"
    return Priced("CloudWatch Logs", monthly, arithmetic)


def flow_log(r: Resource, p: Pricer) -> Outcome:
    destination = r.properties.get("LogDestinationType", "cloud-watch-logs")
    keys = {"cloud-watch-logs": "cloudwatch.logs.vended_ingest_gb", "s3": "vpc_flow_logs.s3_delivery_gb"}
    if destination not in keys:
        return Unpriced("VPC Flow Logs", f"delivery to {destination!r} is not in the catalogue")
    rate = p.rate(keys[destination])
    gb = p.usage.flow_log_gb_month
    return Priced("VPC Flow Logs", gb * rate, f"{num(gb)} GB × {num(rate)} (vended logs to {destination})")


def _ranked_free(r: Resource, p: Pricer, free_key: str, types: tuple[str, ...]) -> bool:
    """Whether `r` is among the first N of its kind in its environment, N being the account's free count."""
    allowance = int(p.ctx.catalogue.free_quantity(free_key))
    ranked = p.ctx.of_type(r.environment, *types)
    return any(x is r for x in ranked[:allowance])


def alarm(r: Resource, p: Pricer) -> Outcome:
    """CloudWatch alarm: metrics in the alarm × rate; the environment's first 10 standard alarms are free."""
    props = r.properties
    metrics = [m for m in props.get("Metrics") or [] if isinstance(m, dict) and "MetricStat" in m]
    count = Decimal(len(metrics) or 1)
    periods = [as_decimal(m["MetricStat"].get("Period")) for m in metrics] or [
        as_decimal(props.get("Period"))
    ]
    high_res = any(period is not None and period < 60 for period in periods)
    if not high_res and _ranked_free(r, p, "cloudwatch.alarms_month", ("AWS::CloudWatch::Alarm",)):
        return Free("CloudWatch Alarms", "within the account's free tier of standard alarm metrics")
    rate = p.rate("cloudwatch.alarm.high_resolution_month" if high_res else "cloudwatch.alarm.standard_month")
    kind = "high-resolution" if high_res else "standard"
    return Priced(
        "CloudWatch Alarms", count * rate, f"{plural(count, 'alarm metric')} × {num(rate)} ({kind})"
    )


def composite_alarm(r: Resource, p: Pricer) -> Outcome:
    rate = p.rate("cloudwatch.alarm.composite_month")
    return Priced("CloudWatch Alarms", rate, f"1 composite alarm × {num(rate)}")


def dashboard(r: Resource, p: Pricer) -> Outcome:
    if _ranked_free(r, p, "cloudwatch.dashboards_month", (r.type,)):
        return Free("CloudWatch Dashboards", "within the account's free tier of dashboards")
    rate = p.rate("cloudwatch.dashboard_month")
    return Priced("CloudWatch Dashboards", rate, f"1 dashboard × {num(rate)}")


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
    return Priced("AWS Backup", count * gb * rate, arithmetic, note=note)


def kms_key(r: Resource, p: Pricer) -> Outcome:
    rate = p.rate("kms.key_month")
    return Priced("KMS", rate, f"1 key × {num(rate)}", note="requests (0.03 per 10,000) not estimated")


def vpc_endpoint(r: Resource, p: Pricer) -> Outcome:
    if r.properties.get("VpcEndpointType", "Gateway") == "Gateway":
        return Free("VPC", "gateway endpoints have no charge")
    return Unpriced("VPC Endpoints", "interface endpoints are not in the catalogue")


def ssm_parameter(r: Resource, p: Pricer) -> Outcome:
    if r.properties.get("Tier") in ("Advanced", "Intelligent-Tiering"):
        return Unpriced("Systems Manager", "advanced parameters are not in the catalogue")
    return Free("Systems Manager", "standard parameters have no charge")


RULES: dict[str, Rule] = {
    "AWS::ECS::Service": ecs_service,
    "AWS::RDS::DBInstance": rds_instance,
    "AWS::ElastiCache::ReplicationGroup": elasticache,
    "AWS::ElastiCache::CacheCluster": elasticache,
    "AWS::EC2::NatGateway": nat_gateway,
    "AWS::EC2::EIP": elastic_ip,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": load_balancer,
    "AWS::SQS::Queue": sqs_queue,
    "AWS::SecretsManager::Secret": secret,
    "AWS::CloudFront::Distribution": distribution,
    "AWS::S3::Bucket": bucket,
    "AWS::Logs::LogGroup": log_group,
    "AWS::EC2::FlowLog": flow_log,
    "AWS::CloudWatch::Alarm": alarm,
    "AWS::CloudWatch::CompositeAlarm": composite_alarm,
    "AWS::CloudWatch::Dashboard": dashboard,
    "AWS::Backup::BackupSelection": backup_selection,
    "AWS::KMS::Key": kms_key,
    "AWS::EC2::VPCEndpoint": vpc_endpoint,
    "AWS::SSM::Parameter": ssm_parameter,
}
