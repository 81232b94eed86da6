#!/usr/bin/env python3
"""A shared VPC stack used by other stacks (cross-stack references), and a stack in an imported VPC.

The common "network stack + workload stacks" layout: `Network` owns the VPC; `Workers` runs an ECS Fargate
worker service and a PostgreSQL instance in that VPC, so its template reads the VPC and subnets through
`Fn::ImportValue` of `Network`'s exports. `Legacy` lives in a VPC created outside CDK and imported with
`Vpc.from_vpc_attributes` (literal ids, no lookup): an internal ALB in front of a Lambda, whose error alarm
notifies a topic exported by another application (`Fn::ImportValue shared-alarm-topic-arn`). us-east-1.
"""

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_elasticloadbalancingv2_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from constructs import Construct

ENV = cdk.Environment(account="555555555555", region="us-east-1")
ZONES = ["us-east-1a", "us-east-1b"]


class NetworkStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.vpc = ec2.Vpc(
            self, "Shared", ip_addresses=ec2.IpAddresses.cidr("10.10.0.0/16"), availability_zones=ZONES
        )


class WorkersStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc)
        task = ecs.FargateTaskDefinition(self, "WorkerTask", cpu=512, memory_limit_mib=1024)
        task.add_container(
            "worker",
            image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12-slim"),
            command=["python", "-m", "http.server"],
            logging=ecs.LogDrivers.aws_logs(stream_prefix="worker"),
        )
        worker = ecs.FargateService(
            self,
            "Worker",
            cluster=cluster,
            task_definition=task,
            desired_count=2,
            min_healthy_percent=50,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        )
        database = rds.DatabaseInstance(
            self,
            "Database",
            engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16_4),
            instance_type=ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            allocated_storage=20,
            storage_encrypted=True,
            credentials=rds.Credentials.from_generated_secret("worker"),
        )
        database.connections.allow_default_port_from(worker, "worker to PostgreSQL")


class LegacyStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc.from_vpc_attributes(
            self,
            "LegacyVpc",
            vpc_id="vpc-0a1b2c3d4e5f67890",
            vpc_cidr_block="172.31.0.0/16",
            availability_zones=ZONES,
            private_subnet_ids=["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"],
            private_subnet_route_table_ids=["rtb-0123456789abcdef0", "rtb-0fedcba9876543210"],
        )
        fn = lambda_.Function(
            self,
            "Report",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return {'statusCode': 200}\n"),
            vpc=vpc,
            timeout=cdk.Duration.seconds(15),
        )
        alb = elbv2.ApplicationLoadBalancer(self, "InternalAlb", vpc=vpc, internet_facing=False)
        alb.add_listener("Http", port=80, open=False).add_targets(
            "Report", targets=[targets.LambdaTarget(fn)]
        )
        alb.connections.allow_from(ec2.Peer.ipv4("172.31.0.0/16"), ec2.Port.tcp(80), "legacy VPC clients")
        alarm_topic = sns.Topic.from_topic_arn(self, "Alarms", cdk.Fn.import_value("shared-alarm-topic-arn"))
        alarm = cloudwatch.Alarm(
            self,
            "ReportErrors",
            metric=fn.metric_errors(period=cdk.Duration.minutes(5)),
            threshold=1,
            evaluation_periods=1,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(alarm_topic))


app = cdk.App()
network = NetworkStack(app, "Network", env=ENV)
WorkersStack(app, "Workers", vpc=network.vpc, env=ENV)
LegacyStack(app, "Legacy", env=ENV)
app.synth()
