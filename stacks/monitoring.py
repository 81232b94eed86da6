"""Alarms: the specification's KPI table and the infrastructure alarms, each with a severity and a runbook.

Every alarm carries its facts in the template, because docgen reads only cdk.out: the description is one line,
`[P2] <title>: <subject> <condition> for <n> min. Runbook: runbooks/<kind>.md`, and the tags Severity,
AlarmKind and Runbook say the same in fields. The metrics of the KPI table are built here once and shared with
the application dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, TagManager
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from designspec.model import Kpis
from designspec.naming import alarm_name
from designspec.observability import Thresholds
from stacks.alerting import AlarmRouting
from stacks.runbooks import runbook

FIVE_MIN = Duration.minutes(5)
GT = cw.ComparisonOperator.GREATER_THAN_THRESHOLD
LT = cw.ComparisonOperator.LESS_THAN_THRESHOLD
GIB = 1024**3


# --- metrics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiMetrics:
    """The KPI table's measurements of one HTTP workload, at its ALB target group (5-minute periods)."""

    requests: cw.Metric
    error_rate: cw.MathExpression  # percent of requests answered 5xx by the targets
    availability: cw.MathExpression  # percent of requests not answered 5xx
    p50: cw.Metric  # seconds
    p99: cw.Metric  # seconds


def kpi_metrics(target_group: elbv2.IApplicationTargetGroup, name: str) -> KpiMetrics:
    m = target_group.metrics
    requests = m.request_count(period=FIVE_MIN, statistic="Sum")
    errors = m.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=FIVE_MIN, statistic="Sum")
    using = {"requests": requests, "errors": errors}
    return KpiMetrics(
        requests=requests,
        error_rate=cw.MathExpression(
            expression="IF(requests > 0, 100 * errors / requests, 0)",
            using_metrics=using,
            period=FIVE_MIN,
            label=f"{name} 5xx rate (%)",
        ),
        availability=cw.MathExpression(
            expression="IF(requests > 0, 100 - 100 * errors / requests, 100)",
            using_metrics=using,
            period=FIVE_MIN,
            label=f"{name} availability (%)",
        ),
        p50=m.target_response_time(period=FIVE_MIN, statistic="p50"),
        p99=m.target_response_time(period=FIVE_MIN, statistic="p99"),
    )


# --- the alarm factory ---------------------------------------------------------------------------


def number(value: float) -> str:
    return f"{value:g}"


def severity_alarm(
    scope: Construct,
    id: str,
    *,
    kind: str,
    subject: str,
    metric: cw.IMetric,
    threshold: float,
    op: cw.ComparisonOperator,
    shown: str,
    routing: AlarmRouting,
    periods: int = 3,
) -> cw.Alarm:
    """An alarm of `kind` on `subject`; `shown` is the condition for people ("above 85%")."""
    alarm = cw.Alarm(
        scope,
        id,
        alarm_name=alarm_name(routing.name_prefix, subject, kind),
        metric=metric,
        threshold=threshold,
        comparison_operator=op,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        alarm_description=describe(kind, subject, shown, periods, routing),
    )
    return route(alarm, kind, routing)


def describe(kind: str, subject: str, shown: str, periods: int, routing: AlarmRouting) -> str:
    """`[P2] <title>: <subject> <condition> for <n> min. Runbook: runbooks/<kind>.md` (5-minute periods)."""
    rb = runbook(kind)
    return (
        f"[{routing.severity(kind)}] {rb.title}: {subject} {shown} for {periods * 5} min. Runbook: {rb.path}"
    )


def route(alarm: cw.Alarm, kind: str, routing: AlarmRouting) -> cw.Alarm:
    """The alarm's actions (its severity's topic, an incident for P1/P2 where Incident Manager runs) and the
    tags docgen reads: Severity, AlarmKind, Runbook."""
    alarm.add_alarm_action(*routing.actions(kind))
    # Set on the L1 directly: Tags.of() adds an aspect per call, which costs synth time at hundreds of alarms.
    tags = TagManager.of(alarm.node.default_child)
    assert tags is not None  # AWS::CloudWatch::Alarm takes Tags
    for key, value in (
        ("Severity", routing.severity(kind)),
        ("AlarmKind", kind),
        ("Runbook", runbook(kind).path),
    ):
        tags.set_tag(key, value)
    return alarm


