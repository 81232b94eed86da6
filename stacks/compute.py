"""Compute: the ECS cluster and internal ALB (Platform), and one Fargate workload per service or container frontend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack, TagManager
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from designspec.model import Scaling, ServiceSizing
from designspec.naming import log_group_name
from designspec.observability import LogType
from stacks.apm import (
    DatadogAgent,
    NewRelicLogs,
    datadog_app_environment,
    datadog_task_definition,
    log_unlogged_containers,
    newrelic_log_driver,
)
from stacks.nag import acknowledge, acknowledge_check, acknowledge_log_bucket
from stacks.tracing import CollectorSidecar, add_collector, app_environment

HTTP_PORT = 80
HTTPS_PORT = 443


class Platform(Construct):
    """The cluster every workload runs in and the one internal ALB that CloudFront's VPC origin reaches.

    The ALB has no public address: it sits in the app subnets, and its security group admits only CloudFront's
    origin-facing prefix list, so its listener rules cannot be reached bypassing CloudFront and its WAF.
    With a certificate (a domain in the spec) it listens on HTTPS only with a TLS 1.2+ policy; without one,
    on HTTP, which then travels only inside AWS's network from the VPC origin's interfaces in this VPC.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        access_log_days: int,
        cloudfront_prefix_list: str,
        certificate: acm.ICertificate | None,
        deletion_protection: bool,
    ) -> None:
        super().__init__(scope, id)
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENHANCED
        )
        self.access_logs = s3.Bucket(
            self,
            "AlbAccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # ALB log delivery supports SSE-S3 only
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(access_log_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "This bucket receives the ALB's access logs; logging its own access would log into itself.",
        )
        self.https = certificate is not None
        self.port = HTTPS_PORT if self.https else HTTP_PORT
        protocol = "HTTPS" if self.https else "HTTP"
        self.security_group = ec2.SecurityGroup(
            self,
            "AlbSecurityGroup",
            vpc=vpc,
            description=f"ALB: {protocol} from CloudFront",
            allow_all_outbound=False,
        )
        # One rule only: AWS counts a reference to this list as 55 rules of the group's default quota of 60.
        self.security_group.add_ingress_rule(
            ec2.Peer.prefix_list(cloudfront_prefix_list),
            ec2.Port.tcp(self.port),
            f"{protocol} from CloudFront origin-facing servers (VPC origin)",
        )
        self.alb = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=vpc,
            internet_facing=False,
            security_group=self.security_group,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            drop_invalid_header_fields=True,
            deletion_protection=deletion_protection,
            desync_mitigation_mode=elbv2.DesyncMitigationMode.DEFENSIVE,
        )
        self.alb.log_access_logs(self.access_logs, prefix="alb")
        self._acknowledge(deletion_protection)
        self.listener = self.alb.add_listener(
            protocol.capitalize(),
            port=self.port,
            protocol=elbv2.ApplicationProtocol.HTTPS if self.https else elbv2.ApplicationProtocol.HTTP,
            certificates=[certificate] if certificate else None,
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS if self.https else None,
            open=False,
            default_action=elbv2.ListenerAction.fixed_response(
                404, content_type="text/plain", message_body="no route"
            ),
        )

    def _acknowledge(self, deletion_protection: bool) -> None:
        acknowledge_check(
            self.alb,
            "The ALB is internal and admits only CloudFront's origin-facing servers; every request passes "
            "the CloudFront web ACL first, so a regional web ACL would inspect the same requests twice.",
            nag="ALBWAFEnabled",
        )
        if not deletion_protection:
            acknowledge_check(
                self.alb,
                "Deletion protection is on where the spec sets protection: production; this environment "
                "can be torn down.",
                nag="ELBDeletionProtectionEnabled",
                guard="elbv2_deletion_protection_enabled_check",
            )
        acknowledge_check(
            self.access_logs,
            "ALB access log delivery supports SSE-S3 only; the bucket expires logs by lifecycle, so versions "
            "would only keep deleted logs.",
            nag="S3DefaultEncryptionKMS",
            guard="s3_bucket_default_encryption_kms_check",
        )
        acknowledge_log_bucket(self.access_logs)
        if not self.https:
            reason = (
                "The spec names no domain, so there is no certificate for the ALB: it listens on HTTP, reachable "
                "only from CloudFront's VPC origin inside AWS's network; a domain switches it to HTTPS."
            )
            acknowledge_check(
                self.alb, reason, nag="ALBHttpToHttpsRedirection", guard="alb_http_to_https_redirection_check"
            )
            acknowledge_check(self.alb, reason, nag="ELBv2ACMCertificateRequired")


