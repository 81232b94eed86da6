#!/usr/bin/env python3
"""Classic three-tier web app: ALB → EC2 Auto Scaling group (launch template) → RDS MySQL, no env.

The aws-cdk-examples "application-load-balancer" + "rds" patterns in one environment-agnostic stack: public
subnets for the load balancer, private subnets for the instances, isolated subnets for a Multi-AZ MySQL 8.0
instance whose password Secrets Manager generates. The AMI is the latest Amazon Linux 2023 read from its SSM
public parameter at deploy time (a template parameter, not a synth-time lookup).
"""

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from constructs import Construct

USER_DATA = """#!/bin/bash
dnf install -y httpd
systemctl enable --now httpd
"""


class WebTierStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=1,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(
                    name="app", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24
                ),
                ec2.SubnetConfiguration(name="db", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=28),
            ],
        )
        app_sg = ec2.SecurityGroup(self, "AppSg", vpc=vpc, description="web instances")
        role = iam.Role(
            self,
            "InstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore")],
        )
        template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            instance_type=ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL),
            machine_image=ec2.MachineImage.latest_amazon_linux2023(),
            user_data=ec2.UserData.custom(USER_DATA),
            security_group=app_sg,
            role=role,
            require_imdsv2=True,
            block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(20))],
        )
        asg = autoscaling.AutoScalingGroup(
            self,
            "Asg",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            launch_template=template,
            min_capacity=2,
            max_capacity=6,
            health_checks=autoscaling.HealthChecks.with_additional_checks(
                additional_types=[autoscaling.AdditionalHealthCheckType.ELB],
                grace_period=cdk.Duration.minutes(5),
            ),
        )
        asg.scale_on_cpu_utilization("Cpu", target_utilization_percent=50)

        alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc, internet_facing=True)
        listener = alb.add_listener("Http", port=80)
        listener.add_targets(
            "Web",
            port=80,
            targets=[asg],
            health_check=elbv2.HealthCheck(path="/", interval=cdk.Duration.seconds(30)),
        )

        database = rds.DatabaseInstance(
            self,
            "Database",
            engine=rds.DatabaseInstanceEngine.mysql(version=rds.MysqlEngineVersion.VER_8_0_39),
            instance_type=ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MEDIUM),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            multi_az=True,
            allocated_storage=50,
            max_allocated_storage=200,
            storage_encrypted=True,
            backup_retention=cdk.Duration.days(7),
            deletion_protection=True,
            credentials=rds.Credentials.from_generated_secret("admin"),
            database_name="shop",
        )
        database.connections.allow_default_port_from(app_sg, "instances to MySQL")
        cdk.CfnOutput(self, "Url", value=f"http://{alb.load_balancer_dns_name}")


app = cdk.App()
WebTierStack(app, "WebTier")
app.synth()
