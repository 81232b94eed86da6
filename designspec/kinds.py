"""The components beyond HTTP services and workers: scheduled jobs, functions, topics, shared file systems,
application buckets and tables, and what every workload may use of them (its grants and mounts).

Types here say what one field takes; designspec/kinds_checks.py checks what needs the whole design (references,
Lambda's limits, schedule expressions, one trigger per entry, sizing per environment).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from designspec.base import Strict, Traceable
from designspec.fields import INT32, AlbPath, BuildPath, DirPath, EnvValue, EnvVarName, Image, Name, Text

Access = Literal["read", "write", "read-write"]
Architecture = Literal["x86_64", "arm64"]
# Lambda runtimes AWS supports for new functions (Lambda developer guide, "Lambda runtimes", read 2026-11).
Runtime = Literal[
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
    "java17",
    "java21",
    "java25",
    "dotnet8",
    "dotnet10",
    "ruby3.3",
    "ruby3.4",
    "provided.al2023",
]
LAMBDA_MEMORY_MB = (128, 10240)  # Lambda: 128 MB to 10,240 MB in 1 MB steps
LAMBDA_TIMEOUT_S = (1, 900)  # Lambda: at most 15 minutes
HTTP_API_TIMEOUT_S = 30  # API Gateway HTTP APIs wait at most 30 s for an integration
EFS_IA_DAYS = Literal[1, 7, 14, 30, 60, 90, 180, 270, 365]  # EFS lifecycle TransitionToIA values
Handler = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.$:/-]{1,128}$")]
ApiRoute = Annotated[
    str,
    StringConstraints(pattern=r"^(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /[A-Za-z0-9_.{}+/-]{0,200}$"),
]
KeyName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,255}$")]
Prefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!_.*'()/-]{1,1024}$")]


class Mount(Strict):
    """A shared file system mounted into a workload's containers, through the file system's access point."""

    file_system: Name
    path: DirPath  # where the container sees it
    read_only: bool = False


class Uses(Traceable):
    """What a workload reaches and is granted; designspec/wiring.py names the variables each one brings."""

    sends_to: tuple[Name, ...] = ()  # queues it may send to
    publishes_to: tuple[Name, ...] = ()  # topics it may publish to
    databases: tuple[Name, ...] = ()
    caches: tuple[Name, ...] = ()
    secrets: tuple[Name, ...] = ()
    buckets: dict[Name, Access] = Field(default_factory=dict)  # bucket -> what it may do with the objects
    tables: dict[Name, Access] = Field(default_factory=dict)  # table -> what it may do with the items
    mounts: tuple[Mount, ...] = ()
    # non-secret settings only; a variable the platform injects (a secret, a URL) cannot be set here
    environment: dict[EnvVarName, EnvValue] = Field(default_factory=dict)


class Topic(Traceable):
    """An SNS topic (KMS-encrypted, TLS only) that workloads publish to and functions subscribe to."""

    name: Name
    description: Text = ""


class FileSystem(Traceable):
    """An EFS file system shared by the tasks that mount it: encrypted, one mount target per zone, backed up."""

    name: Name
    root_directory: DirPath = "/data"  # the access point's root: what every mount sees as its top
    uid: int = Field(default=1000, ge=0, le=INT32)  # the POSIX user and group the access point enforces
    gid: int = Field(default=1000, ge=0, le=INT32)
    throughput_mode: Literal["elastic", "bursting"] = "elastic"
    transition_to_ia_days: EFS_IA_DAYS | None = 30  # files unread this long move to Infrequent Access
    backup: bool = True  # in the environment's AWS Backup plan
    description: Text = ""


class BucketLifecycle(Strict):
    transition_to_ia_days: int | None = Field(default=None, ge=30, le=36500)  # S3 Standard-IA after 30+ days
    expire_days: int | None = Field(default=None, ge=1, le=36500)
    noncurrent_expire_days: int | None = Field(default=90, ge=1, le=36500)  # versioned buckets only


class Bucket(Traceable):
    """An S3 bucket the application stores objects in: private, TLS only, encrypted, access-logged."""

    name: Name
    versioned: bool = True
    encryption: Literal["s3-managed", "kms"] = "s3-managed"
    lifecycle: BucketLifecycle = BucketLifecycle()
    description: Text = ""


class Key(Strict):
    name: KeyName
    type: Literal["S", "N", "B"] = "S"


class Table(Traceable):
    """A DynamoDB table: keys, billing mode, point-in-time recovery and an optional stream."""

    name: Name
    partition_key: Key
    sort_key: Key | None = None
    billing: Literal["on-demand", "provisioned"] = "on-demand"
    point_in_time_recovery: bool = True
    stream: Literal["new-image", "old-image", "new-and-old-images", "keys-only"] | None = None
    ttl_attribute: KeyName | None = None
    backup: bool = True  # in the environment's AWS Backup plan, besides point-in-time recovery
    description: Text = ""


class Retry(Strict):
    """EventBridge Scheduler's retry policy: attempts after a failed invocation, and how long to keep trying."""

    attempts: int = Field(default=2, ge=0, le=185)
    max_event_age_seconds: int = Field(default=3600, ge=60, le=86400)


