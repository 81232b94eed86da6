"""Baseline alarms: the specification's KPIs (availability, P50/P99 latency, error rate) and infrastructure alarms."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from designspec.model import Kpis

FIVE_MIN = Duration.minutes(5)


def _alarm(scope: Construct, id: str, *, metric: cw.IMetric, threshold: float, op: cw.ComparisonOperator,
           description: str, topic: sns.ITopic, periods: int = 3) -> cw.Alarm:
    alarm = cw.Alarm(
        scope,
        id,
        metric=metric,
        threshold=threshold,
        comparison_operator=op,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        alarm_description=description,
    )
    alarm.add_alarm_action(cw_actions.SnsAction(topic))
    return alarm


def http_kpi_alarms(scope: Construct, *, name: str, target_group: elbv2.ApplicationTargetGroup,
                    kpis: Kpis, topic: sns.ITopic) -> None:
    """KPI alarms of an HTTP workload, measured at the ALB target group."""
    m = target_group.metrics
    requests = m.request_count(period=FIVE_MIN, statistic="Sum")
    errors = m.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=FIVE_MIN, statistic="Sum")
    error_rate = cw.MathExpression(
        expression="IF(requests > 0, 100 * errors / requests, 0)",
        using_metrics={"requests": requests, "errors": errors},
        period=FIVE_MIN,
        label=f"{name} 5xx rate (%)",
    )
    availability = cw.MathExpression(
        expression="IF(requests > 0, 100 - 100 * errors / requests, 100)",
        using_metrics={"requests": requests, "errors": errors},
        period=FIVE_MIN,
        label=f"{name} availability (%)",
    )
    lt, gt = cw.ComparisonOperator.LESS_THAN_THRESHOLD, cw.ComparisonOperator.GREATER_THAN_THRESHOLD
    _alarm(scope, "Availability", metric=availability, threshold=kpis.availability_alert_below_percent, op=lt,
           description=f"KPI Availability of {name} below {kpis.availability_alert_below_percent}%", topic=topic)
    _alarm(scope, "ErrorRate", metric=error_rate, threshold=kpis.error_rate_alert_percent, op=gt,
           description=f"KPI Error Rate of {name} above {kpis.error_rate_alert_percent}%", topic=topic)
    for stat, threshold in (("p50", kpis.p50_latency_alert_ms), ("p99", kpis.p99_latency_alert_ms)):
        latency = m.target_response_time(period=FIVE_MIN, statistic=stat)
        _alarm(scope, f"Latency{stat.upper()}", metric=latency, threshold=threshold / 1000, op=gt,
               description=f"KPI {stat.upper()} Latency of {name} above {threshold} ms", topic=topic)


def queue_alarms(scope: Construct, *, name: str, queue: sqs.IQueue, dead_letter_queue: sqs.IQueue,
                 max_age_seconds: int, topic: sns.ITopic) -> None:
    gt = cw.ComparisonOperator.GREATER_THAN_THRESHOLD
    _alarm(scope, "DlqDepth", metric=dead_letter_queue.metric_approximate_number_of_messages_visible(period=FIVE_MIN),
           threshold=0, op=gt, periods=1, description=f"Messages in the DLQ of {name}", topic=topic)
    _alarm(scope, "OldestMessage", metric=queue.metric_approximate_age_of_oldest_message(period=FIVE_MIN),
           threshold=max_age_seconds, op=gt, description=f"Oldest message of {name} older than {max_age_seconds} s",
           topic=topic)
