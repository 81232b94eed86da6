"""The VPC: public, private-with-egress and isolated subnets over the spec's zones, NAT, and flow logs."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from designspec.network import SUBNET_TIERS
from stacks.nag import acknowledge, acknowledge_check

_SUBNET_TYPES = {
    "public": ec2.SubnetType.PUBLIC,
    "app": ec2.SubnetType.PRIVATE_WITH_EGRESS,
    "data": ec2.SubnetType.PRIVATE_ISOLATED,
}


class Network(Construct):
    """A three-tier VPC. Zones come from the spec (never looked up); flow logs go to CloudWatch Logs."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cidr: str,
        availability_zones: list[str],
        nat_gateways: int,
        flow_log_retention: logs.RetentionDays,
        log_key: kms.IKey | None,
    ) -> None:
        super().__init__(scope, id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            availability_zones=availability_zones,
            nat_gateways=nat_gateways,
            restrict_default_security_group=True,  # strip the default SG of its rules (a deploy-time Lambda)
            # The tiers and sizes the spec checks the VPC range against (designspec/network.py).
            subnet_configuration=[
                # Public subnets hold only NAT gateways (Elastic IPs): nothing gets a public IP by default.
                ec2.SubnetConfiguration(
                    name=name,
                    subnet_type=_SUBNET_TYPES[name],
                    cidr_mask=prefix,
                    map_public_ip_on_launch=False if name == "public" else None,
                )
                for name, prefix in SUBNET_TIERS
            ],
        )
        acknowledge(
            self.vpc,
            "CloudFormation-Validate::W3010",
            "Availability zones are fixed in the design spec on purpose: synthesis is offline and never looks them up.",
        )
        acknowledge_check(
            self.vpc,
            "The public subnets' default route to the internet gateway serves the NAT gateways (egress of the "
            "app tier) and CloudFront VPC origins, which need a VPC with an internet gateway; no workload runs there.",
            nag="VPCNoUnrestrictedRouteToIGW",
        )
        acknowledge_check(
            Stack.of(self),  # the handler's provider is a child of the stack, not of the VPC
            "CDK's handler that strips the default security group's rules runs once at deploy time and reaches "
            "only the EC2 API, so it needs no VPC.",
            guard="lambda_inside_vpc_check",
        )
        self.flow_log_group = logs.LogGroup(
            self,
            "FlowLogs",
            retention=flow_log_retention,
            encryption_key=log_key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
