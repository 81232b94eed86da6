"""A Fargate task definition as every workload runs it: sized from the spec, JSON logs routed per log type by
FireLens, secrets from Secrets Manager, the tracing sidecar, and shared file systems mounted through their access
points. Services (stacks/compute.py) and scheduled jobs (stacks/jobs.py) both build theirs here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from aws_cdk import RemovalPolicy, Stack, TagManager
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from designspec.naming import log_group_name
from designspec.observability import LogType
from stacks.nag import acknowledge, acknowledge_check
from stacks.tracing import TracingSettings, add_collector, app_environment


@dataclass(frozen=True)
class Telemetry:
    """How a workload's logs, traces and metrics leave its tasks; decided per environment by the stage."""

    log_group_prefix: str  # "/<project>/<environment>/<workload>": one log group per log type below it
    retention: Mapping[LogType, logs.RetentionDays]  # of each of WORKLOAD_LOG_TYPES
    log_level: str
    router_image: str
    tracing: TracingSettings | None
    log_key: kms.IKey | None = None  # customer-managed encryption of the log groups; None: CloudWatch's own


TMP_VOLUME = "tmp"
WORKLOAD_LOG_TYPES: tuple[LogType, ...] = ("application", "access", "audit")
# Log types that must outlive the stack: audit events are evidence.
_RETAINED_LOG_TYPES = ("audit",)


class TaskSize(Protocol):
    """ServiceSizing and JobSizing both say this much."""

    @property
    def cpu(self) -> int: ...

    @property
    def memory(self) -> int: ...

    @property
    def architecture(self) -> str: ...


