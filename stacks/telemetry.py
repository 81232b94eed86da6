"""How one environment is observed, decided once from the spec's platform choices.

`ObservabilityPlatform` builds the environment's shared pieces in the Observability stack: the AMP and Grafana
workspaces (metrics: prometheus) and Incident Manager (on_call.incident_manager); X-Ray's sampling rules stay
where the stage always made them. `workload_telemetry` gives each Fargate workload what its tasks run: the collector
sidecar and its configuration, the Datadog agent, or the New Relic log route.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from designspec import naming
from designspec.model import Design
from designspec.observability import LogType
from designspec.oncall import applies
from designspec.platforms import (
    CONTRIB_IMAGE,
    collector_image,
    prometheus_settings,
    trace_destinations,
    uses_collector,
)
from stacks.apm import DatadogAgent, NewRelicLogs
from stacks.collector import AMP_ENDPOINT_VARIABLE, NEW_RELIC_KEY_VARIABLE, CollectorPlan, Scrape
from stacks.oncall import IncidentResponse
from stacks.prometheus import MetricsWorkspaces, remote_write_statement
from stacks.tasks import Telemetry
from stacks.tracing import CollectorSidecar, xray_statement


class ObservabilityPlatform(Construct):
    """The environment's shared observability resources; `response_plans` feeds the alarm routing."""

    def __init__(
        self, scope: Construct, id: str, *, design: Design, env_name: str, health_check_paths: Sequence[str]
    ) -> None:
        super().__init__(scope, id)
        obs, prefix = design.observability, naming.name_prefix(design.project, env_name)
        traces = trace_destinations(design)
        self.metrics: MetricsWorkspaces | None = None
        if obs.metrics == "prometheus":
            self.metrics = MetricsWorkspaces(
                self,
                "Prometheus",
                spec=prometheus_settings(design),
                name_prefix=prefix,
                xray="xray" in traces,
            )
        self.response_plans: dict[str, str] = {}
        im = obs.on_call.incident_manager
        if im is not None and applies(im.environments, env_name):
            self.incidents = IncidentResponse(self, "IncidentManager", spec=im, name_prefix=prefix)
            self.response_plans = dict(self.incidents.response_plans)


@dataclass(frozen=True)
class WorkloadContext:
    """What the stage knows about one workload and its environment."""

    design: Design
    env_name: str
    region: str
    image_tag: str
    platform: ObservabilityPlatform
    secrets: Mapping[str, secretsmanager.ISecret]  # the design's secrets, by name (Data stack)
    health_check_paths: tuple[str, ...]


def workload_telemetry(
    ctx: WorkloadContext,
    name: str,
    port: int | None,
    retention: Mapping[LogType, logs.RetentionDays],
    log_key: kms.IKey | None = None,
) -> Telemetry:
    design, env = ctx.design, ctx.env_name
    obs = design.observability
    prefix = naming.log_group_prefix(design.project, env, name)
    newrelic = datadog = None
    if obs.apm == "newrelic" and obs.newrelic is not None:
        key = ecs.Secret.from_secrets_manager(ctx.secrets[obs.newrelic.license_key_secret])
        newrelic = NewRelicLogs(region=obs.newrelic.region, license_key=key)
    if obs.apm == "datadog" and obs.datadog is not None:
        datadog = DatadogAgent(
            api_key=ctx.secrets[obs.datadog.api_key_secret],
            site=obs.datadog.site,
            agent_image=obs.datadog.agent_image,
            router_image=obs.logging.router_image,
            environment=env,
            version=ctx.image_tag,
            tracing=obs.tracing.enabled,
            sampling_rate=obs.tracing.sampling_rate,
        )
    return Telemetry(
        log_group_prefix=prefix,
        retention=retention,
        log_level=obs.logging.level,
        router_image=obs.logging.router_image,
        collector=_collector(ctx, name, port, newrelic) if uses_collector(design) else None,
        newrelic=newrelic,
        datadog=datadog,
        log_key=log_key,
    )


def _collector(
    ctx: WorkloadContext, name: str, port: int | None, newrelic: NewRelicLogs | None
) -> CollectorSidecar:
    design, env = ctx.design, ctx.env_name
    obs = design.observability
    metrics_to = ("prometheus" if obs.metrics == "prometheus" else "cloudwatch",) + (
        ("newrelic",) if newrelic else ()
    )
    prom = prometheus_settings(design)
    scrape = Scrape(port, prom.scrape_path, prom.scrape_interval_seconds) if port else None
    plan = CollectorPlan(
        region=ctx.region,
        traces_to=trace_destinations(design),
        metrics_to=metrics_to,
        emf_namespace=naming.metrics_namespace(design.project, env),
        emf_log_group=naming.log_group_name(
            naming.log_group_prefix(design.project, env, name), "application"
        ),
        scrape=scrape if obs.metrics == "prometheus" else None,
        newrelic_region=obs.newrelic.region if obs.newrelic else "us",
        trace_endpoint=obs.tracing.endpoint or "",
        drop_paths=ctx.health_check_paths,
    )
    environment: dict[str, str] = {}
    statements = [xray_statement()] if "xray" in plan.traces_to else []
    metrics = ctx.platform.metrics
    if metrics is not None:
        environment[AMP_ENDPOINT_VARIABLE] = metrics.remote_write_url
        statements.append(remote_write_statement(metrics.workspace_arn))
    secrets = {NEW_RELIC_KEY_VARIABLE: newrelic.license_key} if newrelic else {}
    image = collector_image(design)
    return CollectorSidecar(
        image=image,
        plan=plan,
        resource_attributes=f"service.namespace={design.project},deployment.environment={env}",
        sampling_rate=obs.tracing.sampling_rate,
        environment=environment,
        secrets=secrets,
        statements=tuple(statements),
        contrib=image == CONTRIB_IMAGE or "opentelemetry-collector-contrib" in image,
    )
