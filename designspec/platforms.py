"""Observability platforms: where metrics, traces and application logs go, and what each platform needs by name.

`observability.metrics` picks the metrics platform (CloudWatch, or Amazon Managed Service for Prometheus with
Amazon Managed Grafana), `observability.apm` an APM vendor (Datadog, New Relic) and `observability.tracing.backend`
the trace store (AWS X-Ray, Jaeger, Zipkin). Secrets are named, never given: a vendor key is one of the design's
`secrets:`, created empty in Secrets Manager and set by an operator. `combination_problems` rejects the
combinations that do not make sense, each with the reason in one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from designspec.base import Strict
from designspec.fields import HealthPath, Image, Name

if TYPE_CHECKING:
    from designspec.model import Design

MetricsPlatform = Literal["cloudwatch", "prometheus"]
ApmPlatform = Literal["none", "datadog", "newrelic"]
TraceBackend = Literal["xray", "jaeger", "zipkin"]
# Where traces end up: a trace backend, or the APM vendor's own store.
TraceDestination = Literal["xray", "jaeger", "zipkin", "datadog", "newrelic"]

ADOT_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
# The ADOT distribution has no zipkin exporter (its exporters: awsxray, awsemf, otlp, otlphttp,
# prometheusremotewrite, ...); the upstream contrib distribution has, and reads its configuration the same way.
CONTRIB_IMAGE = "otel/opentelemetry-collector-contrib:0.152.1"
DatadogSite = Literal[
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "ddog-gov.com",
]


class Prometheus(Strict):
    """Amazon Managed Service for Prometheus (AMP) and an Amazon Managed Grafana (AMG) workspace on it.

    The collector sidecar scrapes each HTTP service's metrics endpoint and receives OTLP metrics, and
    remote-writes both to the environment's AMP workspace, signed with SigV4 by the task role."""

    scrape_path: HealthPath = "/metrics"  # on each HTTP service's container port
    scrape_interval_seconds: int = Field(default=30, ge=5, le=300)
    retention_days: int = Field(default=150, ge=1, le=1095)  # AMP keeps samples 150 days unless told
    grafana: bool = True  # a Grafana workspace (IAM Identity Center sign-in) with the generated dashboards


class Datadog(Strict):
    """The Datadog agent sidecar (datadog-cdk-constructs-v2), FireLens to Datadog logs, APM on every container."""

    api_key_secret: Name  # one of the design's `secrets:`: the Datadog API key
    site: DatadogSite = "datadoghq.com"
    agent_image: Image = "public.ecr.aws/datadog/agent:7.84.6"


class NewRelic(Strict):
    """The collector exports OTLP to New Relic; FireLens sends the logs to New Relic's Log API."""

    license_key_secret: Name  # one of the design's `secrets:`: the New Relic ingest licence key
    region: Literal["us", "eu"] = "us"


NEW_RELIC_OTLP = {"us": "https://otlp.nr-data.net", "eu": "https://otlp.eu01.nr-data.net"}
NEW_RELIC_LOGS = {"us": "https://log-api.newrelic.com/log/v1", "eu": "https://log-api.eu.newrelic.com/log/v1"}


def trace_destinations(design: Design) -> tuple[TraceDestination, ...]:
    """Where the application's traces go (none when tracing is off). The APM vendor is the default store;
    X-Ray joins New Relic only when asked for by name (the collector sends each trace to both)."""
    obs = design.observability
    if not obs.tracing.enabled:
        return ()
    backend = obs.tracing.backend
    if obs.apm == "datadog":
        return ("datadog",)
    if obs.apm == "newrelic":
        return ("newrelic", "xray") if backend == "xray" else ("newrelic",)
    return (backend or "xray",)


def uses_collector(design: Design) -> bool:
    """Whether tasks run the OpenTelemetry collector sidecar: for traces (all but Datadog, whose agent takes
    OTLP itself) and for Prometheus (it scrapes and remote-writes)."""
    obs = design.observability
    if obs.apm == "datadog":
        return False
    return obs.tracing.enabled or obs.metrics == "prometheus" or obs.apm == "newrelic"


