"""Tracing: the environment's X-Ray sampling rules, and the ADOT collector sidecar every traced task runs.

Applications use the OpenTelemetry (or X-Ray) SDK and send to the sidecar on localhost: OTLP on 4317/4318,
X-Ray segments on UDP 2000, and sampling-rule requests on TCP 2000, which the collector proxies to X-Ray.
Context travels between services in the W3C `traceparent` and the X-Ray `X-Amzn-Trace-Id` headers (the ALB
adds the latter), and through SQS in the `AWSTraceHeader` message attribute: one trace spans API, queue and
worker.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_xray as xray
from constructs import Construct

from designspec.naming import xray_rule_name

COLLECTOR = "otel-collector"
PROPAGATORS = "tracecontext,baggage,xray"
XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)
DEFAULT_RULE_PRIORITY = 1000


class SamplingRules(Construct):
    """The spec's sampling rule (reservoir per second, then a fixed rate), and health checks never traced."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name_prefix: str,
        sampling_rate: float,
        reservoir_per_second: int,
        health_check_paths: Sequence[str],
    ) -> None:
        super().__init__(scope, id)
        self.default = self._rule(
            "DefaultRule",
            xray_rule_name(name_prefix, "default"),
            DEFAULT_RULE_PRIORITY,
            sampling_rate,
            reservoir_per_second,
            "*",
        )
        self.health_checks = [
            self._rule(f"HealthRule{i}", xray_rule_name(name_prefix, f"health{i}"), 100 + i, 0.0, 0, path)
            for i, path in enumerate(sorted(set(health_check_paths)), 1)
        ]

    def _rule(
        self, id: str, name: str, priority: int, rate: float, reservoir: int, url_path: str
    ) -> xray.CfnSamplingRule:
        return xray.CfnSamplingRule(
            self,
            id,
            sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
                rule_name=name,
                priority=priority,
                fixed_rate=rate,
                reservoir_size=reservoir,
                service_name="*",
                service_type="*",
                host="*",
                http_method="*",
                url_path=url_path,
                resource_arn="*",
                version=1,
            ),
        )


@dataclass(frozen=True)
class TracingSettings:
    """What a workload needs to run the collector: its image and where metrics go (decided in the stage)."""

    collector_image: str
    metrics_namespace: str  # "<project>/<environment>": OTLP metrics become CloudWatch metrics here
    resource_attributes: str  # "service.namespace=<project>,deployment.environment=<environment>"


def app_environment(service_name: str, settings: TracingSettings) -> dict[str, str]:
    """The app container's SDK settings: export to the sidecar, sample by the X-Ray rules, propagate."""
    return {
        "OTEL_SERVICE_NAME": service_name,
        "OTEL_RESOURCE_ATTRIBUTES": settings.resource_attributes,
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_PROPAGATORS": PROPAGATORS,
        "OTEL_TRACES_SAMPLER": "xray",
        "OTEL_TRACES_SAMPLER_ARG": "endpoint=http://localhost:2000",
        "AWS_XRAY_DAEMON_ADDRESS": "localhost:2000",
    }


def collector_config(*, region: str, namespace: str, log_group_name: str) -> str:
    """The collector's configuration (JSON, which the collector reads as YAML) for AOT_CONFIG_CONTENT."""
    config = {
        "extensions": {"health_check": {}},
        "receivers": {
            "otlp": {
                "protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}, "http": {"endpoint": "0.0.0.0:4318"}}
            },
            "awsxray": {
                "endpoint": "0.0.0.0:2000",
                "transport": "udp",
                "proxy_server": {"endpoint": "0.0.0.0:2000", "region": region},
            },
        },
        "processors": {
            "resourcedetection": {"detectors": ["env", "ecs"]},
            "batch/traces": {"timeout": "1s", "send_batch_size": 50},
            "batch/metrics": {"timeout": "60s"},
        },
        "exporters": {
            "awsxray": {"region": region},
            "awsemf": {
                "region": region,
                "namespace": namespace,
                "log_group_name": log_group_name,
                "log_stream_name": "otel-emf/{TaskId}",
            },
        },
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp", "awsxray"],
                    "processors": ["resourcedetection", "batch/traces"],
                    "exporters": ["awsxray"],
                },
                "metrics": {
                    "receivers": ["otlp"],
                    "processors": ["resourcedetection", "batch/metrics"],
                    "exporters": ["awsemf"],
                },
            },
        },
    }
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def add_collector(
    task_definition: ecs.TaskDefinition,
    *,
    settings: TracingSettings,
    region: str,
    log_group: logs.ILogGroup,
    log_group_name: str,
) -> ecs.ContainerDefinition:
    """The ADOT sidecar. Not essential: if it stops, the application keeps serving and only telemetry is lost.
    `log_group_name` is the group's literal name (not its token): the configuration stays one plain string."""
    container = task_definition.add_container(
        COLLECTOR,
        image=ecs.ContainerImage.from_registry(settings.collector_image),
        essential=False,
        memory_reservation_mib=64,
        environment={
            "AOT_CONFIG_CONTENT": collector_config(
                region=region, namespace=settings.metrics_namespace, log_group_name=log_group_name
            )
        },
        logging=ecs.LogDrivers.aws_logs(
            stream_prefix=COLLECTOR, log_group=log_group, mode=ecs.AwsLogDriverMode.NON_BLOCKING
        ),
        readonly_root_filesystem=True,
    )
    task_definition.add_to_task_role_policy(iam.PolicyStatement(actions=list(XRAY_ACTIONS), resources=["*"]))
    log_group.grant_write(
        task_definition.task_role
    )  # EMF metrics are log events in the application log group
    return container
