"""The OpenTelemetry collector sidecar's configuration, generated from the spec's platform choices.

One `CollectorPlan` per workload says what the collector receives (OTLP always; X-Ray segments when X-Ray
stores the traces; a Prometheus scrape of the app when AMP stores the metrics) and where it sends traces and
metrics (X-Ray, Jaeger, Zipkin, New Relic; CloudWatch EMF, AMP, New Relic). `render` writes the configuration
file (YAML) that the sidecar reads from its environment (AOT_CONFIG_CONTENT), so the template carries it and
docgen draws its pipelines from there. Values only known at deploy time (the AMP endpoint) and secrets (the New
Relic licence key) are `${env:NAME}` references the sidecar's environment fills: the file stays one literal
string, and no secret is ever in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import yaml
from aws_cdk import Fn

from designspec.platforms import NEW_RELIC_OTLP, TraceDestination

CONFIG_VARIABLE = "AOT_CONFIG_CONTENT"  # ADOT reads it; the contrib image is told to (--config=env:...)
AMP_ENDPOINT_VARIABLE = "AMP_REMOTE_WRITE_URL"
NEW_RELIC_KEY_VARIABLE = "NEW_RELIC_LICENSE_KEY"
OTLP_GRPC_PORT, OTLP_HTTP_PORT = 4317, 4318


@dataclass(frozen=True)
class Scrape:
    """The app's Prometheus endpoint on localhost (tasks share one network namespace)."""

    port: int
    path: str
    interval_seconds: int


@dataclass(frozen=True)
class CollectorPlan:
    region: str
    traces_to: tuple[TraceDestination, ...]  # empty: no trace pipeline
    metrics_to: tuple[str, ...]  # "cloudwatch" (EMF), "prometheus" (AMP), "newrelic"
    emf_namespace: str = ""
    emf_log_group: str = ""  # the literal name of the workload's application log group
    scrape: Scrape | None = None
    newrelic_region: str = "us"
    trace_endpoint: str = ""  # jaeger/zipkin: the spec's https URL
    drop_paths: tuple[str, ...] = ()  # health checks: never traced (X-Ray's rules do it for X-Ray)

    @property
    def xray_sampling(self) -> bool:
        """The SDKs sample by X-Ray's rules when X-Ray stores the traces (the collector proxies the rules)."""
        return "xray" in self.traces_to


def config(plan: CollectorPlan) -> dict[str, Any]:
    """The collector configuration as data: every pipeline names only components defined above it."""
    receivers: dict[str, Any] = {
        "otlp": {
            "protocols": {
                "grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"},
                "http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"},
            }
        }
    }
    processors: dict[str, Any] = {"resourcedetection": {"detectors": ["env", "ecs"]}}
    exporters: dict[str, Any] = {}
    extensions: dict[str, Any] = {"health_check": {}}
    pipelines: dict[str, Any] = {}
    if plan.traces_to:
        pipelines["traces"] = _traces(plan, receivers, processors, exporters)
    if plan.metrics_to:
        pipelines["metrics"] = _metrics(plan, receivers, processors, exporters, extensions)
    return {
        "extensions": extensions,
        "receivers": receivers,
        "processors": processors,
        "exporters": exporters,
        "service": {"extensions": list(extensions), "pipelines": pipelines},
    }


def _traces(plan: CollectorPlan, receivers: dict, processors: dict, exporters: dict) -> dict[str, Any]:  # type: ignore[type-arg]
    names = ["otlp"]
    steps = ["resourcedetection"]
    if plan.xray_sampling:
        receivers["awsxray"] = {
            "endpoint": "0.0.0.0:2000",
            "transport": "udp",
            "proxy_server": {"endpoint": "0.0.0.0:2000", "region": plan.region},
        }
        names.append("awsxray")
    elif plan.drop_paths:
        # The ratio sampler of the SDKs cannot skip health checks as X-Ray's rules do: drop their spans here.
        processors["filter/health"] = {
            "error_mode": "ignore",
            "traces": {
                "span": [
                    f'attributes["{key}"] == "{path}"'
                    for path in plan.drop_paths
                    for key in ("url.path", "http.target")
                ]
            },
        }
        steps.append("filter/health")
    processors["batch/traces"] = {"timeout": "1s", "send_batch_size": 50}
    steps.append("batch/traces")
    out = []
    for destination in plan.traces_to:
        name, settings = _trace_exporter(plan, destination)
        exporters[name] = settings
        out.append(name)
    return {"receivers": names, "processors": steps, "exporters": out}


