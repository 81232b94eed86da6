"""Tracing: the environment's X-Ray sampling rules, and the collector sidecar every traced task runs.

Applications use the OpenTelemetry (or X-Ray) SDK and send to the sidecar on localhost: OTLP on 4317/4318,
and, when X-Ray stores the traces, X-Ray segments on UDP 2000 and sampling-rule requests on TCP 2000, which the
collector proxies to X-Ray. Jaeger, Zipkin and New Relic get the same rate from the SDK's ratio sampler.
Context travels between services in the W3C `traceparent` and the X-Ray `X-Amzn-Trace-Id` headers (the ALB
adds the latter), and through SQS in the `AWSTraceHeader` message attribute: one trace spans API, queue and
worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_xray as xray
from constructs import Construct

from designspec.naming import xray_rule_name
from stacks.collector import CONFIG_VARIABLE, OTLP_GRPC_PORT, CollectorPlan, render, template_value

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
class CollectorSidecar:
    """What a workload needs to run the collector, decided per environment by the stage."""

    image: str
    plan: CollectorPlan
    resource_attributes: str  # "service.namespace=<project>,deployment.environment=<environment>"
    sampling_rate: float  # the ratio samplers' rate when X-Ray's rules do not sample
    environment: Mapping[str, str] = field(default_factory=dict)  # values the config names: ${env:NAME}
    secrets: Mapping[str, ecs.Secret] = field(default_factory=dict)  # the New Relic licence key
    statements: tuple[iam.PolicyStatement, ...] = ()  # what the task role may do for it
    contrib: bool = False  # the contrib image reads its configuration from --config=env:NAME


def app_environment(service_name: str, sidecar: CollectorSidecar) -> dict[str, str]:
    """The app container's SDK settings: export to the sidecar, sample (by X-Ray's rules, or at the spec's
    rate), propagate the W3C and X-Ray trace headers."""
    plan = sidecar.plan
    env = {
        "OTEL_SERVICE_NAME": service_name,
        "OTEL_RESOURCE_ATTRIBUTES": sidecar.resource_attributes,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://localhost:{OTLP_GRPC_PORT}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_METRICS_EXPORTER": "otlp" if plan.metrics_to else "none",
        "OTEL_PROPAGATORS": PROPAGATORS,
    }
    if not plan.traces_to:
        return env | {"OTEL_TRACES_EXPORTER": "none"}
    if plan.xray_sampling:
        return env | {
            "OTEL_TRACES_SAMPLER": "xray",
            "OTEL_TRACES_SAMPLER_ARG": "endpoint=http://localhost:2000",
            "AWS_XRAY_DAEMON_ADDRESS": "localhost:2000",
        }
    return env | {
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": f"{sidecar.sampling_rate:g}",
    }


def xray_statement() -> iam.PolicyStatement:
    return iam.PolicyStatement(actions=list(XRAY_ACTIONS), resources=["*"])


def add_collector(
    task_definition: ecs.TaskDefinition, *, sidecar: CollectorSidecar, log_group: logs.ILogGroup
) -> ecs.ContainerDefinition:
    """The collector sidecar. Not essential: if it stops, the application keeps serving and only telemetry is
    lost. Its configuration is one literal string in its environment (see stacks/collector.py)."""
    container = task_definition.add_container(
        COLLECTOR,
        image=ecs.ContainerImage.from_registry(sidecar.image),
        essential=False,
        memory_reservation_mib=64,
        environment={CONFIG_VARIABLE: template_value(render(sidecar.plan)), **sidecar.environment},
        secrets=dict(sidecar.secrets) or None,
        command=[f"--config=env:{CONFIG_VARIABLE}"] if sidecar.contrib else None,
        logging=ecs.LogDrivers.aws_logs(
            stream_prefix=COLLECTOR, log_group=log_group, mode=ecs.AwsLogDriverMode.NON_BLOCKING
        ),
        readonly_root_filesystem=True,
    )
    for statement in sidecar.statements:
        task_definition.add_to_task_role_policy(statement)
    if "cloudwatch" in sidecar.plan.metrics_to:  # EMF metrics are log events in the application log group
        log_group.grant_write(task_definition.task_role)
    return container