def acknowledge_queue_key_actions(role: iam.IRole) -> None:
    """SQS with a customer-managed key: sending and receiving need KMS's data-key action families."""
    reason = (
        "SQS SSE-KMS: sending needs kms:GenerateDataKey* and receiving kms:Decrypt on the queues' one key; "
        "these are KMS's action families as SQS documents them, on that key only."
    )
    for action in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
        acknowledge(role, f"AwsSolutions-IAM5[Action::{action}]", reason)


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


@dataclass(frozen=True)
class Route:
    """Where the ALB sends a workload's traffic: listener rule priority and path patterns."""

    priority: int
    path_patterns: tuple[str, ...]
    health_check_path: str


@dataclass(frozen=True)
class Telemetry:
    """How a workload's logs, traces and metrics leave its tasks; decided per environment by the stage.

    Logs go to CloudWatch (one group per log type) unless an APM vendor takes them: then FireLens sends
    the application's lines to the vendor, and CloudWatch keeps only the sidecars' own logs."""

    log_group_prefix: str  # "/<project>/<environment>/<workload>": one log group per log type below it
    retention: Mapping[LogType, logs.RetentionDays]  # of each of WORKLOAD_LOG_TYPES
    log_level: str
    router_image: str
    collector: CollectorSidecar | None = None
    newrelic: NewRelicLogs | None = None  # FireLens to New Relic instead of CloudWatch
    datadog: DatadogAgent | None = None  # the Datadog agent and its FireLens route
    log_key: kms.IKey | None = None  # customer-managed encryption of the log groups; None: CloudWatch's own

    @property
    def log_types(self) -> tuple[LogType, ...]:
        """The log groups the workload needs: every type in CloudWatch, else the sidecars' group only."""
        vendor = self.newrelic is not None or self.datadog is not None
        return ("application",) if vendor else WORKLOAD_LOG_TYPES


TMP_VOLUME = "tmp"
WORKLOAD_LOG_TYPES: tuple[LogType, ...] = ("application", "access", "audit")
# Log types that must outlive the stack: audit events are evidence.
_RETAINED_LOG_TYPES = ("audit",)


@dataclass(frozen=True)
class QueueLinks:
    consumes: sqs.IQueue | None
    backlog_per_task: int
    sends_to: tuple[sqs.IQueue, ...]


