"""Prometheus and Grafana for one environment: an Amazon Managed Service for Prometheus (AMP) workspace the
collector sidecars remote-write to, and an Amazon Managed Grafana (AMG) workspace that reads it.

Both are CloudFormation L1 resources (CDK has no L2 for either). Least privilege: the tasks may only
`aps:RemoteWrite` to this workspace (`remote_write_statement`); Grafana's own role may query this workspace and
read CloudWatch (metrics, logs, alarms), plus X-Ray when X-Ray stores the traces. Grafana signs users in with
IAM Identity Center, which must be enabled in the account's organization before the first deploy.
"""

from __future__ import annotations

from aws_cdk import Fn, Stack
from aws_cdk import aws_aps as aps
from aws_cdk import aws_grafana as grafana
from aws_cdk import aws_iam as iam
from constructs import Construct

from designspec.naming import amp_alias, grafana_workspace_name
from designspec.platforms import Prometheus
from stacks.nag import acknowledge

AMP_QUERY_ACTIONS = ("aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata")
CLOUDWATCH_READ_ACTIONS = (
    "cloudwatch:DescribeAlarmsForMetric",
    "cloudwatch:DescribeAlarmHistory",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:ListMetrics",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetInsightRuleReport",
    "logs:DescribeLogGroups",
    "logs:GetLogGroupFields",
    "logs:StartQuery",
    "logs:StopQuery",
    "logs:GetQueryResults",
    "logs:GetLogEvents",
    "ec2:DescribeRegions",
    "tag:GetResources",
)
XRAY_READ_ACTIONS = (
    "xray:BatchGetTraces",
    "xray:GetTraceSummaries",
    "xray:GetTraceGraph",
    "xray:GetGroups",
    "xray:GetTimeSeriesServiceStatistics",
    "xray:GetInsightSummaries",
    "xray:GetInsight",
    "xray:GetServiceGraph",
)


class MetricsWorkspaces(Construct):
    """`self.remote_write_url` is the endpoint the sidecars write to; `self.workspace_arn` what they may write."""

    def __init__(self, scope: Construct, id: str, *, spec: Prometheus, name_prefix: str, xray: bool) -> None:
        super().__init__(scope, id)
        self.workspace = aps.CfnWorkspace(
            self,
            "Workspace",
            alias=amp_alias(name_prefix),
            workspace_configuration=aps.CfnWorkspace.WorkspaceConfigurationProperty(
                retention_period_in_days=spec.retention_days
            ),
        )
        self.workspace_arn = self.workspace.attr_arn
        # PrometheusEndpoint ends in "/": ".../workspaces/ws-.../"
        self.remote_write_url = Fn.join("", [self.workspace.attr_prometheus_endpoint, "api/v1/remote_write"])
        self.grafana: grafana.CfnWorkspace | None = None
        if spec.grafana:
            self.grafana = self._grafana(name_prefix, xray)

    def _grafana(self, name_prefix: str, xray: bool) -> grafana.CfnWorkspace:
        account = Stack.of(self).account
        role = iam.Role(
            self,
            "GrafanaRole",
            assumed_by=iam.ServicePrincipal(
                "grafana.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": account}}
            ),
            description=f"{name_prefix} Grafana: reads its Prometheus workspace and CloudWatch",
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=list(AMP_QUERY_ACTIONS), resources=[self.workspace_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["aps:ListWorkspaces", "aps:DescribeWorkspace"], resources=["*"])
        )
        read = [*CLOUDWATCH_READ_ACTIONS, *(XRAY_READ_ACTIONS if xray else ())]
        role.add_to_policy(iam.PolicyStatement(actions=read, resources=["*"]))
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Grafana's CloudWatch and X-Ray data sources list and query metrics, logs and traces across the "
            "account; those read actions (and aps:ListWorkspaces) take no resource-level permissions.",
        )
        return grafana.CfnWorkspace(
            self,
            "Grafana",
            name=grafana_workspace_name(name_prefix),
            description=f"{name_prefix}: dashboards on Prometheus (AMP) and CloudWatch",
            account_access_type="CURRENT_ACCOUNT",
            authentication_providers=["AWS_SSO"],
            permission_type="CUSTOMER_MANAGED",
            role_arn=role.role_arn,
            data_sources=["PROMETHEUS", "CLOUDWATCH", *(["XRAY"] if xray else [])],
        )


def remote_write_statement(workspace_arn: str) -> iam.PolicyStatement:
    """The only AMP permission a task needs: write samples to this one workspace (SigV4-signed)."""
    return iam.PolicyStatement(actions=["aps:RemoteWrite"], resources=[workspace_arn])
