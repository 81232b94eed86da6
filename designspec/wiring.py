"""The environment variables each workload receives, named once here so prod (ECS) and dev (Compose) agree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from designspec.model import Design, Frontend, Service, secret_env_var

Kind = Literal["plain", "secret"]


@dataclass(frozen=True)
class Binding:
    """One variable: a literal setting, or an attribute of a component (a database's host, a secret's value)."""

    name: str
    kind: Kind
    component: str = ""  # the database, cache, queue or secret it comes from; "" for literal settings
    component_kind: str = ""  # "database" | "cache" | "queue" | "secret" | ""
    attribute: str = ""  # "host", "port", "name", "username", "password", "tls", "auth_token", "url", "value"
    value: str = ""  # literal settings only


def env_prefix(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def bindings(design: Design, workload: Service | Frontend) -> tuple[Binding, ...]:
    """Every variable of `workload`, sorted by name; secrets are marked so they are never plain text."""
    out: list[Binding] = []
    if isinstance(workload, Service):
        for name, value in workload.environment.items():
            out.append(Binding(name, "plain", value=value))
        for db in workload.databases:
            p = env_prefix(db)
            for attr in ("host", "port", "name"):
                out.append(Binding(f"{p}_{attr.upper()}", "plain", db, "database", attr))
            for attr in ("username", "password"):
                out.append(Binding(f"{p}_{attr.upper()}", "secret", db, "database", attr))
        for cache in workload.caches:
            p = env_prefix(cache)
            for attr in ("host", "port", "tls"):
                out.append(Binding(f"{p}_{attr.upper()}", "plain", cache, "cache", attr))
            out.append(Binding(f"{p}_AUTH_TOKEN", "secret", cache, "cache", "auth_token"))
        for queue in sorted({*([workload.queue] if workload.queue else []), *workload.sends_to}):
            out.append(Binding(f"{env_prefix(queue)}_QUEUE_URL", "plain", queue, "queue", "url"))
        by_name = {s.name: s for s in design.secrets}
        for secret in workload.secrets:
            out.append(Binding(secret_env_var(by_name[secret]), "secret", secret, "secret", "value"))
    return tuple(sorted(out, key=lambda b: b.name))


# Variables the platform adds to every Fargate container besides the bindings above: JSON logging and the
# OpenTelemetry SDK settings that point at the tracing sidecar (stacks/tracing.py builds prod's values from
# these names). Compose sets the same names with dev values, so code reads the same variables everywhere.
LOGGING_VARIABLES = ("LOG_FORMAT", "LOG_LEVEL")
TELEMETRY_VARIABLES = (
    "AWS_XRAY_DAEMON_ADDRESS",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_METRICS_EXPORTER",
    "OTEL_PROPAGATORS",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
)


def dev_platform_environment(design: Design, name: str) -> dict[str, str]:
    """Dev values for the platform's variables: same names as prod, nothing sampled or exported."""
    env = {"LOG_FORMAT": "json", "LOG_LEVEL": "debug"}
    if design.observability.tracing.enabled:
        env |= {
            "AWS_XRAY_DAEMON_ADDRESS": "localhost:2000",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_PROPAGATORS": "tracecontext,baggage,xray",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=dev",
            "OTEL_SERVICE_NAME": name,
            "OTEL_TRACES_SAMPLER": "always_off",
            "OTEL_TRACES_SAMPLER_ARG": "",
        }
    return env


def variable_problems(design: Design) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """A workload's variables must have one source each: a plain `environment:` entry may not shadow a variable
    the platform injects (a secret's value would sit in plain text in the task definition, and ECS rejects a
    name given twice), and two injected variables may not share a name."""
    platform = TELEMETRY_VARIABLES if design.observability.tracing.enabled else ()
    for i, svc in enumerate(design.services):
        injected: dict[str, Binding] = {}
        for b in bindings(design, svc):
            if b.component and b.name in injected:
                other = injected[b.name]
                yield (
                    ("services", i),
                    f"{other.component_kind} {other.component!r} and {b.component_kind} {b.component!r} both "
                    f"inject {b.name}; rename one (a secret can set env_var)",
                )
            if b.component:
                injected[b.name] = b
        for name in svc.environment:
            source = injected.get(name)
            if source is not None:
                yield (
                    ("services", i, "environment", name),
                    f"{name} is injected from {source.component_kind} {source.component!r} "
                    f"({'a secret' if source.kind == 'secret' else 'its ' + source.attribute}); "
                    "remove it from environment",
                )
            elif name in platform:
                yield (
                    ("services", i, "environment", name),
                    f"{name} is set by the platform for tracing (observability.tracing); remove it from environment",
                )
