"""Pricing rules for observability: log groups, flow logs, alarms (anomaly detection bills three metrics),
dashboards, the Prometheus and Grafana workspaces, and Incident Manager's response plans."""

from __future__ import annotations

from decimal import Decimal

import yaml

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
    ref_id,
    walk_refs,
)
from docgen.cost.rules_common import less_free
from docgen.data import SAFE_LOADER

ANOMALY_ALARM_METRICS = 3  # CloudWatch bills an anomaly-detection alarm as three standard alarm metrics
SAMPLES_UNIT = Decimal(10_000_000)
DEFAULT_SCRAPE_SECONDS = Decimal(60)  # OTLP metrics' default export interval when nothing is scraped


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
    if "ThresholdMetricId" in props:  # anomaly detection: the metric and the band's two bounds
        count = Decimal(ANOMALY_ALARM_METRICS)
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


def _remote_write_interval(task: Resource | None) -> Decimal | None:
    """The seconds between samples of a task whose collector remote-writes to AMP (its scrape interval), or
    None when it does not remote-write."""
    for container in (task.properties.get("ContainerDefinitions") if task else None) or []:
        for variable in container.get("Environment") or []:
            if variable.get("Name") != "AOT_CONFIG_CONTENT":
                continue
            value = variable.get("Value")
            text = value.get("Fn::Sub") if isinstance(value, dict) else value
            config = yaml.load(text, Loader=SAFE_LOADER) if isinstance(text, str) else None
            if not isinstance(config, dict) or "prometheusremotewrite" not in (config.get("exporters") or {}):
                return None
            jobs = (
                ((config.get("receivers") or {}).get("prometheus") or {})
                .get("config", {})
                .get("scrape_configs")
            )
            interval = str((jobs or [{}])[0].get("scrape_interval", "")).rstrip("s")
            return as_decimal(interval) or DEFAULT_SCRAPE_SECONDS
    return None


def amp_workspace(r: Resource, p: Pricer) -> Outcome:
    """AMP: samples ingested (series per task x tasks x the month's seconds / interval) and storage."""
    series, seconds = p.usage.amp_series_per_task, p.hours * 3600
    samples, tasks = Decimal(0), Decimal(0)
    for service in p.ctx.of_type(r.environment, "AWS::ECS::Service"):
        task = p.ctx.same_stack(service, ref_id(service.properties.get("TaskDefinition")))
        interval = _remote_write_interval(task)
        if interval is None:
            continue
        desired = as_decimal(service.properties.get("DesiredCount")) or Decimal(1)
        tasks += desired
        samples += desired * series * seconds / interval
    ingest, store = p.rate("amp.samples_10m"), p.rate("amp.storage_gb_month")
    stored = p.usage.amp_storage_gb
    p.monthly("Samples ingested", "amp.samples_10m", samples / SAMPLES_UNIT, usage=True)
    p.monthly("Storage", "amp.storage_gb_month", stored, usage=True)
    arithmetic = (
        f"{num(samples / SAMPLES_UNIT)} × 10M samples ({num(series)} series × {num(tasks)} tasks) × "
        f"{num(ingest)} + {num(stored)} GB × {num(store)}"
    )
    return Priced(
        "Amazon Managed Service for Prometheus", samples / SAMPLES_UNIT * ingest + stored * store, arithmetic
    )


def grafana_workspace(r: Resource, p: Pricer) -> Outcome:
    """AMG: active users a month; every workspace pays at least one editor licence."""
    editors = max(p.usage.grafana_editors, Decimal(1))
    viewers = p.usage.grafana_viewers
    editor, viewer = p.rate("grafana.editor_month"), p.rate("grafana.viewer_month")
    p.monthly("Editor licences", "grafana.editor_month", editors, usage=True)
    p.monthly("Viewer licences", "grafana.viewer_month", viewers, usage=True)
    arithmetic = f"{plural(editors, 'editor')} × {num(editor)} + {plural(viewers, 'viewer')} × {num(viewer)}"
    return Priced("Amazon Managed Grafana", editors * editor + viewers * viewer, arithmetic)


def response_plan(r: Resource, p: Pricer) -> Outcome:
    rate = p.rate("incident_manager.response_plan_month")
    p.monthly("Response plan", "incident_manager.response_plan_month", Decimal(1), usage=False)
    return Priced("Incident Manager", rate, f"1 response plan × {num(rate)}")
