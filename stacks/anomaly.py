"""Anomaly-detection alarms: each HTTP workload's request count and P99 latency against the band CloudWatch
learns from their history (ANOMALY_DETECTION_BAND, the spec's band width in standard deviations).

They catch what fixed thresholds miss: traffic that drops to half at noon, or a P99 that doubles while staying
under the KPI threshold. Like every alarm they carry a severity, a runbook and the topic of that severity.
"""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from designspec.naming import alarm_name
from designspec.observability import AnomalyDetection
from stacks.alerting import AlarmRouting
from stacks.monitoring import KpiMetrics, describe, route

OUTSIDE = cw.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD
ABOVE = cw.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD


def anomaly_alarms(
    scope: Construct, *, name: str, kpi: KpiMetrics, settings: AnomalyDetection, routing: AlarmRouting
) -> list[cw.Alarm]:
    """Requests outside the band either way (a drop is an outage seen from the client side), P99 above it."""
    width = f"{settings.band_width:g}"
    return [
        _alarm(
            scope,
            "RequestAnomaly",
            kind="request-anomaly",
            subject=name,
            metric=kpi.requests,
            op=OUTSIDE,
            shown=f"request count outside its anomaly band ({width} standard deviations)",
            settings=settings,
            routing=routing,
        ),
        _alarm(
            scope,
            "LatencyAnomaly",
            kind="latency-anomaly",
            subject=name,
            metric=kpi.p99,
            op=ABOVE,
            shown=f"P99 latency above its anomaly band ({width} standard deviations)",
            settings=settings,
            routing=routing,
        ),
    ]


def _alarm(
    scope: Construct,
    id: str,
    *,
    kind: str,
    subject: str,
    metric: cw.IMetric,
    op: cw.ComparisonOperator,
    shown: str,
    settings: AnomalyDetection,
    routing: AlarmRouting,
) -> cw.Alarm:
    periods = settings.evaluation_periods
    alarm = cw.AnomalyDetectionAlarm(
        scope,
        id,
        alarm_name=alarm_name(routing.name_prefix, subject, kind),
        metric=metric,
        std_devs=settings.band_width,
        comparison_operator=op,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        # No requests at all publish no datapoint: quiet hours are not an anomaly (the availability KPI
        # and the ALB's own 5xx alarm catch a service that is down).
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        alarm_description=describe(kind, subject, shown, periods, routing),
    )
    return route(alarm, kind, routing)