# --- alarms per component ------------------------------------------------------------------------


def http_kpi_alarms(
    scope: Construct, *, name: str, kpi: KpiMetrics, kpis: Kpis, routing: AlarmRouting
) -> list[cw.Alarm]:
    """The KPI table of an HTTP workload: availability, error rate, P50 and P99 latency."""
    return [
        severity_alarm(
            scope,
            "Availability",
            kind="availability",
            subject=name,
            metric=kpi.availability,
            threshold=kpis.availability_alert_below_percent,
            op=LT,
            shown=f"availability below {number(kpis.availability_alert_below_percent)}%",
            routing=routing,
        ),
        severity_alarm(
            scope,
            "ErrorRate",
            kind="high-errors",
            subject=name,
            metric=kpi.error_rate,
            threshold=kpis.error_rate_alert_percent,
            op=GT,
            shown=f"5xx rate above {number(kpis.error_rate_alert_percent)}%",
            routing=routing,
        ),
        severity_alarm(
            scope,
            "LatencyP50",
            kind="latency-p50",
            subject=name,
            metric=kpi.p50,
            threshold=kpis.p50_latency_alert_ms / 1000,
            op=GT,
            shown=f"P50 latency above {kpis.p50_latency_alert_ms} ms",
            routing=routing,
        ),
        severity_alarm(
            scope,
            "LatencyP99",
            kind="latency-p99",
            subject=name,
            metric=kpi.p99,
            threshold=kpis.p99_latency_alert_ms / 1000,
            op=GT,
            shown=f"P99 latency above {kpis.p99_latency_alert_ms} ms",
            routing=routing,
        ),
    ]


def service_alarms(
    scope: Construct, *, name: str, service: ecs.FargateService, thresholds: Thresholds, routing: AlarmRouting
) -> list[cw.Alarm]:
    """CPU and memory of every Fargate workload (ECS service metrics, average over its tasks)."""
    return [
        severity_alarm(
            scope,
            "HighCpu",
            kind="high-cpu",
            subject=name,
            metric=service.metric_cpu_utilization(period=FIVE_MIN),
            threshold=thresholds.cpu_percent,
            op=GT,
            shown=f"CPU above {number(thresholds.cpu_percent)}%",
            routing=routing,
        ),
        severity_alarm(
            scope,
            "HighMemory",
            kind="high-memory",
            subject=name,
            metric=service.metric_memory_utilization(period=FIVE_MIN),
            threshold=thresholds.memory_percent,
            op=GT,
            shown=f"memory above {number(thresholds.memory_percent)}%",
            routing=routing,
        ),
    ]


def dead_letter_alarm(
    scope: Construct,
    id: str,
    *,
    kind: str,
    name: str,
    dead_letter_queue: sqs.IQueue,
    shown: str,
    routing: AlarmRouting,
) -> cw.Alarm:
    """Any message in a dead-letter queue: a queue's failed messages, or a job's runs that could not start."""
    return severity_alarm(
        scope,
        id,
        kind=kind,
        subject=name,
        metric=dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=FIVE_MIN, statistic="Maximum"
        ),
        threshold=0,
        op=GT,
        periods=1,
        shown=shown,
        routing=routing,
    )


