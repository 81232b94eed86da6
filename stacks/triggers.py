"""What invokes a function: a queue or a table's stream (event source mappings), a schedule (EventBridge
Scheduler), object events of a bucket (S3 to EventBridge, so the bucket's stack never depends on the function's),
a topic (an SNS subscription), or HTTP through the ALB or an HTTP API of its own.

Construct ids come from what a trigger names (`Queue-orders`, `Schedule-<hash of the expression>`), never from
its position in the list, so reordering triggers replaces nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from aws_cdk import RemovalPolicy, TagManager
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_elasticloadbalancingv2_targets as elb_targets
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as event_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from designspec.kinds import Trigger
from stacks.compute import Route
from stacks.nag import acknowledge, acknowledge_check
from stacks.uses import Stores

DEFAULT_BATCH = 10
S3_EVENTS = {"created": "Object Created", "removed": "Object Deleted"}
DEFAULT_ROUTE = "ANY /{proxy+}"
# One JSON line per request, with the fields the ALB's access logs also give (HTTP API $context variables).
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime",'
    '"routeKey":"$context.routeKey","status":"$context.status","latencyMs":"$context.responseLatency",'
    '"log_type":"access"}'
)


@dataclass(frozen=True)
class HttpEntry:
    """How an HTTP trigger is reached: the ALB's listener and the function's route, or its HTTP API's logs."""

    listener: elbv2.IApplicationListener | None
    route: Route | None
    access_log_group_name: str
    access_log_retention: logs.RetentionDays


def trigger_id(t: Trigger) -> str:
    """A stable construct id from what the trigger names."""
    if t.schedule is not None:
        digest = hashlib.sha256(f"{t.schedule}|{t.time_zone or 'UTC'}".encode()).hexdigest()[:8]
        return f"Schedule-{digest}"
    for kind in ("queue", "bucket", "topic", "table"):
        if getattr(t, kind) is not None:
            return f"{kind.capitalize()}-{getattr(t, kind)}"
    return "Alb" if t.http == "alb" else "HttpApi"


def add_trigger(
    scope: Construct, fn: lambda_.Function, t: Trigger, stores: Stores, http: HttpEntry
) -> Construct | None:
    """Wire `t` to `fn`; returns the construct that stands for the trigger (a schedule, rule or API), if any."""
    tid = trigger_id(t)
    if t.queue is not None:
        queue = stores.queues[t.queue].queue
        fn.add_event_source(
            sources.SqsEventSource(
                queue, batch_size=t.batch_size or DEFAULT_BATCH, report_batch_item_failures=True
            )
        )
        return None
    if t.table is not None:
        fn.add_event_source(
            sources.DynamoEventSource(
                stores.tables[t.table].table,
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=t.batch_size or DEFAULT_BATCH,
                retry_attempts=3,
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
            )
        )
        return None
    if t.topic is not None:
        stores.topics[t.topic].topic.add_subscription(subscriptions.LambdaSubscription(fn))
        return None
    if t.schedule is not None:
        return _schedule(scope, tid, fn, t)
    if t.bucket is not None:
        return _bucket_rule(scope, tid, fn, t, stores)
    if t.http == "alb":
        return _alb(scope, fn, http)
    return _http_api(scope, fn, t, http)


def _schedule(scope: Construct, tid: str, fn: lambda_.IFunction, t: Trigger) -> scheduler.CfnSchedule:
    """A Scheduler schedule invoking the function, with a role that may invoke exactly it (the L2 target
    also grants its versions, `<arn>:*`, which this function never publishes)."""
    role = iam.Role(scope, f"{tid}Role", assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"))
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[fn.function_arn])
    )
    return scheduler.CfnSchedule(
        scope,
        tid,
        schedule_expression=t.schedule or "",
        schedule_expression_timezone=t.time_zone or "UTC",
        flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
        target=scheduler.CfnSchedule.TargetProperty(
            arn=fn.function_arn,
            role_arn=role.role_arn,
            retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(maximum_retry_attempts=2),
        ),
        description=f"invokes the function on {t.schedule}",
    )


def _bucket_rule(
    scope: Construct, tid: str, fn: lambda_.IFunction, t: Trigger, stores: Stores
) -> events.Rule:
    bucket = stores.buckets[t.bucket or ""].bucket
    detail: dict[str, object] = {"bucket": {"name": [bucket.bucket_name]}}
    if t.prefix:
        detail["object"] = {"key": [{"prefix": t.prefix}]}
    rule = events.Rule(
        scope,
        tid,
        description=f"object events of bucket {t.bucket}",
        event_pattern=events.EventPattern(
            source=["aws.s3"],
            detail_type=[S3_EVENTS[e] for e in (t.events or ("created",))],
            detail=detail,
        ),
    )
    rule.add_target(event_targets.LambdaFunction(fn, retry_attempts=2))
    return rule


def _alb(scope: Construct, fn: lambda_.IFunction, http: HttpEntry) -> elbv2.ApplicationTargetGroup:
    assert http.listener is not None and http.route is not None
    group = elbv2.ApplicationTargetGroup(
        scope, "TargetGroup", targets=[elb_targets.LambdaTarget(fn)], target_type=elbv2.TargetType.LAMBDA
    )
    elbv2.ApplicationListenerRule(
        scope,
        "Route",
        listener=http.listener,
        priority=http.route.priority,
        conditions=[elbv2.ListenerCondition.path_patterns(list(http.route.path_patterns))],
        action=elbv2.ListenerAction.forward([group]),
    )
    acknowledge_check(
        fn,
        "Only the ALB's target group may invoke the function (the permission's SourceArn is the group's).",
        guard="lambda_function_public_access_prohibited_check",
    )
    return group


def _http_api(scope: Construct, fn: lambda_.IFunction, t: Trigger, http: HttpEntry) -> apigwv2.HttpApi:
    api = apigwv2.HttpApi(
        scope, "HttpApi", create_default_stage=False, description="HTTP API of the function"
    )
    logs_group = logs.LogGroup(
        scope,
        "AccessLogs",
        log_group_name=http.access_log_group_name,
        retention=http.access_log_retention,
        removal_policy=RemovalPolicy.DESTROY,
    )
    tags = TagManager.of(logs_group.node.default_child)
    assert tags is not None
    tags.set_tag("LogType", "access")
    stage = apigwv2.HttpStage(scope, "DefaultStage", http_api=api, auto_deploy=True)
    cfn = stage.node.default_child
    assert isinstance(cfn, apigwv2.CfnStage)
    cfn.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
        destination_arn=logs_group.log_group_arn, format=ACCESS_LOG_FORMAT
    )
    integration = integrations.HttpLambdaIntegration("Integration", fn)
    for route in t.routes or (DEFAULT_ROUTE,):
        method, path = route.split(" ", 1)
        api.add_routes(path=path, methods=[apigwv2.HttpMethod(method)], integration=integration)
    acknowledge_check(
        api,
        "The design names no authorizer for this API: the function authenticates its callers itself.",
        guard="api_gw_v2_authorization_type_configured_check",
    )
    for holder in (fn, api):  # the permission is made under the API's route integration
        acknowledge_check(
            holder,
            "Only this function's HTTP API may invoke it (the permission's SourceArn is the API's).",
            guard="lambda_function_public_access_prohibited_check",
        )
    acknowledge(
        api,
        "AwsSolutions-APIG4",
        "The design names no authorizer for this API: the function authenticates its callers itself "
        "(signed webhooks, tokens it verifies).",
    )
    return api
