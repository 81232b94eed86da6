"""Observability of one environment: log retention, alarm routing and on-call, the tracing metadata, each
workload's telemetry and the dashboards.

A mixin of EnvironmentStage (stage.py), kept apart like stage_edge.py so each module stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs

from designspec import naming
from designspec.observability import SEVERITIES, LogType, Severity
from designspec.oncall import applies, emails, paged_severities, unattended_reason
from designspec.platforms import trace_destinations, trace_endpoint_port
from stacks import dashboard_model
from stacks.alerting import PagingRoute
from stacks.compute import WORKLOAD_LOG_TYPES, Telemetry
from stacks.dashboard_model import DashboardSources, traces_note
from stacks.dashboards import Dashboards
from stacks.grafana import GrafanaDashboards
from stacks.retention import retention
from stacks.telemetry import WorkloadContext, workload_telemetry

if TYPE_CHECKING:
    from stacks.stage import EnvironmentStage


class ObservabilityUnits:
    """Retention, alarm routing, telemetry and dashboards, of an EnvironmentStage."""

    def _retention_days(self: EnvironmentStage, log_type: LogType) -> int:
        return self.obs.logging.retention_days.days(log_type, self.env_spec.log_retention_days)

    def _retention(self: EnvironmentStage, log_type: LogType) -> logs.RetentionDays:
        return retention(self._retention_days(log_type))

    def _notify(self: EnvironmentStage) -> dict[Severity, tuple[str, ...]]:
        """E-mails per severity topic; a severity without on_call.notify gets the budget's e-mails."""
        return {sev: emails(self.design, self.env_name, sev) for sev in SEVERITIES}

    def _paging(self: EnvironmentStage) -> PagingRoute | None:
        paging = self.obs.on_call.paging
        if paging is None or not applies(paging.environments, self.env_name):
            return None
        severities = paged_severities(self.design, self.env_name)
        return PagingRoute(paging.url_secret, paging.json_key, severities)  # type: ignore[arg-type]

    def _unattended(self: EnvironmentStage) -> dict[Severity, str]:
        reasons = {sev: unattended_reason(self.design, self.env_name, sev) for sev in SEVERITIES}
        return {sev: reason for sev, reason in reasons.items() if reason}

    def _tracing_metadata(self: EnvironmentStage, traces: tuple[str, ...]) -> dict[str, object]:
        """Where traces go and how they are sampled; the retention of a self-hosted store is the spec's."""
        tracing = self.obs.tracing
        if not traces:
            return {}
        out: dict[str, object] = {
            "destinations": list(traces),
            "sampling_rate": str(tracing.sampling_rate),  # cfn-lint (E4002): no floats in Metadata
            "sampler": "xray-rules" if "xray" in traces else "ratio",
        }
        if "xray" in traces:
            out["reservoir_per_second"] = tracing.reservoir_per_second
        if tracing.backend in ("jaeger", "zipkin"):
            out["endpoint"] = tracing.endpoint
            out["retention_days"] = tracing.retention_days
        return {"Tracing": out}

    def allow_trace_egress(self: EnvironmentStage, security_group: ec2.SecurityGroup) -> None:
        """Open the trace backend's port when it is not 443 (open already: AWS APIs, vendors)."""
        trace_port = trace_endpoint_port(self.design)
        if trace_port is not None and trace_port != 443:
            security_group.add_egress_rule(
                ec2.Peer.any_ipv4(),
                ec2.Port.tcp(trace_port),
                f"traces to the {self.obs.tracing.backend} collector",
            )

    def _telemetry(self: EnvironmentStage, name: str, port: int | None = None) -> Telemetry:
        """What a service's or a job's tasks run to send their telemetry; `port`: the one it serves on, if any."""
        ctx = WorkloadContext(
            design=self.design,
            env_name=self.env_name,
            region=self.env_spec.region or "",
            image_tag=self.image_tag,
            platform=self.obs_platform,
            secrets={n: s.secret for n, s in self.secrets.items()},
            health_check_paths=tuple(
                sorted({r.health_check_path for r in self.routes.values() if r.health_check_path})
            ),
        )
        retention = {t: self._retention(t) for t in WORKLOAD_LOG_TYPES}
        return workload_telemetry(ctx, name, port, retention, log_key=self.keys.logs)

    def _dashboards(self: EnvironmentStage, seq: int) -> None:
        stack = self._stack(
            "Dashboards", "observability", seq, "Operations, application and business dashboards"
        )
        workers = {s.name: self.queues[s.queue] for s in self.design.workers() if s.queue}
        sources = DashboardSources(
            workloads=self.workloads,
            capacity=self.env_spec.services,
            kpi=self.kpi,
            worker_queues=workers,
            queues=self.queues,
            databases=self.databases,
            caches=self.caches,
            alb=self.platform.alb,
            distributions=self.distributions,
        )
        obs = self.obs
        traces = traces_note(
            trace_destinations(self.design),
            site=obs.datadog.site if obs.datadog else "",
            endpoint=obs.tracing.endpoint or "",
        )
        models = (
            dashboard_model.operations(sources),
            dashboard_model.application(sources, self.design.kpis, traces),
            dashboard_model.business(
                obs.business_metrics,
                naming.metrics_namespace(self.design.project, self.env_name),
                environment=self.env_name,
                prometheus=obs.metrics == "prometheus",
            ),
        )
        Dashboards(stack, "Dashboards", name_prefix=self.name_prefix, models=models)
        metrics = self.obs_platform.metrics
        if metrics is not None and metrics.grafana is not None:
            GrafanaDashboards(stack, "Grafana", name_prefix=self.name_prefix, models=models)

    # what stacks/stage_kinds.py builds with
    telemetry = _telemetry
    retention = _retention
    retention_days = _retention_days
