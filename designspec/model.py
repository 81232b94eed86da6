"""The typed, frozen design model: what a design spec may say, with every field's type and default."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from designspec.base import Strict, Traceable
from designspec.delivery import CiSpec
from designspec.fields import (
    INT32,
    MAX_TASKS,
    AlbPath,
    BuildPath,
    CdnPath,
    EnvVarName,
    HealthPath,
    Image,
    Name,
    Text,
)
from designspec.kinds import (
    Bucket,
    FileSystem,
    Function,
    FunctionSizing,
    Job,
    JobSizing,
    Table,
    TableSizing,
    Topic,
    Uses,
)
from designspec.observability import ObservabilitySpec
from designspec.security import Domain, Protection, SecuritySpec

AwsAccount = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
# The form only: designspec/network.py checks the address, the range and that the subnets fit.
Cidr = Annotated[str, StringConstraints(pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$")]
Percent = Annotated[float, Field(gt=0, le=100)]

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


class Database(Traceable):
    """A PostgreSQL database on RDS (dev: a postgres container of the same major version)."""

    name: Name
    engine: Literal["postgres"] = "postgres"
    engine_version: Literal["16", "17"] = "17"
    database_name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")] = "app"


class Cache(Traceable):
    """A Redis replication group on ElastiCache (dev: a redis container of the same major version)."""

    name: Name
    engine_version: Literal["7.1"] = "7.1"


class Queue(Traceable):
    """An SQS queue with its dead-letter queue."""

    name: Name
    fifo: bool = False
    visibility_timeout_seconds: int = Field(default=300, ge=0, le=43200)
    retention_days: int = Field(default=4, ge=1, le=14)
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    backlog_per_task: int = Field(
        default=100, ge=1, le=1_000_000, description="messages one worker task drains; drives scaling"
    )
    content_based_deduplication: bool = False  # FIFO only: SQS deduplicates by a hash of the body
    dead_letter_retention_days: int = Field(default=14, ge=1, le=14)


class Secret(Traceable):
    """An application secret held in Secrets Manager; its value is never in the spec or a template."""

    name: Name
    description: Text = ""
    env_var: EnvVarName | None = None  # the variable the value is injected as; default: NAME_IN_CAPS


class Scaling(Strict):
    """Target-tracking goals for an HTTP service (workers scale on queue backlog instead)."""

    cpu_target: Percent = 60
    memory_target: Percent = 70
    requests_per_target: int | None = Field(default=None, ge=1, le=1_000_000)


class Service(Uses):
    """A container workload on ECS Fargate (dev: a Docker Compose service)."""

    name: Name
    type: Literal["http", "worker"]
    image: Image | None = None  # a registry image; or build from `build`
    build: BuildPath | None = None  # docker build context, relative to the application repository
    port: int | None = Field(default=None, ge=1, le=65535)  # http services
    health_check_path: HealthPath = "/health"  # http services
    path_patterns: tuple[AlbPath, ...] = ()  # http: ALB path rules (at most 5); default: /<name>/*
    queue: Name | None = None  # worker: the queue it consumes
    scaling: Scaling = Scaling()  # http services; workers scale on their queue's backlog
    description: Text = ""


class Frontend(Uses):
    """A single-page app: static on CloudFront + S3, or a container behind the ALB at parity with a service."""

    name: Name
    hosting: Literal["static", "container"] = "static"
    build: BuildPath | None = None  # static: the site's build context; container: or give `image`
    image: Image | None = None  # container hosting: a registry image instead of `build`
    api_path: CdnPath | None = "/api/*"  # static: CloudFront behaviour forwarded to the ALB; None for none
    port: int | None = Field(default=None, ge=1, le=65535)  # container hosting
    path_patterns: tuple[AlbPath, ...] = ()  # container hosting: ALB path rules (at most 5)
    health_check_path: HealthPath = "/"  # container hosting: the ALB's health check
    scaling: Scaling = Scaling()  # container hosting: target tracking as for http services
    description: Text = ""


class ServiceSizing(Strict):
    """One service's size in one environment."""

    cpu: int
    memory: int
    desired: int = Field(ge=0, le=MAX_TASKS)
    min: int = Field(ge=0, le=MAX_TASKS)
    max: int = Field(ge=1, le=MAX_TASKS)
    architecture: Literal["x86_64", "arm64"] = "arm64"


