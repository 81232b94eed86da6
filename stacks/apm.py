"""APM vendors in a Fargate task: Datadog's agent sidecar (datadog-cdk-constructs-v2) and New Relic's FireLens
route. Keys come from Secrets Manager (the design's secrets, set by an operator), never from a template.

Datadog: the construct builds the task definition with the agent container (APM, DogStatsD, OTLP intake),
a FireLens log router sending every container's logs to Datadog, and the unified service tags (DD_ENV,
DD_SERVICE, DD_VERSION) and agent address on every container added after it. New Relic: the task's own
FireLens router sends the logs to New Relic's Log API with Fluent Bit's `nrlogs` output, and the collector
sidecar exports OTLP (stacks/collector.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import datadog_cdk_constructs_v2 as dd
from aws_cdk import Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from designspec.platforms import NEW_RELIC_LOGS
from stacks.nag import acknowledge

AGENT_CONTAINER = "datadog-agent"


@dataclass(frozen=True)
class DatadogAgent:
    """What a workload's Datadog sidecar needs, decided per environment by the stage."""

    api_key: secretsmanager.ISecret
    site: str
    agent_image: str  # registry/repository:tag (pinned: the construct's default is `latest`)
    router_image: str  # the FireLens router: the same pinned aws-for-fluent-bit as other tasks
    environment: str
    version: str  # the image tag deployed: Datadog's unified service tag `version`
    tracing: bool
    sampling_rate: float


def _split(image: str) -> tuple[str, str]:
    repository, _, tag = image.rpartition(":")
    return (repository, tag) if repository and "/" not in tag else (image, "latest")


def datadog_task_definition(
    scope: Construct, id: str, *, props: ecs.FargateTaskDefinitionProps, service: str, agent: DatadogAgent
) -> ecs.FargateTaskDefinition:
    """A Fargate task definition with the Datadog agent and log router; containers added to it later get
    the APM settings."""
    registry, version = _split(agent.agent_image)
    router_registry, router_version = _split(agent.router_image)
    datadog = dd.DatadogECSFargate(
        api_key_secret=agent.api_key,
        site=agent.site,
        registry=registry,
        image_version=version,
        env=agent.environment,
        service=service,
        version=agent.version,
        read_only_root_filesystem=True,
        apm=dd.APMFeatureConfig(is_enabled=agent.tracing, is_socket_enabled=True),
        dogstatsd=dd.DogstatsdFeatureConfig(is_enabled=True, is_socket_enabled=True),
        log_collection=dd.FargateLogCollectionFeatureConfig(
            is_enabled=True,
            logging_type=dd.LoggingType.FLUENTBIT,
            fluentbit_config=dd.FluentbitConfig(
                registry=router_registry,
                image_version=router_version,
                log_driver_config=dd.DatadogECSLogDriverProps(
                    host_endpoint=f"http-intake.logs.{agent.site}", tls="on", service_name=service
                ),
            ),
        ),
        environment_variables={
            # The OpenTelemetry SDKs export to the agent as they would to a collector (same port, same protocol).
            "DD_OTLP_CONFIG_RECEIVER_PROTOCOLS_GRPC_ENDPOINT": "0.0.0.0:4317",
            "DD_OTLP_CONFIG_RECEIVER_PROTOCOLS_HTTP_ENDPOINT": "0.0.0.0:4318",
        },
    )
    return datadog.fargate_task_definition(scope, id, props)


def log_unlogged_containers(task_definition: ecs.TaskDefinition, log_group: logs.ILogGroup) -> list[str]:
    """The construct leaves its log router and its one-shot init container without a log driver: send their
    own output to the workload's CloudWatch group, so a broken log route can still be read. Returns their names."""
    cfn = task_definition.node.default_child
    assert isinstance(cfn, ecs.CfnTaskDefinition)
    named = []
    for i, container in enumerate(task_definition._containers):  # in the order they render
        if container.log_driver_config is not None:
            continue
        cfn.add_property_override(
            f"ContainerDefinitions.{i}.LogConfiguration",
            {
                "LogDriver": "awslogs",
                "Options": {
                    "awslogs-group": log_group.log_group_name,
                    "awslogs-region": Stack.of(task_definition).region,
                    "awslogs-stream-prefix": container.container_name,
                    "mode": "non-blocking",
                },
            },
        )
        named.append(container.container_name)
    if named:
        log_group.grant_write(task_definition.obtain_execution_role())
        acknowledge(
            task_definition,
            "AwsSolutions-ECS7",
            f"Every container logs: {', '.join(named)} (left without a driver by datadog-cdk-constructs-v2) get "
            "an awslogs driver by a template override, which cdk-nag's check of the construct does not see.",
        )
    return named


def datadog_app_environment(service: str, agent: DatadogAgent) -> dict[str, str]:
    """The app's tracer settings on top of the construct's: the spec's sampling rate, log-trace correlation,
    and OTLP to the agent for apps instrumented with OpenTelemetry."""
    if not agent.tracing:
        return {"DD_TRACE_ENABLED": "false"}
    return {
        "DD_TRACE_SAMPLE_RATE": f"{agent.sampling_rate:g}",
        "DD_LOGS_INJECTION": "true",
        "OTEL_SERVICE_NAME": service,
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": f"{agent.sampling_rate:g}",
    }


@dataclass(frozen=True)
class NewRelicLogs:
    region: str  # "us" | "eu"
    license_key: ecs.Secret


def newrelic_log_driver(route: NewRelicLogs) -> ecs.LogDriver:
    """FireLens to New Relic's Log API (Fluent Bit's built-in `nrlogs` output); the key is a secret option."""
    return ecs.LogDrivers.firelens(
        options={"Name": "nrlogs", "base_uri": NEW_RELIC_LOGS[route.region], "compress": "gzip"},
        secret_options={"license_key": route.license_key},
    )
