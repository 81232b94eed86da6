#!/usr/bin/env python3
"""Fargate service behind a Network Load Balancer (ecs_patterns), pinned to an account and region.

The "ecs/fargate-service-with-nlb" pattern: a TCP service on port 8080 behind a public NLB listening on 80,
in a stack with an explicit `env` (account 111111111111, us-east-1). The VPC names its zones explicitly, so
synthesis needs no availability-zone lookup.
"""

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as ecs_patterns
from aws_cdk import aws_logs as logs
from constructs import Construct

ENV = cdk.Environment(account="111111111111", region="us-east-1")


class FargateNlbStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(
            self,
            "Vpc",
            availability_zones=["us-east-1a", "us-east-1b", "us-east-1c"],
            nat_gateways=2,
        )
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc)
        service = ecs_patterns.NetworkLoadBalancedFargateService(
            self,
            "Api",
            cluster=cluster,
            cpu=1024,
            memory_limit_mib=2048,
            desired_count=3,
            min_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            listener_port=80,
            public_load_balancer=True,
            task_image_options=ecs_patterns.NetworkLoadBalancedTaskImageOptions(
                image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:1.27"),
                container_port=8080,
                log_driver=ecs.LogDrivers.aws_logs(
                    stream_prefix="api", log_retention=logs.RetentionDays.ONE_MONTH
                ),
                environment={"PORT": "8080"},
            ),
        )
        # An NLB passes client traffic through: the tasks must accept the listener's port from the VPC.
        service.service.connections.allow_from(ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(8080))
        cdk.CfnOutput(self, "NlbDns", value=service.load_balancer.load_balancer_dns_name)


app = cdk.App()
FargateNlbStack(app, "FargateNlb", env=ENV)
app.synth()
