"""The environment variables each workload receives, named once here so prod (ECS) and dev (Compose) agree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from designspec.kinds import Function, Job
from designspec.model import Design, Frontend, Service, secret_env_var

Kind = Literal["plain", "secret"]


@dataclass(frozen=True)
class Binding:
    """One variable: a literal setting, or an attribute of a component (a database's host, a secret's value)."""

    name: str
    kind: Kind
    component: str = ""  # the component it comes from; "" for literal settings
    component_kind: str = ""  # "database" | "cache" | "queue" | "topic" | "bucket" | "table" | "file_system"
    # | "secret" | ""
    # "host", "port", "name", "username", "password", "tls", "auth_token", "url", "arn", "value", "path", and
    # for functions "secret_arn": the ARN of the secret holding the value (Lambda has no secret injection)
    attribute: str = ""
    value: str = ""  # literal settings only
    dev_names: tuple[str, ...] = ()  # secret_arn only: the variables dev gets the values in instead


Workload = Service | Frontend | Job | Function
SECRET_ARN = "_SECRET_ARN"


def env_prefix(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def bindings(design: Design, workload: Workload) -> tuple[Binding, ...]:
    """Every variable of `workload`, sorted by name; secrets are marked so they are never plain text.

    ECS injects a secret's value into the task (kind "secret"); a Lambda function gets the secret's ARN instead
    (`<NAME>_SECRET_ARN`, plain) and reads the value at run time, with a grant to do so."""
    if isinstance(workload, Frontend) and workload.hosting == "static":
        return ()  # files on S3: nothing runs
    out = [Binding(name, "plain", value=value) for name, value in workload.environment.items()]
    out += _store_bindings(workload, by_arn=isinstance(workload, Function))
    consumed = [workload.queue] if isinstance(workload, Service) and workload.queue else []
    for queue in sorted({*consumed, *workload.sends_to}):
        out.append(Binding(f"{env_prefix(queue)}_QUEUE_URL", "plain", queue, "queue", "url"))
    for topic in workload.publishes_to:
        out.append(Binding(f"{env_prefix(topic)}_TOPIC_ARN", "plain", topic, "topic", "arn"))
    for bucket in workload.buckets:
        out.append(Binding(f"{env_prefix(bucket)}_BUCKET", "plain", bucket, "bucket", "name"))
    for table in workload.tables:
        out.append(Binding(f"{env_prefix(table)}_TABLE", "plain", table, "table", "name"))
    for mount in workload.mounts:
        name = f"{env_prefix(mount.file_system)}_MOUNT_PATH"
        out.append(Binding(name, "plain", mount.file_system, "file_system", "path", value=mount.path))
    by_name = {s.name: s for s in design.secrets}
    for secret in workload.secrets:
        var = secret_env_var(by_name[secret]) if secret in by_name else env_prefix(secret)
        if isinstance(workload, Function):
            out.append(Binding(var + SECRET_ARN, "plain", secret, "secret", "secret_arn", dev_names=(var,)))
        else:
            out.append(Binding(var, "secret", secret, "secret", "value"))
    return tuple(sorted(out, key=lambda b: b.name))


def _store_bindings(workload: Workload, *, by_arn: bool) -> list[Binding]:
    out: list[Binding] = []
    for db in workload.databases:
        p = env_prefix(db)
        for attr in ("host", "port", "name"):
            out.append(Binding(f"{p}_{attr.upper()}", "plain", db, "database", attr))
        if by_arn:
            users = (f"{p}_USERNAME", f"{p}_PASSWORD")
            out.append(Binding(p + SECRET_ARN, "plain", db, "database", "secret_arn", dev_names=users))
        else:
            for attr in ("username", "password"):
                out.append(Binding(f"{p}_{attr.upper()}", "secret", db, "database", attr))
    for cache in workload.caches:
        p = env_prefix(cache)
        for attr in ("host", "port", "tls"):
            out.append(Binding(f"{p}_{attr.upper()}", "plain", cache, "cache", attr))
        if by_arn:
            token = (f"{p}_AUTH_TOKEN",)
            out.append(
                Binding(f"{p}_AUTH_TOKEN{SECRET_ARN}", "plain", cache, "cache", "secret_arn", dev_names=token)
            )
        else:
            out.append(Binding(f"{p}_AUTH_TOKEN", "secret", cache, "cache", "auth_token"))
    return out


def workloads(design: Design) -> tuple[tuple[str, int, Workload], ...]:
    """(spec list, index, workload) of everything that runs code and gets variables."""
    out: list[tuple[str, int, Workload]] = []
    for kind in ("services", "frontends", "jobs", "functions"):
        for i, w in enumerate(getattr(design, kind)):
            if not (kind == "frontends" and w.hosting == "static"):
                out.append((kind, i, w))
    return tuple(out)


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
    for kind, i, w in workloads(design):
        injected: dict[str, Binding] = {}
        for b in bindings(design, w):
            if b.component and b.name in injected:
                other = injected[b.name]
                yield (
                    (kind, i),
                    f"{other.component_kind} {other.component!r} and {b.component_kind} {b.component!r} both "
                    f"inject {b.name}; rename one (a secret can set env_var)",
                )
            if b.component:
                injected[b.name] = b
        for name in w.environment:
            source = injected.get(name)
            if source is not None:
                what = "a secret" if source.kind == "secret" else "its " + source.attribute.replace("_", " ")
                yield (
                    (kind, i, "environment", name),
                    f"{name} is injected from {source.component_kind.replace('_', ' ')} {source.component!r} "
                    f"({what}); remove it from environment",
                )
            elif name in platform and kind != "functions":
                yield (
                    (kind, i, "environment", name),
                    f"{name} is set by the platform for tracing (observability.tracing); remove it from environment",
                )
