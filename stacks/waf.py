"""AWS WAF: a web ACL with AWS managed rule groups and a per-IP rate limit, logging to CloudWatch Logs."""

from __future__ import annotations

from typing import Literal

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

# AWS managed rule groups, in evaluation order: reputation first (cheapest to block), then the core rule set
# (OWASP Top 10 classes) and known bad inputs (Log4j, exploitable paths). Names are WAF's own.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
RATE_RULE = "RateLimitPerIp"
WAF_LOG_PREFIX = "aws-waf-logs-"  # WAF delivers only to log groups whose name starts with this


class WebFirewall(Construct):
    """One web ACL: scope CLOUDFRONT (must be created in us-east-1) or REGIONAL (an ALB's region)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        acl_scope: Literal["CLOUDFRONT", "REGIONAL"],
        rate_limit: int,
        log_retention: logs.RetentionDays,
        log_key: kms.IKey | None,
    ) -> None:
        super().__init__(scope, id)
        log_group_name = f"{WAF_LOG_PREFIX}{name}"  # = designspec.naming.waf_log_group_name
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=log_group_name,
            retention=log_retention,
            encryption_key=log_key,
            removal_policy=RemovalPolicy.RETAIN,  # request logs are security evidence
        )
        rules = [_managed(group, priority) for priority, group in enumerate(MANAGED_RULE_GROUPS)]
        rules.append(_rate_rule(rate_limit, priority=len(rules)))
        self.acl = wafv2.CfnWebACL(
            self,
            "Acl",
            name=name,
            scope=acl_scope,
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            rules=rules,
        )
        # WAF wants the log group's ARN without the trailing ":*" the LogGroup construct gives.
        logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.acl.attr_arn,
            log_destination_configs=[
                Stack.of(self).format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=log_group_name,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        logging.node.add_dependency(self.log_group)

    @property
    def arn(self) -> str:
        return self.acl.attr_arn


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _managed(group: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=group,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=group
            )
        ),
        visibility_config=_visibility(group),
    )


def _rate_rule(limit: int, *, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=RATE_RULE,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit, aggregate_key_type="IP", evaluation_window_sec=300
            )
        ),
        visibility_config=_visibility(RATE_RULE),
    )
