#!/usr/bin/env python3
"""Fargate service behind a public Application Load Balancer (ecs_patterns), environment-agnostic.

The aws-cdk-examples "ecs/fargate-load-balanced-service" pattern: one stack, a two-AZ VPC, an ECS cluster and
an ApplicationLoadBalancedFargateService with a public image. No account or region: the VPC's zones are
`Fn::GetAZs` and the stack can be deployed anywhere.
"""

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as ecs_patterns
from constructs import Construct


class FargateAlbStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=1)
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        service = ecs_patterns.ApplicationLoadBalancedFargateService(
            self,
            "Web",
            cluster=cluster,
            cpu=512,
            memory_limit_mib=1024,
            desired_count=2,
            min_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            public_load_balancer=True,
            task_image_options=ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
                image=ecs.ContainerImage.from_registry("amazon/amazon-ecs-sample"),
                container_port=80,
            ),
        )
        service.target_group.configure_health_check(path="/", healthy_http_codes="200-299")
        scaling = service.service.auto_scale_task_count(min_capacity=2, max_capacity=6)
        scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=60)
        cdk.CfnOutput(self, "LoadBalancerDns", value=service.load_balancer.load_balancer_dns_name)


app = cdk.App()
FargateAlbStack(app, "FargateAlb")
app.synth()