class FargateTask:
    """Builds the task definition and its log groups into `scope` (the construct ids are the workload's own, so
    logical ids stay what they were when FargateWorkload built them itself)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        sizing: TaskSize,
        image: ecs.ContainerImage,
        port: int | None,
        environment: dict[str, str],
        secrets: dict[str, ecs.Secret],
        telemetry: Telemetry,
        command: list[str] | None = None,
    ) -> None:
        self.scope = scope
        self.log_groups = {log_type: self._log_group(log_type, telemetry) for log_type in WORKLOAD_LOG_TYPES}
        self.log_group = self.log_groups["application"]
        self.task_definition = ecs.FargateTaskDefinition(
            scope,
            "Task",
            cpu=sizing.cpu,
            memory_limit_mib=sizing.memory,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64
                if sizing.architecture == "arm64"
                else ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        defaults = {"LOG_LEVEL": telemetry.log_level, "LOG_FORMAT": "json"}
        if telemetry.tracing is not None:
            defaults.update(app_environment(id, telemetry.tracing))
        self.container = self.task_definition.add_container(
            "app",
            image=image,
            command=command or None,
            logging=self._json_log_routing(id, telemetry),
            environment={**defaults, **environment},  # the spec's own settings win over the defaults
            secrets=secrets,
            port_mappings=[ecs.PortMapping(container_port=port)] if port else None,
            # The image cannot be altered at run time; scratch files go to the task's own /tmp volume.
            readonly_root_filesystem=True,
            essential=True,
        )
        self.task_definition.add_volume(name=TMP_VOLUME)  # Fargate task storage, gone with the task
        self.container.add_mount_points(
            ecs.MountPoint(container_path="/tmp", source_volume=TMP_VOLUME, read_only=False)
        )
        self._log_router(telemetry)
        self.collector = None
        if telemetry.tracing is not None:
            self.collector = add_collector(
                self.task_definition,
                settings=telemetry.tracing,
                region=Stack.of(scope).region,
                log_group=self.log_group,
                log_group_name=log_group_name(telemetry.log_group_prefix, "application"),
            )
            acknowledge(
                self.task_definition.task_role,
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray's PutTraceSegments, PutTelemetryRecords and sampling-rule actions have no "
                "resource-level permissions, so AWS requires Resource '*'.",
            )
        _acknowledge_task(self.task_definition)
        acknowledge(
            self.task_definition,
            "AwsSolutions-ECS2",
            "Only non-secret settings (log level, endpoints, queue URLs) are plain environment; secrets come from Secrets Manager.",
        )
        acknowledge(
            self.task_definition.obtain_execution_role(),
            "AwsSolutions-IAM5[Resource::*]",
            "The execution role's ecr:GetAuthorizationToken has no resource-level permissions, so AWS requires Resource '*'.",
        )

    def _log_group(self, log_type: LogType, telemetry: Telemetry) -> logs.LogGroup:
        """Named, so the log router can address it by the `log_type` field of a JSON line."""
        group = logs.LogGroup(
            self.scope,
            f"{log_type.capitalize()}Logs",
            log_group_name=log_group_name(telemetry.log_group_prefix, log_type),
            retention=telemetry.retention[log_type],
            encryption_key=telemetry.log_key,
            removal_policy=RemovalPolicy.RETAIN if log_type in _RETAINED_LOG_TYPES else RemovalPolicy.DESTROY,
        )
        tags = TagManager.of(group.node.default_child)  # on the L1: Tags.of() would add an aspect per group
        assert tags is not None
        tags.set_tag("LogType", log_type)
        return group

    def _json_log_routing(self, id: str, telemetry: Telemetry) -> ecs.LogDriver:
        """FireLens: each JSON line goes to the log group of its `log_type` field; lines without one are
        application logs. The router parses the line, so the group holds the JSON fields, not a string."""
        application = log_group_name(telemetry.log_group_prefix, "application")
        return ecs.LogDrivers.firelens(
            options={
                "Name": "cloudwatch_logs",
                "region": Stack.of(self.scope).region,
                "log_group_name": application,
                "log_group_template": log_group_name(telemetry.log_group_prefix, "$log_type"),
                "log_stream_prefix": f"{id}/",
                "auto_create_group": "false",
                "retry_limit": "2",
            }
        )

    def _log_router(self, telemetry: Telemetry) -> None:
        router = self.task_definition.add_firelens_log_router(
            "log-router",
            image=ecs.ContainerImage.from_registry(telemetry.router_image),
            firelens_config=ecs.FirelensConfig(
                type=ecs.FirelensLogRouterType.FLUENTBIT,
                options=ecs.FirelensOptions(
                    enable_ecs_log_metadata=True,
                    config_file_type=ecs.FirelensConfigFileType.FILE,
                    config_file_value="/fluent-bit/configs/parse-json.conf",  # shipped in the image
                ),
            ),
            essential=True,
            memory_reservation_mib=50,
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="log-router", log_group=self.log_group, mode=ecs.AwsLogDriverMode.NON_BLOCKING
            ),
            readonly_root_filesystem=False,  # Fluent Bit buffers to its file system
        )
        self.container.add_container_dependencies(
            ecs.ContainerDependency(container=router, condition=ecs.ContainerDependencyCondition.START)
        )
        for group in self.log_groups.values():  # the router writes with the task role
            group.grant_write(self.task_definition.task_role)


def _acknowledge_task(task: ecs.TaskDefinition) -> None:
    acknowledge_check(
        task,
        "Containers run as the user their image declares; the spec does not set one and forcing a uid "
        "breaks images that expect theirs.",
        guard="ecs_task_definition_nonroot_user_check",
    )
    acknowledge_check(
        task,
        "Fargate enforces the task's memory as the hard limit; per-container limits would only split it and "
        "let a spike kill one container while memory is free.",
        guard="ecs_task_definition_memory_hard_limit_check",
    )
    acknowledge_check(
        task,
        "The app and collector containers are read-only; only the Fluent Bit log router writes, to buffer "
        "log records on its own file system.",
        guard="ecs_containers_readonly_access_check",
    )


def mount_file_system(
    task_definition: ecs.TaskDefinition,
    *,
    name: str,
    file_system: efs.IFileSystem,
    access_point: efs.IAccessPoint,
    path: str,
    read_only: bool,
) -> None:
    """Mount `file_system` at `path` in the app container through its access point: TLS in transit and IAM
    authorization, so the task role's grant (ClientMount, ClientWrite) is what lets it in."""
    task_definition.add_volume(
        name=name,
        efs_volume_configuration=ecs.EfsVolumeConfiguration(
            file_system_id=file_system.file_system_id,
            transit_encryption="ENABLED",
            authorization_config=ecs.AuthorizationConfig(
                access_point_id=access_point.access_point_id, iam="ENABLED"
            ),
        ),
    )
    container = task_definition.find_container("app")
    assert container is not None
    container.add_mount_points(ecs.MountPoint(container_path=path, source_volume=name, read_only=read_only))
    if read_only:
        file_system.grant_read(task_definition.task_role)
    else:
        file_system.grant_read_write(task_definition.task_role)