class FargateWorkload(Construct):
    """A Fargate service: task definition sized from the spec, JSON logs, secrets from Secrets Manager, scaling."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: ecs.ICluster,
        sizing: ServiceSizing,
        image: ecs.ContainerImage,
        port: int | None,
        environment: dict[str, str],
        secrets: dict[str, ecs.Secret],
        telemetry: Telemetry,
    ) -> None:
        super().__init__(scope, id)
        self.port = port
        self.log_groups = {log_type: self._log_group(log_type, telemetry) for log_type in telemetry.log_types}
        self.log_group = self.log_groups.get("application")
        self.task_definition = self._task_definition(id, sizing, telemetry)
        defaults = {"LOG_LEVEL": telemetry.log_level, "LOG_FORMAT": "json"}
        if telemetry.collector is not None:
            defaults.update(app_environment(id, telemetry.collector))
        if telemetry.datadog is not None:
            defaults.update(datadog_app_environment(id, telemetry.datadog))
        self.container = self.task_definition.add_container(
            "app",
            image=image,
            logging=self._app_logging(id, telemetry),
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
        if telemetry.datadog is None:  # the Datadog construct brings its own router
            self._log_router(telemetry)
        else:
            assert self.log_group is not None
            log_unlogged_containers(self.task_definition, self.log_group)
        self.collector = None
        if telemetry.collector is not None:
            assert self.log_group is not None  # a collector runs with CloudWatch or New Relic logs
            self.collector = add_collector(
                self.task_definition, sidecar=telemetry.collector, log_group=self.log_group
            )
        if telemetry.collector is not None and "xray" in telemetry.collector.plan.traces_to:
            acknowledge(
                self.task_definition.task_role,
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray's PutTraceSegments, PutTelemetryRecords and sampling-rule actions have no "
                "resource-level permissions, so AWS requires Resource '*'.",
            )
        elif telemetry.datadog is not None:
            acknowledge(
                self.task_definition.task_role,
                "AwsSolutions-IAM5[Resource::*]",
                "The Datadog agent lists the cluster's container instances (ecs:ListClusters, "
                "ListContainerInstances, DescribeContainerInstances), which take no resource-level permissions.",
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
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=cluster.vpc, description=f"{id} tasks", allow_all_outbound=False
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs, ECR and external APIs"
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=cluster,
            task_definition=self.task_definition,
            desired_count=sizing.desired,
            security_groups=[self.security_group],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            assign_public_ip=False,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            min_healthy_percent=100,
            max_healthy_percent=200,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            enable_ecs_managed_tags=True,
            health_check_grace_period=Duration.seconds(60) if port else None,
        )
        self.scaling = self.service.auto_scale_task_count(min_capacity=sizing.min, max_capacity=sizing.max)
        self.target_group: elbv2.ApplicationTargetGroup | None = None

    def _task_definition(
        self, id: str, sizing: ServiceSizing, telemetry: Telemetry
    ) -> ecs.FargateTaskDefinition:
        props = ecs.FargateTaskDefinitionProps(
            cpu=sizing.cpu,
            memory_limit_mib=sizing.memory,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64
                if sizing.architecture == "arm64"
                else ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        if telemetry.datadog is not None:
            return datadog_task_definition(self, "Task", props=props, service=id, agent=telemetry.datadog)
        return ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=props.cpu,
            memory_limit_mib=props.memory_limit_mib,
            runtime_platform=props.runtime_platform,
        )

    def _app_logging(self, id: str, telemetry: Telemetry) -> ecs.LogDriver | None:
        """The app's log driver: FireLens to CloudWatch or New Relic; None lets the Datadog construct route it."""
        if telemetry.datadog is not None:
            return None
        if telemetry.newrelic is not None:
            return newrelic_log_driver(telemetry.newrelic)
        return self._json_log_routing(id, telemetry)

    def _log_group(self, log_type: LogType, telemetry: Telemetry) -> logs.LogGroup:
        """Named, so the log router can address it by the `log_type` field of a JSON line."""
        group = logs.LogGroup(
            self,
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
                "region": Stack.of(self).region,
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
                stream_prefix="log-router",
                log_group=self.log_groups["application"],
                mode=ecs.AwsLogDriverMode.NON_BLOCKING,
            ),
            readonly_root_filesystem=False,  # Fluent Bit buffers to its file system
        )
        self.container.add_container_dependencies(
            ecs.ContainerDependency(container=router, condition=ecs.ContainerDependencyCondition.START)
        )
        for group in self.log_groups.values():  # the router writes with the task role
            group.grant_write(self.task_definition.task_role)

    def route_from(self, listener: elbv2.IApplicationListener, route: Route) -> None:
        """Register behind the ALB: a target group with a health check and a path-based listener rule."""
        assert self.port is not None
        self.target_group = elbv2.ApplicationTargetGroup(
            self,
            "TargetGroup",
            vpc=self.service.cluster.vpc,
            port=self.port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=route.health_check_path, healthy_http_codes="200-399", interval=Duration.seconds(30)
            ),
        )
        elbv2.ApplicationListenerRule(
            self,
            "Route",
            listener=listener,
            priority=route.priority,
            conditions=[elbv2.ListenerCondition.path_patterns(list(route.path_patterns))],
            action=elbv2.ListenerAction.forward([self.target_group]),
        )
        self.service.attach_to_application_target_group(self.target_group)

    def scale_http(self, scaling: Scaling) -> None:
        """Target tracking on CPU and memory (and requests per target when the spec sets it)."""
        cooldown = Duration.seconds(60)
        self.scaling.scale_on_cpu_utilization(
            "Cpu",
            target_utilization_percent=scaling.cpu_target,
            scale_in_cooldown=cooldown,
            scale_out_cooldown=cooldown,
        )
        self.scaling.scale_on_memory_utilization(
            "Memory",
            target_utilization_percent=scaling.memory_target,
            scale_in_cooldown=cooldown,
            scale_out_cooldown=cooldown,
        )
        if scaling.requests_per_target and self.target_group is not None:
            self.scaling.scale_on_request_count(
                "Requests", requests_per_target=scaling.requests_per_target, target_group=self.target_group
            )

    def link_queues(self, links: QueueLinks) -> None:
        """Least privilege through grants; a worker scales in steps on its queue's backlog."""
        role = self.task_definition.task_role
        for queue in links.sends_to:
            queue.grant_send_messages(role)
        if links.sends_to:
            acknowledge_queue_key_actions(role)
        if links.consumes is None:
            return
        links.consumes.grant_consume_messages(role)
        acknowledge_queue_key_actions(self.task_definition.task_role)
        per_task = links.backlog_per_task
        self.scaling.scale_on_metric(
            "Backlog",
            metric=links.consumes.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            scaling_steps=[
                appscaling.ScalingInterval(upper=0, change=-1),
                appscaling.ScalingInterval(lower=1, change=+1),
                appscaling.ScalingInterval(lower=per_task, change=+2),
                appscaling.ScalingInterval(lower=per_task * 5, change=+5),
            ],
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown=Duration.seconds(120),
        )