def _trace_exporter(plan: CollectorPlan, destination: str) -> tuple[str, dict[str, Any]]:
    if destination == "xray":
        return "awsxray", {"region": plan.region}
    if destination == "jaeger":  # Jaeger takes OTLP natively (its own exporter left the collector in 2023)
        url = urlparse(plan.trace_endpoint)
        return "otlp/jaeger", {"endpoint": f"{url.hostname}:{url.port or 443}", "tls": {"insecure": False}}
    if destination == "zipkin":
        return "zipkin", {"endpoint": plan.trace_endpoint, "format": "proto"}
    return _newrelic(plan)


def _newrelic(plan: CollectorPlan) -> tuple[str, dict[str, Any]]:
    return "otlphttp/newrelic", {
        "endpoint": NEW_RELIC_OTLP[plan.newrelic_region],
        "headers": {"api-key": f"${{env:{NEW_RELIC_KEY_VARIABLE}}}"},
        "compression": "gzip",
    }


def _metrics(
    plan: CollectorPlan,
    receivers: dict,  # type: ignore[type-arg]
    processors: dict,  # type: ignore[type-arg]
    exporters: dict,  # type: ignore[type-arg]
    extensions: dict,  # type: ignore[type-arg]
) -> dict[str, Any]:
    names = ["otlp"]
    if plan.scrape is not None and "prometheus" in plan.metrics_to:
        receivers["prometheus"] = {
            "config": {
                "scrape_configs": [
                    {
                        "job_name": "app",
                        "scrape_interval": f"{plan.scrape.interval_seconds}s",
                        "metrics_path": plan.scrape.path,
                        "static_configs": [{"targets": [f"localhost:{plan.scrape.port}"]}],
                    }
                ]
            }
        }
        names.append("prometheus")
    processors["batch/metrics"] = {"timeout": "60s"}
    out = []
    for destination in plan.metrics_to:
        if destination == "cloudwatch":
            exporters["awsemf"] = {
                "region": plan.region,
                "namespace": plan.emf_namespace,
                "log_group_name": plan.emf_log_group,
                "log_stream_name": "otel-emf/{TaskId}",
            }
            out.append("awsemf")
        elif destination == "prometheus":
            extensions["sigv4auth"] = {"region": plan.region, "service": "aps"}
            exporters["prometheusremotewrite"] = {
                "endpoint": f"${{env:{AMP_ENDPOINT_VARIABLE}}}",
                "auth": {"authenticator": "sigv4auth"},
                "resource_to_telemetry_conversion": {"enabled": True},
            }
            out.append("prometheusremotewrite")
        else:
            name, settings = _newrelic(plan)
            exporters[name] = settings
            out.append(name)
    return {"receivers": names, "processors": ["resourcedetection", "batch/metrics"], "exporters": out}


def render(plan: CollectorPlan) -> str:
    """The configuration file as the sidecar reads it (YAML, keys in a fixed order: a stable template)."""
    return yaml.safe_dump(config(plan), sort_keys=False, default_flow_style=False, width=1000)


def template_value(text: str) -> str:
    """The file as the template holds it. CloudFormation reads `${Name}` outside Fn::Sub as a mistake, so a file
    with the collector's `${env:NAME}` references is a Fn::Sub whose `${!env:NAME}` CloudFormation writes back as
    `${env:NAME}`: the sidecar gets the file exactly as rendered."""
    if "${" not in text:
        return text
    return Fn.sub(text.replace("${", "${!"))


def from_template(value: Any) -> str:
    """The file back from a template value (a string, or the Fn::Sub above)."""
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return value["Fn::Sub"].replace("${!", "${")
    return str(value)


def undefined_components(document: dict[str, Any]) -> list[str]:
    """Every component a pipeline (or the service) names without defining it: `[]` for a sound configuration.
    The collector refuses to start on any of these; tests and docgen's checker run the same rule."""
    missing = []
    service = document.get("service") or {}
    for ext in service.get("extensions") or []:
        if ext not in (document.get("extensions") or {}):
            missing.append(f"service.extensions: {ext}")
    for name, pipeline in (service.get("pipelines") or {}).items():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline.get(kind) or []:
                if component not in (document.get(kind) or {}):
                    missing.append(f"{name}.{kind}: {component}")
    for name, settings in (document.get("exporters") or {}).items():
        auth = ((settings or {}).get("auth") or {}).get("authenticator")
        if auth and auth not in (service.get("extensions") or []):
            missing.append(f"exporters.{name}.auth: {auth}")
    return missing