class Job(Uses):
    """A Fargate task started on a schedule by EventBridge Scheduler; failed invocations go to its DLQ."""

    name: Name
    image: Image | None = None
    build: BuildPath | None = None
    command: tuple[Annotated[str, StringConstraints(max_length=1024)], ...] = ()  # default: the image's
    schedule: str  # rate(...) or cron(...), checked in designspec/schedules.py
    time_zone: str = "UTC"
    retry: Retry = Retry()
    dead_letter_retention_days: int = Field(default=14, ge=1, le=14)
    description: Text = ""


class Trigger(Strict):
    """One thing that invokes a function: exactly one of queue, schedule, bucket, topic, table or http."""

    queue: Name | None = None
    batch_size: int | None = Field(default=None, ge=1, le=10000)  # queue and table triggers
    schedule: str | None = None
    time_zone: str | None = None  # schedule triggers; default UTC
    bucket: Name | None = None
    events: tuple[Literal["created", "removed"], ...] = ()  # bucket triggers; default: created
    prefix: Prefix | None = None  # bucket triggers: only object keys starting with this
    topic: Name | None = None
    table: Name | None = None  # the table's stream
    http: Literal["alb", "http-api"] | None = None
    path_patterns: tuple[AlbPath, ...] = ()  # http: alb; default /<function>/*
    routes: tuple[ApiRoute, ...] = ()  # http: http-api; default ANY /{proxy+}


TRIGGER_KINDS = ("queue", "schedule", "bucket", "topic", "table", "http")
# The keys each kind of trigger takes besides its own.
TRIGGER_OPTIONS = {
    "queue": ("batch_size",),
    "schedule": ("time_zone",),
    "bucket": ("events", "prefix"),
    "topic": (),
    "table": ("batch_size",),
    "http": ("path_patterns", "routes"),
}


class Function(Uses):
    """A Lambda function: a zip (handler + runtime) or a container image built from `build`."""

    name: Name
    package: Literal["zip", "image"] = "zip"
    build: BuildPath  # the code (zip) or the Dockerfile's context (image)
    handler: Handler | None = None  # zip: e.g. app.handler
    runtime: Runtime | None = None  # zip
    memory_mb: int = 512
    timeout_seconds: int = 30
    architecture: Architecture = "arm64"
    reserved_concurrency: int | None = Field(default=None, ge=0, le=INT32)
    vpc: bool | None = None  # default: in the VPC when it uses a database or cache
    triggers: tuple[Trigger, ...] = ()
    description: Text = ""


class JobSizing(Strict):
    """One job's task size in one environment (a valid Fargate CPU/memory pair)."""

    cpu: int
    memory: int
    architecture: Architecture = "arm64"


class FunctionSizing(Strict):
    """One function's overrides in one environment."""

    memory_mb: int | None = None
    reserved_concurrency: int | None = Field(default=None, ge=0, le=INT32)


class TableSizing(Strict):
    """A table in one environment: provisioned capacity (provisioned billing only) and deletion protection."""

    read_capacity: int | None = Field(default=None, ge=1, le=40000)
    write_capacity: int | None = Field(default=None, ge=1, le=40000)
    deletion_protection: bool = True
