#!/usr/bin/env python3
"""Stages inside a stage, nested stacks inside staged stacks, and an account without a region.

The layout of a multi-region CDK Pipelines app, without the pipeline: the stage `platform` holds a `Global`
stack and two regional stages, `eu` (eu-west-1) and `us` (us-east-1), each with an `Orders` stack (SQS queue,
SNS topic) that nests a `Tables` stack (DynamoDB table). Their cloud assemblies are nested two deep
(`assembly-platform/assembly-platform-eu`). `Global` names its account but not its region, so its
environment is `aws://777777777777/unknown-region`; stacks carry explicit names and termination protection.
"""

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

ACCOUNT = "777777777777"


class TablesStack(cdk.NestedStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.TableV2(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="orderId", type=dynamodb.AttributeType.STRING),
            billing=dynamodb.Billing.provisioned(
                read_capacity=dynamodb.Capacity.fixed(5),
                write_capacity=dynamodb.Capacity.autoscaled(max_capacity=20),
            ),
        )


class OrdersStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, termination_protection=True, **kwargs)
        queue = sqs.Queue(self, "Orders", encryption=sqs.QueueEncryption.SQS_MANAGED)
        topic = sns.Topic(self, "OrderEvents")
        topic.add_subscription(subs.SqsSubscription(queue))
        tables = TablesStack(self, "Tables")
        ssm.StringParameter(
            self, "TableName", parameter_name="/orders/table", string_value=tables.table.table_name
        )


class GlobalStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        sns.Topic(self, "Alerts", topic_name="platform-alerts")


class RegionStage(cdk.Stage):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        OrdersStack(self, "Orders", stack_name=f"orders-{construct_id}")


class PlatformStage(cdk.Stage):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        GlobalStack(self, "Global", env=cdk.Environment(account=ACCOUNT))
        RegionStage(self, "eu", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))
        RegionStage(self, "us", env=cdk.Environment(account=ACCOUNT, region="us-east-1"))


app = cdk.App()
PlatformStage(app, "platform")
app.synth()
