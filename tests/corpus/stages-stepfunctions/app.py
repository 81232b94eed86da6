#!/usr/bin/env python3
"""Two CDK Stages, dev and prod, sized differently: EC2 + VPC, and EventBridge → Step Functions.

The "one Stage per environment" layout of CDK Pipelines apps, without the pipeline. Each stage has a
`Platform` stack (VPC; an EC2 instance whose security group admits HTTPS from the VPC's own CIDR, i.e.
`Fn::GetAtt Vpc.CidrBlock`) and a `Workflow` stack that depends on it (a scheduled EventBridge rule and an
event-pattern rule on a custom bus both start a Step Functions state machine that invokes a Lambda). `dev` is
environment-agnostic (its subnets' zones are `Fn::Select [i, Fn::GetAZs ""]`); `prod` is pinned to an
account in eu-west-1 with three zones, bigger instances and two NAT gateways.
"""

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

VALIDATE = "def handler(event, context):\n    return {'valid': bool(event.get('orderId'))}\n"


@dataclass(frozen=True)
class Size:
    max_azs: int
    nat_gateways: int
    instance: ec2.InstanceType
    lambda_memory: int


DEV = Size(2, 1, ec2.InstanceType("t3.micro"), 128)
PROD = Size(3, 2, ec2.InstanceType("m5.large"), 512)


class PlatformStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, size: Size, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=size.max_azs, nat_gateways=size.nat_gateways)
        sg = ec2.SecurityGroup(self, "AppSg", vpc=vpc, description="app host", allow_all_outbound=True)
        sg.add_ingress_rule(ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "HTTPS from inside the VPC")
        ec2.Instance(
            self,
            "AppHost",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            instance_type=size.instance,
            machine_image=ec2.MachineImage.latest_amazon_linux2023(),
            security_group=sg,
            require_imdsv2=True,
            ssm_session_permissions=True,
        )


class WorkflowStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, size: Size, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        validate = lambda_.Function(
            self,
            "Validate",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline(VALIDATE),
            memory_size=size.lambda_memory,
        )
        check = tasks.LambdaInvoke(self, "ValidateOrder", lambda_function=validate, output_path="$.Payload")
        done = sfn.Succeed(self, "Accepted")
        rejected = sfn.Fail(self, "Rejected", error="InvalidOrder")
        wait = sfn.Wait(self, "Settle", time=sfn.WaitTime.duration(cdk.Duration.seconds(30)))
        definition = check.next(
            sfn.Choice(self, "Valid?")
            .when(sfn.Condition.boolean_equals("$.valid", True), wait.next(done))
            .otherwise(rejected)
        )
        machine = sfn.StateMachine(
            self,
            "OrderFlow",
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=cdk.Duration.minutes(5),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=logs.LogGroup(self, "FlowLogs", retention=logs.RetentionDays.ONE_MONTH),
                level=sfn.LogLevel.ERROR,
            ),
        )
        events.Rule(
            self,
            "Hourly",
            schedule=events.Schedule.rate(cdk.Duration.hours(1)),
            targets=[events_targets.SfnStateMachine(machine)],
        )
        bus = events.EventBus(self, "Orders", event_bus_name=f"orders-{cdk.Stage.of(self).stage_name}")
        events.Rule(
            self,
            "OrderPlaced",
            event_bus=bus,
            event_pattern=events.EventPattern(source=["shop.orders"], detail_type=["OrderPlaced"]),
            targets=[events_targets.SfnStateMachine(machine)],
        )


class EnvironmentStage(cdk.Stage):
    def __init__(self, scope: Construct, construct_id: str, *, size: Size, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        platform = PlatformStack(self, "Platform", size=size)
        workflow = WorkflowStack(self, "Workflow", size=size)
        workflow.add_dependency(platform)


app = cdk.App()
EnvironmentStage(app, "dev", size=DEV)
EnvironmentStage(app, "prod", size=PROD, env=cdk.Environment(account="666666666666", region="eu-west-1"))
app.synth()
