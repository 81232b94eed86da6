"""Compute: the ECS cluster and internal ALB (Platform), and one Fargate workload per service or container frontend."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from designspec.model import Scaling, ServiceSizing
from stacks.nag import acknowledge, acknowledge_check, acknowledge_log_bucket
from stacks.tasks import WORKLOAD_LOG_TYPES, FargateTask, Telemetry

__all__ = ["WORKLOAD_LOG_TYPES", "FargateWorkload", "Platform", "QueueLinks", "Route", "Telemetry"]

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


@dataclass(frozen=True)
class Route:
    """Where the ALB sends a workload's traffic: listener rule priority and path patterns."""

    priority: int
    path_patterns: tuple[str, ...]
    health_check_path: str


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
        task = FargateTask(
            self,
            id,
            sizing=sizing,
            image=image,
            port=port,
            environment=environment,
            secrets=secrets,
            telemetry=telemetry,
        )
        self.log_groups, self.log_group = task.log_groups, task.log_group
        self.task_definition, self.container, self.collector = (
            task.task_definition,
            task.container,
            task.collector,
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
