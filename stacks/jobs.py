"""Scheduled jobs: a Fargate task that EventBridge Scheduler starts on a cron or rate expression in a time zone,
retried as the spec says, with a dead-letter queue for the runs it could not start."""

from __future__ import annotations

from aws_cdk import Duration, TimeZone
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from designspec.kinds import Job, JobSizing
from stacks.nag import acknowledge, acknowledge_check
from stacks.tasks import FargateTask, Telemetry


class ScheduledJob(Construct):
    """The job's task definition (as a service's: logs, secrets, tracing), its security group, its schedule and
    the DLQ of failed invocations."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: Job,
        cluster: ecs.ICluster,
        sizing: JobSizing,
        image: ecs.ContainerImage,
        environment: dict[str, str],
        secrets: dict[str, ecs.Secret],
        telemetry: Telemetry,
    ) -> None:
        super().__init__(scope, id)
        task = FargateTask(
            self,
            id,
            sizing=sizing,
            image=image,
            port=None,
            environment=environment,
            secrets=secrets,
            telemetry=telemetry,
            command=list(spec.command),
        )
        self.task_definition, self.log_group = task.task_definition, task.log_group
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=cluster.vpc, description=f"{id} job tasks", allow_all_outbound=False
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs, ECR and external APIs"
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            retention_period=Duration.days(spec.dead_letter_retention_days),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        dlq = "This queue is itself the dead-letter queue of the job's schedule; a DLQ of a DLQ would only hide failures."
        acknowledge(self.dead_letter_queue, "AwsSolutions-SQS3", dlq)
        acknowledge_check(self.dead_letter_queue, dlq, guard="sqs_dlq_check")
        target = targets.EcsRunFargateTask(
            cluster,
            task_definition=self.task_definition,
            security_groups=[self.security_group],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            assign_public_ip=False,
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=spec.retry.attempts,
            max_event_age=Duration.seconds(spec.retry.max_event_age_seconds),
        )
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            schedule=scheduler.ScheduleExpression.expression(spec.schedule, TimeZone.of(spec.time_zone)),
            target=target,
            description=spec.description or f"runs job {id}",
        )

    @property
    def connections(self) -> ec2.Connections:
        """The job's tasks as a network peer: stores open their ports to this."""
        return self.security_group.connections
