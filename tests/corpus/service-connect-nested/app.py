#!/usr/bin/env python3
"""ECS Service Connect over a Cloud Map namespace, split into nested stacks (two levels deep).

Modelled on the ecs-service-connect samples: the parent stack `ServiceConnect` owns the VPC and the ECS
cluster; the nested stack `Discovery` owns the Cloud Map HTTP namespace; the nested stack `Services` runs the
`catalog` and `orders` services (server and client of Service Connect) and itself nests `Frontend`, an
internet-facing ALB in front of the `web` service. Values cross the nested-stack boundaries as
`AWS::CloudFormation::Stack` parameters and outputs. Pinned to eu-west-1.
"""

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as ecs_patterns
from aws_cdk import aws_servicediscovery as cloudmap
from constructs import Construct

ENV = cdk.Environment(account="111111111111", region="eu-west-1")
IMAGE = "public.ecr.aws/docker/library/httpd:2.4"


class DiscoveryStack(cdk.NestedStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description="Cloud Map namespace for Service Connect")
        self.namespace = cloudmap.HttpNamespace(self, "Namespace", name="shop.internal")


def connect_service(
    scope: Construct, name: str, cluster: ecs.ICluster, namespace: cloudmap.INamespace, server: bool
) -> ecs.FargateService:
    """A Fargate service in the namespace: a server publishes `name:8080`, a client only calls others."""
    task = ecs.FargateTaskDefinition(scope, f"{name}Task", cpu=256, memory_limit_mib=512)
    task.add_container(
        "app",
        image=ecs.ContainerImage.from_registry(IMAGE),
        port_mappings=[ecs.PortMapping(name="api", container_port=8080, app_protocol=ecs.AppProtocol.http)],
        logging=ecs.LogDrivers.aws_logs(stream_prefix=name),
    )
    services = (
        [ecs.ServiceConnectService(port_mapping_name="api", dns_name=name, port=8080)] if server else []
    )
    return ecs.FargateService(
        scope,
        f"{name}Service",
        cluster=cluster,
        task_definition=task,
        desired_count=2,
        min_healthy_percent=100,
        circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        service_connect_configuration=ecs.ServiceConnectProps(
            namespace=namespace.namespace_arn, services=services
        ),
    )


class FrontendStack(cdk.NestedStack):
    def __init__(self, scope: Construct, construct_id: str, *, cluster: ecs.ICluster, namespace) -> None:
        super().__init__(scope, construct_id, description="Public web frontend")
        web = ecs_patterns.ApplicationLoadBalancedFargateService(
            self,
            "Web",
            cluster=cluster,
            desired_count=2,
            min_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            task_image_options=ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
                image=ecs.ContainerImage.from_registry(IMAGE), container_port=80
            ),
        )
        web.service.enable_service_connect(namespace=namespace.namespace_arn)


class ServicesStack(cdk.NestedStack):
    def __init__(self, scope: Construct, construct_id: str, *, cluster: ecs.ICluster, namespace) -> None:
        super().__init__(scope, construct_id, description="Back-end services")
        connect_service(self, "catalog", cluster, namespace, server=True)
        connect_service(self, "orders", cluster, namespace, server=True)
        FrontendStack(self, "Frontend", cluster=cluster, namespace=namespace)


class ServiceConnectStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(self, "Vpc", availability_zones=["eu-west-1a", "eu-west-1b"], nat_gateways=1)
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc, enable_fargate_capacity_providers=True)
        discovery = DiscoveryStack(self, "Discovery")
        ServicesStack(self, "Services", cluster=cluster, namespace=discovery.namespace)


app = cdk.App()
ServiceConnectStack(app, "ServiceConnect", env=ENV)
app.synth()