def trace_endpoint_port(design: Design) -> int | None:
    """The TCP port of a Jaeger or Zipkin endpoint (443 when the URL names none), else None."""
    tracing = design.observability.tracing
    if not (tracing.enabled and tracing.backend in ("jaeger", "zipkin") and tracing.endpoint):
        return None
    authority = tracing.endpoint.split("/")[2]
    return int(authority.rsplit(":", 1)[1]) if ":" in authority else 443


def prometheus_settings(design: Design) -> Prometheus:
    return design.observability.prometheus or Prometheus()


def collector_image(design: Design) -> str:
    tracing = design.observability.tracing
    if tracing.collector_image:
        return tracing.collector_image
    return CONTRIB_IMAGE if tracing.backend == "zipkin" else ADOT_IMAGE


def combination_problems(design: Design) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """The platform choices that do not fit together, and the settings a choice needs, one line each."""
    obs, here = design.observability, ("observability",)
    tracing = obs.tracing
    backend = tracing.backend
    if obs.apm == "datadog" and backend is not None:
        yield (
            (*here, "tracing", "backend"),
            f"apm datadog stores the traces itself (its agent receives them), so tracing.backend {backend!r} "
            "would get none; remove tracing.backend",
        )
    if obs.apm == "newrelic" and backend in ("jaeger", "zipkin"):
        yield (
            (*here, "tracing", "backend"),
            f"apm newrelic stores the traces itself; a second open-source store ({backend!r}) doubles the "
            "export for the same traces; remove tracing.backend (or set xray to keep AWS's service map too)",
        )
    if obs.apm == "datadog" and obs.metrics == "prometheus":
        yield (
            (*here, "metrics"),
            "apm datadog collects the application's metrics with its agent; prometheus would run a second "
            "metrics pipeline for the same metrics; choose one (metrics: cloudwatch with apm: datadog)",
        )
    if backend is not None and not tracing.enabled:
        yield (*here, "tracing", "backend"), "tracing is disabled, so a backend does nothing; remove it"
    if backend in ("jaeger", "zipkin"):
        if tracing.endpoint is None:
            yield (
                (*here, "tracing", "endpoint"),
                f"tracing.backend {backend} needs the collector's endpoint (an https:// URL)",
            )
        if tracing.retention_days is None:
            yield (
                (*here, "tracing", "retention_days"),
                f"tracing.backend {backend} keeps traces as long as its storage is told: state it in days",
            )
        image = tracing.collector_image or ""
        if backend == "zipkin" and "aws-otel-collector" in image:
            yield (
                (*here, "tracing", "collector_image"),
                "the ADOT collector has no zipkin exporter; leave collector_image unset (the contrib "
                f"collector {CONTRIB_IMAGE}) or name an image that has one",
            )
    else:
        for key in ("endpoint", "retention_days"):
            if getattr(tracing, key) is not None:
                yield (
                    (*here, "tracing", key),
                    f"'{key}' is for a jaeger or zipkin backend (X-Ray and the APM vendors set their own); "
                    "remove it",
                )
    yield from _platform_settings(design)


def _platform_settings(design: Design) -> Iterator[tuple[tuple[str | int, ...], str]]:
    obs, here = design.observability, ("observability",)
    for key, chosen, what in (
        ("prometheus", obs.metrics == "prometheus", "metrics: prometheus"),
        ("datadog", obs.apm == "datadog", "apm: datadog"),
        ("newrelic", obs.apm == "newrelic", "apm: newrelic"),
    ):
        given = getattr(obs, key)
        if chosen and given is None and key != "prometheus":  # prometheus has a default for every key
            yield (*here, key), f"{what} needs '{key}:' naming the secret that holds its key"
        elif not chosen and given is not None:
            yield (*here, key), f"'{key}' does nothing without {what}; remove it or set {what}"
    secrets = {s.name for s in design.secrets}
    for key, field in (("datadog", "api_key_secret"), ("newrelic", "license_key_secret")):
        settings = getattr(obs, key)
        name = getattr(settings, field) if settings is not None else None
        if name is not None and name not in secrets:
            known = ", ".join(sorted(secrets)) or "none are defined"
            yield (
                (*here, key, field),
                f"unknown secret {name!r}: name one of the design's secrets (add it under secrets:); "
                f"defined secrets: {known}",
            )
