#!/usr/bin/env python3
"""A REST API protected by a WAFv2 web ACL, over a DynamoDB table that AWS Backup protects.

Modelled on the aws-samples WAF and Backup CDK patterns: a regional web ACL (two AWS managed rule groups and a
per-IP rate limit) is associated with the `prod` stage of a Lambda-proxy REST API; the API's Lambda reads a
DynamoDB table (partition + sort key, a GSI, on-demand, PITR, a stream consumed by a second Lambda); an AWS
Backup plan (daily, 35 days; monthly, 1 year) selects the table. Pinned to eu-west-1.
"""

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

ENV = cdk.Environment(account="444444444444", region="eu-west-1")
API = "def handler(event, context):\n    return {'statusCode': 200, 'body': '{}'}\n"
STREAM = "def handler(event, context):\n    print(len(event['Records']))\n"


def managed_rule(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name
            )
        ),
        visibility_config=visibility(name),
    )


def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


class CatalogStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        table = dynamodb.Table(
            self,
            "Products",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        table.add_global_secondary_index(
            index_name="by-category",
            partition_key=dynamodb.Attribute(name="category", type=dynamodb.AttributeType.STRING),
        )
        api_fn = self._function("ApiFn", API, memory=256)
        table.grant_read_data(api_fn)
        stream_fn = self._function("StreamFn", STREAM, memory=128)
        stream_fn.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                retry_attempts=3,
            )
        )
        api = apigw.LambdaRestApi(
            self, "CatalogApi", handler=api_fn, deploy_options=apigw.StageOptions(stage_name="prod")
        )
        self._web_acl(api.deployment_stage.stage_arn)
        self._backup(table)

    def _function(self, name: str, code: str, memory: int) -> lambda_.Function:
        return lambda_.Function(
            self,
            name,
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline(code),
            memory_size=memory,
        )

    def _web_acl(self, stage_arn: str) -> None:
        rate_limit = wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerIp",
            priority=0,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=1000, aggregate_key_type="IP"
                )
            ),
            visibility_config=visibility("RateLimitPerIp"),
        )
        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility("CatalogWebAcl"),
            rules=[
                rate_limit,
                managed_rule("AWSManagedRulesCommonRuleSet", 1),
                managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 2),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "WebAclAssociation", resource_arn=stage_arn, web_acl_arn=acl.attr_arn
        )

    def _backup(self, table: dynamodb.Table) -> None:
        vault = backup.BackupVault(self, "Vault", removal_policy=cdk.RemovalPolicy.RETAIN)
        plan = backup.BackupPlan(self, "Plan", backup_vault=vault)
        plan.add_rule(
            backup.BackupPlanRule(
                rule_name="Daily",
                schedule_expression=events.Schedule.cron(hour="3", minute="0"),
                delete_after=cdk.Duration.days(35),
            )
        )
        plan.add_rule(
            backup.BackupPlanRule(
                rule_name="Monthly",
                schedule_expression=events.Schedule.cron(day="1", hour="4", minute="0"),
                delete_after=cdk.Duration.days(365),
            )
        )
        plan.add_selection("Tables", resources=[backup.BackupResource.from_dynamo_db_table(table)])


app = cdk.App()
CatalogStack(app, "Catalog", env=ENV)
app.synth()
