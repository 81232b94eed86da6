"""Observability settings: logging, tracing, alert severities and thresholds, dashboards, on-call, backup."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints

from designspec.base import Strict
from designspec.fields import INT32, Image, Text

Severity = Literal["P1", "P2", "P3", "P4"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

# CloudWatch Logs accepts only these retention periods (days). model.LOG_RETENTION_DAYS is the same set; it is
# spelled out here as a Literal so a bad value fails in pydantic with the allowed values in the message.
RetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]
CLOUDWATCH_RETENTION_DAYS: tuple[int, ...] = get_args(RetentionDays)

LogType = Literal["application", "access", "audit", "flow"]
LOG_TYPES: tuple[LogType, ...] = get_args(LogType)

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]
RegionName = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
MetricName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{0,254}$")]
Namespace = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-/#:]{1,255}$")]
Percent = Annotated[float, Field(gt=0, le=100)]
MetricUnit = Literal[
    "Count",
    "Percent",
    "Seconds",
    "Milliseconds",
    "Microseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Count/Second",
    "Bytes/Second",
    "None",
]
Statistic = Literal["Sum", "Average", "Minimum", "Maximum", "SampleCount", "p50", "p90", "p95", "p99"]


class LogRetention(Strict):
    """Days each log type is kept. `null` (application, flow) means the environment's `log_retention_days`."""

    application: RetentionDays | None = None  # container logs (JSON lines), database and cache logs
    access: RetentionDays = 90  # per-service access logs, ALB and CloudFront access logs (S3 lifecycle)
    audit: RetentionDays = 365  # per-service audit events; kept a year by default
    flow: RetentionDays | None = None  # VPC flow logs

    def days(self, log_type: LogType, environment_default: int) -> int:
        value = getattr(self, log_type)
        return environment_default if value is None else int(value)


class Logging(Strict):
    """Containers log JSON lines to stdout; a FireLens router sends each line to its type's log group.

    A line's `log_type` field names its group: `access` or `audit`; lines without it are application logs.
    """

    level: Literal["DEBUG", "INFO", "WARN", "ERROR"] = "INFO"  # LOG_LEVEL unless a service sets its own
    retention_days: LogRetention = LogRetention()
    router_image: Image = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4"


class Tracing(Strict):
    """AWS X-Ray through an ADOT collector sidecar; the SDKs follow the environment's X-Ray sampling rule."""

    enabled: bool = True
    sampling_rate: float = Field(default=0.05, ge=0, le=1)  # fraction of requests traced beyond the reservoir
    # requests traced each second before the rate applies
    reservoir_per_second: int = Field(default=1, ge=0, le=INT32)
    collector_image: Image = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"


class Severities(Strict):
    """The severity each alarm kind pages with; each routes to the SNS topic of that severity."""

    availability: Severity = "P1"
    high_errors: Severity = "P2"
    latency_p50: Severity = "P3"
    latency_p99: Severity = "P2"
    high_cpu: Severity = "P3"
    high_memory: Severity = "P3"
    db_connection: Severity = "P2"
    db_storage: Severity = "P2"
    redis_memory: Severity = "P3"
    queue_age: Severity = "P3"
    dlq_depth: Severity = "P2"
    alb_5xx: Severity = "P2"
    cloudfront_5xx: Severity = "P3"
    job_dlq: Severity = "P2"
    function_errors: Severity = "P2"
    function_throttles: Severity = "P3"
    table_throttles: Severity = "P3"
    efs_io_limit: Severity = "P3"

    def of(self, kind: str) -> Severity:
        """The severity of an alarm kind as the runbooks name it (`high-cpu`)."""
        value: Severity = getattr(self, kind.replace("-", "_"))
        return value


# Alarm kinds as runbooks and alarm tags name them: the YAML keys above with '-' for '_'.
ALARM_KINDS: tuple[str, ...] = tuple(name.replace("_", "-") for name in Severities.model_fields)


class Thresholds(Strict):
    """Infrastructure alarm thresholds (the KPI thresholds are in `kpis`)."""

    cpu_percent: Percent = 85
    memory_percent: Percent = 85
    db_connections_percent: Percent = 80  # of the max_connections PostgreSQL derives from the instance memory
    db_free_storage_percent: Percent = 10  # of the allocated storage
    redis_memory_percent: Percent = 80
    alb_5xx_per_5_minutes: int = Field(default=10, ge=1, le=INT32)
    cloudfront_5xx_percent: Percent = 5
    # oldest message older than N x visibility timeout; SQS keeps a message at most 14 days (1,209,600 s)
    queue_age_visibility_multiple: float = Field(default=2, gt=0, le=1_209_600)
    function_errors_percent: Percent = 1  # of a function's invocations, per 5 minutes
    efs_io_limit_percent: Percent = 90  # of a General Purpose file system's I/O limit


class BusinessMetric(Strict):
    """A custom metric the app publishes (OTLP via the collector, or EMF), on the business dashboard."""

    name: MetricName
    namespace: Namespace | None = None  # default: "<project>/<environment>", where the collector publishes
    unit: MetricUnit = "Count"
    statistic: Statistic = "Sum"
    description: Text = ""


class Notify(Strict):
    """E-mails per severity topic; a severity with none gets the environment's budget e-mails."""

    P1: tuple[Email, ...] = ()
    P2: tuple[Email, ...] = ()
    P3: tuple[Email, ...] = ()
    P4: tuple[Email, ...] = ()


class OnCall(Strict):
    rotation: Text = "Weekly primary and secondary on-call rotation, handed over on Monday 10:00 local time"
    escalation: tuple[Text, ...] = (
        "Primary on-call acknowledges within 15 minutes (P1/P2) or the next business day (P3/P4)",
        "Secondary on-call if not acknowledged in time",
        "Engineering manager, then the incident commander for a P1 lasting over an hour",
    )
    notify: Notify = Notify()


class Backup(Strict):
    """AWS Backup of the databases: a daily plan, and a copy to another region for the environments named."""

    retention_days: int = Field(default=35, ge=1, le=36500)
    daily_at_utc_hour: int = Field(default=3, ge=0, le=23)
    cross_region_copy: dict[str, RegionName] = Field(default_factory=dict)  # environment name -> copy region


class ObservabilitySpec(Strict):
    """How the application is observed and recovered; every field has a default from the specification."""

    logging: Logging = Logging()
    tracing: Tracing = Tracing()
    severities: Severities = Severities()
    thresholds: Thresholds = Thresholds()
    business_metrics: tuple[BusinessMetric, ...] = ()
    dashboards_enabled: bool = True
    on_call: OnCall = OnCall()
    backup: Backup = Backup()
