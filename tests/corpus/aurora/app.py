#!/usr/bin/env python3
"""Two Aurora clusters: PostgreSQL with a provisioned writer and reader, MySQL on Serverless v2.

Modelled on the aws-samples Aurora CDK patterns: `Orders` is Aurora PostgreSQL 16 on r6g.large (a writer
and one reader in another zone, promotion tier 1) behind an RDS Proxy; `Analytics` is Aurora MySQL 3 on
Serverless v2 (0.5–8 ACU, a reader that scales with the writer). Both encrypted, in isolated subnets,
pinned to eu-west-1.
"""

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from constructs import Construct

ENV = cdk.Environment(account="222222222222", region="eu-west-1")


class AuroraStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(
            self,
            "Vpc",
            availability_zones=["eu-west-1a", "eu-west-1b", "eu-west-1c"],
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="db", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
            ],
        )
        placement = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        orders = rds.DatabaseCluster(
            self,
            "Orders",
            engine=rds.DatabaseClusterEngine.aurora_postgres(
                version=rds.AuroraPostgresEngineVersion.VER_16_6
            ),
            writer=rds.ClusterInstance.provisioned(
                "writer", instance_type=ec2.InstanceType.of(ec2.InstanceClass.R6G, ec2.InstanceSize.LARGE)
            ),
            readers=[
                rds.ClusterInstance.provisioned(
                    "reader",
                    instance_type=ec2.InstanceType.of(ec2.InstanceClass.R6G, ec2.InstanceSize.LARGE),
                    promotion_tier=1,
                )
            ],
            vpc=vpc,
            vpc_subnets=placement,
            storage_encrypted=True,
            backup=rds.BackupProps(retention=cdk.Duration.days(14), preferred_window="02:00-03:00"),
            deletion_protection=True,
            default_database_name="orders",
            credentials=rds.Credentials.from_generated_secret("orders_admin"),
            cloudwatch_logs_exports=["postgresql"],
        )
        orders.add_proxy("Proxy", secrets=[orders.secret], vpc=vpc, require_tls=True)

        rds.DatabaseCluster(
            self,
            "Analytics",
            engine=rds.DatabaseClusterEngine.aurora_mysql(version=rds.AuroraMysqlEngineVersion.VER_3_08_0),
            writer=rds.ClusterInstance.serverless_v2("writer"),
            readers=[rds.ClusterInstance.serverless_v2("reader", scale_with_writer=True)],
            serverless_v2_min_capacity=0.5,
            serverless_v2_max_capacity=8,
            vpc=vpc,
            vpc_subnets=placement,
            storage_encrypted=True,
            backup=rds.BackupProps(retention=cdk.Duration.days(7)),
            default_database_name="analytics",
        )


app = cdk.App()
AuroraStack(app, "Aurora", env=ENV)
app.synth()