def queue_alarms(
    scope: Construct,
    *,
    name: str,
    queue: sqs.IQueue,
    dead_letter_queue: sqs.IQueue,
    max_age_seconds: int,
    routing: AlarmRouting,
) -> list[cw.Alarm]:
    return [
        dead_letter_alarm(
            scope,
            "DlqDepth",
            kind="dlq-depth",
            name=name,
            dead_letter_queue=dead_letter_queue,
            shown="dead-letter queue holds messages",
            routing=routing,
        ),
        severity_alarm(
            scope,
            "OldestMessage",
            kind="queue-age",
            subject=name,
            metric=queue.metric_approximate_age_of_oldest_message(period=FIVE_MIN, statistic="Maximum"),
            threshold=max_age_seconds,
            op=GT,
            shown=f"oldest message older than {max_age_seconds} s",
            routing=routing,
        ),
    ]


def database_alarms(
    scope: Construct,
    *,
    name: str,
    instance: rds.DatabaseInstance,
    max_connections: int,
    allocated_storage_gb: int,
    thresholds: Thresholds,
    routing: AlarmRouting,
) -> list[cw.Alarm]:
    """Connections near PostgreSQL's max_connections; free storage below a share of the allocated storage."""
    connections = round(max_connections * thresholds.db_connections_percent / 100)
    free_gb = allocated_storage_gb * thresholds.db_free_storage_percent / 100
    return [
        severity_alarm(
            scope,
            "Connections",
            kind="db-connection",
            subject=name,
            metric=instance.metric_database_connections(period=FIVE_MIN, statistic="Maximum"),
            threshold=connections,
            op=GT,
            shown=f"connections above {connections} ({number(thresholds.db_connections_percent)}% of "
            f"max_connections {max_connections})",
            routing=routing,
        ),
        severity_alarm(
            scope,
            "FreeStorage",
            kind="db-storage",
            subject=name,
            metric=instance.metric_free_storage_space(period=FIVE_MIN, statistic="Minimum"),
            threshold=free_gb * GIB,
            op=LT,
            periods=1,
            shown=f"free storage below {number(free_gb)} GiB "
            f"({number(thresholds.db_free_storage_percent)}% of {allocated_storage_gb} GiB allocated)",
            routing=routing,
        ),
    ]


def cache_alarms(
    scope: Construct, *, name: str, memory_usage: cw.IMetric, thresholds: Thresholds, routing: AlarmRouting
) -> list[cw.Alarm]:
    return [
        severity_alarm(
            scope,
            "Memory",
            kind="redis-memory",
            subject=name,
            metric=memory_usage,
            threshold=thresholds.redis_memory_percent,
            op=GT,
            shown=f"memory above {number(thresholds.redis_memory_percent)}% on its fullest node",
            routing=routing,
        ),
    ]


def alb_alarms(
    scope: Construct, *, alb: elbv2.IApplicationLoadBalancer, thresholds: Thresholds, routing: AlarmRouting
) -> list[cw.Alarm]:
    """5xx the load balancer returns itself (no healthy target, timeout); target 5xx are the error KPI."""
    count = thresholds.alb_5xx_per_5_minutes
    return [
        severity_alarm(
            scope,
            "Elb5xx",
            kind="alb-5xx",
            subject="load-balancer",
            metric=alb.metrics.http_code_elb(
                elbv2.HttpCodeElb.ELB_5XX_COUNT, period=FIVE_MIN, statistic="Sum"
            ),
            threshold=count,
            op=GT,
            periods=2,
            shown=f"more than {count} ELB 5xx per 5 min",
            routing=routing,
        ),
    ]


def cloudfront_alarms(
    scope: Construct,
    *,
    name: str,
    distribution: cloudfront.Distribution,
    thresholds: Thresholds,
    routing: AlarmRouting,
) -> list[cw.Alarm]:
    """CloudFront publishes its metrics in us-east-1 only: call this for stacks in us-east-1."""
    rate = thresholds.cloudfront_5xx_percent
    return [
        severity_alarm(
            scope,
            "Cdn5xx",
            kind="cloudfront-5xx",
            subject=name,
            metric=distribution.metric5xx_error_rate(period=FIVE_MIN, statistic="Average"),
            threshold=rate,
            op=GT,
            shown=f"5xx error rate above {number(rate)}%",
            routing=routing,
        ),
    ]