class DatabaseSizing(Strict):
    instance_class: Annotated[str, StringConstraints(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")]
    allocated_storage_gb: int = Field(ge=20, le=65536)
    max_allocated_storage_gb: int | None = Field(default=None, ge=21, le=65536)
    multi_az: bool
    backup_retention_days: int = Field(default=7, ge=1, le=35)
    deletion_protection: bool = True
    read_replicas: int = Field(default=0, ge=0, le=5)


class CacheSizing(Strict):
    node_type: Annotated[str, StringConstraints(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")]
    replicas: int = Field(ge=0, le=5)
    snapshot_retention_days: int = Field(default=1, ge=0, le=35)


class Budget(Strict):
    """An AWS Budgets cost budget: one notification per threshold, each to the alarm topic and the e-mails."""

    # Budgets takes amounts up to 1e9 (its notification thresholds' range); no environment is near it.
    monthly_limit_usd: float = Field(gt=0, le=1_000_000_000)
    # A budget takes up to 10 notifications, each threshold 0.1-1e9 (percent here, so at most 100).
    thresholds_percent: tuple[Annotated[float, Field(ge=0.1, le=100)], ...] = Field(
        default=(80, 100), max_length=10
    )
    # A notification takes one SNS and up to 10 e-mail subscribers.
    emails: tuple[Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")], ...] = Field(
        default=(), max_length=10
    )


class Environment(Strict):
    """A deployment target. `docker-compose` environments run locally; `aws` ones synthesize a CDK stage."""

    platform: Literal["docker-compose", "aws"]
    account: AwsAccount | None = None
    region: Region | None = None
    availability_zones: tuple[
        Annotated[str, StringConstraints(pattern=r"^[a-z]{2}-[a-z]+-\d[a-z]$")], ...
    ] = ()
    vpc_cidr: Cidr = "10.0.0.0/16"
    nat_gateways: int = Field(default=1, ge=0, le=6)
    log_retention_days: int = 30
    services: dict[Name, ServiceSizing] = Field(default_factory=dict)
    databases: dict[Name, DatabaseSizing] = Field(default_factory=dict)
    caches: dict[Name, CacheSizing] = Field(default_factory=dict)
    jobs: dict[Name, JobSizing] = Field(default_factory=dict)
    functions: dict[Name, FunctionSizing] = Field(default_factory=dict)  # overrides only
    tables: dict[Name, TableSizing] = Field(default_factory=dict)
    budget: Budget | None = None
    protection: Protection = (
        "standard"  # "production": deletion protection, enhanced monitoring (security.py)
    )
    domain: Domain | None = None  # names, certificates and HTTPS end to end; none: *.cloudfront.net names
    # Overrides of docgen's usage assumptions for the cost estimate (docgen/data/usage-defaults.yaml lists the
    # fields and defaults, e.g. nat_gb_processed_month: 200). Carried to docgen through the Observability
    # stack's template metadata; docgen rejects unknown fields.
    cost_usage: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")],
        Annotated[float, Field(ge=0, le=1e12)],
    ] = Field(default_factory=dict)

    @property
    def is_aws(self) -> bool:
        return self.platform == "aws"


class Kpis(Strict):
    """The specification's KPI table: targets, and the thresholds that raise an alert."""

    availability_target_percent: Percent = 99.9
    availability_alert_below_percent: Percent = 99.5
    p50_latency_target_ms: int = Field(default=100, ge=1, le=INT32)
    p50_latency_alert_ms: int = Field(default=200, ge=1, le=INT32)
    p99_latency_target_ms: int = Field(default=500, ge=1, le=INT32)
    p99_latency_alert_ms: int = Field(default=1000, ge=1, le=INT32)
    error_rate_target_percent: Percent = 0.1
    error_rate_alert_percent: Percent = 1


class Design(Strict):
    """The whole design: one application, its components and its environments."""

    project: Name
    description: Text = ""
    owner: Text = "platform-team"
    databases: tuple[Database, ...] = ()
    caches: tuple[Cache, ...] = ()
    queues: tuple[Queue, ...] = ()
    secrets: tuple[Secret, ...] = ()
    services: tuple[Service, ...] = ()
    frontends: tuple[Frontend, ...] = ()
    topics: tuple[Topic, ...] = ()
    file_systems: tuple[FileSystem, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    tables: tuple[Table, ...] = ()
    jobs: tuple[Job, ...] = ()
    functions: tuple[Function, ...] = ()
    environments: dict[Name, Environment]
    kpis: Kpis = Kpis()
    observability: ObservabilitySpec = ObservabilitySpec()
    ci: CiSpec = CiSpec()
    security: SecuritySpec = SecuritySpec()

    def aws_environments(self) -> dict[str, Environment]:
        return {name: env for name, env in self.environments.items() if env.is_aws}

    def container_frontends(self) -> tuple[Frontend, ...]:
        return tuple(f for f in self.frontends if f.hosting == "container")

    def static_frontends(self) -> tuple[Frontend, ...]:
        return tuple(f for f in self.frontends if f.hosting == "static")

    def http_services(self) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.type == "http")

    def workers(self) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.type == "worker")

    def sized_names(self) -> tuple[str, ...]:
        """Every long-running Fargate workload: each needs a per-environment service size."""
        return tuple(s.name for s in self.services) + tuple(f.name for f in self.container_frontends())

    def fargate_workloads(self) -> tuple[Service | Frontend, ...]:
        """Services and container front ends: each runs as an ECS service in its own stack."""
        return (*self.services, *self.container_frontends())

    def users_of(self, kind: str, name: str) -> tuple[Service | Frontend | Job | Function, ...]:
        """Workloads that list component `name` under `kind` (databases, buckets, mounts, ...)."""
        out = []
        for w in (*self.fargate_workloads(), *self.jobs, *self.functions):
            used = [m.file_system for m in w.mounts] if kind == "mounts" else getattr(w, kind)
            if name in used:
                out.append(w)
        return tuple(out)


def secret_env_var(secret: Secret) -> str:
    return secret.env_var or re.sub(r"[^A-Z0-9]", "_", secret.name.upper())
