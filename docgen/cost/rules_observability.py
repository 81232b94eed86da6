"""Pricing rules for observability: log groups, flow logs, alarms and dashboards."""

from __future__ import annotations

from decimal import Decimal

from docgen.assembly.model import Resource
from docgen.cost.context import (
    Free,
    Outcome,
    Priced,
    Pricer,
    Unpriced,
    as_decimal,
    num,
    plural,
    walk_refs,
)
from docgen.cost.rules_common import less_free


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
        p.monthly("Storage", "cloudwatch.logs.storage_gb_month", stored, usage=True)
        return Priced(
            "CloudWatch Logs",
            stored * store_rate,
            arithmetic,
            note="flow-log ingestion priced on the flow log",
        )
    ingest_rate = p.rate("cloudwatch.logs.ingest_gb")
    sharers = [g for g in p.ctx.of_type(r.environment, r.type) if (g.stack, g.logical_id) not in flow_groups]
    share = p.free_share("cloudwatch.logs_gb_month", len(sharers))
    billable, ingested = less_free(p.usage.log_ingest_gb_month, share, "GB", "free share")
    monthly = billable * ingest_rate + stored * store_rate
    p.monthly("Ingestion", "cloudwatch.logs.ingest_gb", billable, usage=True)
    p.monthly("Storage", "cloudwatch.logs.storage_gb_month", stored, usage=True)
    arithmetic = f"{ingested} × {num(ingest_rate)} + {num(stored)} GB stored × {num(store_rate)}"
    return Priced("CloudWatch Logs", monthly, arithmetic)


def flow_log(r: Resource, p: Pricer) -> Outcome:
    destination = r.properties.get("LogDestinationType", "cloud-watch-logs")
    keys = {"cloud-watch-logs": "cloudwatch.logs.vended_ingest_gb", "s3": "vpc_flow_logs.s3_delivery_gb"}
    if destination not in keys:
        return Unpriced("VPC Flow Logs", f"delivery to {destination!r} is not in the catalogue")
    rate = p.rate(keys[destination])
    gb = p.usage.flow_log_gb_month
    p.monthly(f"Vended log delivery ({destination})", keys[destination], gb, usage=True)
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
    key = "cloudwatch.alarm.high_resolution_month" if high_res else "cloudwatch.alarm.standard_month"
    rate = p.rate(key)
    kind = "high-resolution" if high_res else "standard"
    p.monthly(f"Alarm metrics ({kind})", key, count, usage=False)
    return Priced(
        "CloudWatch Alarms", count * rate, f"{plural(count, 'alarm metric')} × {num(rate)} ({kind})"
    )


def composite_alarm(r: Resource, p: Pricer) -> Outcome:
    rate = p.rate("cloudwatch.alarm.composite_month")
    p.monthly("Composite alarm", "cloudwatch.alarm.composite_month", Decimal(1), usage=False)
    return Priced("CloudWatch Alarms", rate, f"1 composite alarm × {num(rate)}")


def dashboard(r: Resource, p: Pricer) -> Outcome:
    if _ranked_free(r, p, "cloudwatch.dashboards_month", (r.type,)):
        return Free("CloudWatch Dashboards", "within the account's free tier of dashboards")
    rate = p.rate("cloudwatch.dashboard_month")
    p.monthly("Dashboard", "cloudwatch.dashboard_month", Decimal(1), usage=False)
    return Priced("CloudWatch Dashboards", rate, f"1 dashboard × {num(rate)}")
