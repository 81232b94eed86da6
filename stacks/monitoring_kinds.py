"""Alarms of scheduled jobs, functions, tables and shared file systems, each with its severity and runbook
(stacks/runbooks_kinds.py), built with the same factory as every other alarm (stacks/monitoring.py)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_efs as efs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from designspec.observability import Thresholds
from stacks.alerting import AlarmRouting
from stacks.monitoring import FIVE_MIN, GT, dead_letter_alarm, number, severity_alarm


def job_alarms(
    scope: Construct, *, name: str, dead_letter_queue: sqs.IQueue, routing: AlarmRouting
) -> list[cw.Alarm]:
    """A scheduled run that could not start after its retries lands in the job's DLQ."""
    return [
        dead_letter_alarm(
            scope,
            "NotStarted",
            kind="job-dlq",
            name=name,
            dead_letter_queue=dead_letter_queue,
            shown="a scheduled run could not start (its DLQ holds messages)",
            routing=routing,
        )
    ]


def function_alarms(
    scope: Construct, *, name: str, function: lambda_.IFunction, thresholds: Thresholds, routing: AlarmRouting
) -> list[cw.Alarm]:
    """Errors as a share of invocations, and any throttle."""
    rate = thresholds.function_errors_percent
    errors = cw.MathExpression(
        expression="IF(invocations > 0, 100 * errors / invocations, 0)",
        using_metrics={
            "errors": function.metric_errors(period=FIVE_MIN, statistic="Sum"),
            "invocations": function.metric_invocations(period=FIVE_MIN, statistic="Sum"),
        },
        period=FIVE_MIN,
        label=f"{name} error rate (%)",
    )
    return [
        severity_alarm(
            scope,
            "Errors",
            kind="function-errors",
            subject=name,
            metric=errors,
            threshold=rate,
            op=GT,
            shown=f"errors above {number(rate)}% of invocations",
            routing=routing,
        ),
        severity_alarm(
            scope,
            "Throttles",
            kind="function-throttles",
            subject=name,
            metric=function.metric_throttles(period=FIVE_MIN, statistic="Sum"),
            threshold=0,
            op=GT,
            periods=1,
            shown="invocations throttled",
            routing=routing,
        ),
    ]


def table_alarms(
    scope: Construct, *, name: str, table: dynamodb.ITable, routing: AlarmRouting
) -> list[cw.Alarm]:
    events = {
        kind: cw.Metric(
            namespace="AWS/DynamoDB",
            metric_name=f"{kind}ThrottleEvents",
            dimensions_map={"TableName": table.table_name},
            period=FIVE_MIN,
            statistic="Sum",
        )
        for kind in ("Read", "Write")
    }
    throttled = cw.MathExpression(
        expression="FILL(reads, 0) + FILL(writes, 0)",
        using_metrics={"reads": events["Read"], "writes": events["Write"]},
        period=FIVE_MIN,
        label=f"{name} throttled requests",
    )
    return [
        severity_alarm(
            scope,
            "Throttles",
            kind="table-throttles",
            subject=name,
            metric=throttled,
            threshold=0,
            op=GT,
            shown="read or write requests throttled",
            routing=routing,
        )
    ]


def file_system_alarms(
    scope: Construct,
    *,
    name: str,
    file_system: efs.IFileSystem,
    thresholds: Thresholds,
    routing: AlarmRouting,
) -> list[cw.Alarm]:
    limit = thresholds.efs_io_limit_percent
    return [
        severity_alarm(
            scope,
            "IoLimit",
            kind="efs-io-limit",
            subject=name,
            metric=cw.Metric(
                namespace="AWS/EFS",
                metric_name="PercentIOLimit",
                dimensions_map={"FileSystemId": file_system.file_system_id},
                period=Duration.minutes(5),
                statistic="Maximum",
            ),
            threshold=limit,
            op=GT,
            shown=f"I/O above {number(limit)}% of its limit",
            routing=routing,
        )
    ]
