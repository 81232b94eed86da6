"""Data stores: RDS PostgreSQL with rotated generated credentials, and an encrypted ElastiCache Redis group."""

from __future__ import annotations

import re

from aws_cdk import CfnDeletionPolicy, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from designspec import naming
from designspec.model import CacheSizing, DatabaseSizing
from designspec.security import Protection
from stacks.keys import Keys
from stacks.nag import acknowledge, acknowledge_check

POSTGRES_VERSIONS = {"16": rds.PostgresEngineVersion.VER_16_10, "17": rds.PostgresEngineVersion.VER_17_6}
POSTGRES_PORT = 5432
RDS_LOG_EXPORTS = naming.RDS_LOG_EXPORTS
CT_MIN_BACKUP_DAYS = 7  # Control Tower CT.RDS.PR.8: automated backups kept at least this long
REDIS_PORT = 6379

# Memory (GiB) per vCPU of the RDS instance families with a fixed ratio; burstable (t) classes by size.
_GIB_PER_VCPU = {"m": 4, "r": 8, "x": 16, "z": 8}
_BURSTABLE_GIB = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
DEFAULT_MAX_CONNECTIONS = 100  # for other classes: a conservative guess, which the alarm names


def postgres_max_connections(instance_class: str) -> int:
    """PostgreSQL's default max_connections on RDS: LEAST(DBInstanceClassMemory / 9531392, 5000)."""
    family, size = instance_class.removeprefix("db.").split(".", 1)
    if family.startswith("t"):  # noqa: SIM108  (two lookups read better than one long ternary)
        gib = _BURSTABLE_GIB.get(size)
    else:
        gib = _vcpus(size) * _GIB_PER_VCPU.get(family[0], 0) or None
    if gib is None:
        return DEFAULT_MAX_CONNECTIONS
    return min(gib * 1024**3 // 9531392, 5000)


def _vcpus(size: str) -> int:
    """large = 2 vCPUs, xlarge = 4, Nxlarge = 4N; 0 for anything else."""
    if size == "large":
        return 2
    match = re.fullmatch(r"(\d*)xlarge", size)
    return 4 * int(match.group(1) or 1) if match else 0


class PostgresDatabase(Construct):
    """One RDS PostgreSQL instance in the isolated subnets, credentials generated into Secrets Manager."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        sizing: DatabaseSizing,
        engine_version: str,
        database_name: str,
        identifier: str,
        log_retention: logs.RetentionDays,
        keys: Keys,
        protection: Protection,
    ) -> None:
        super().__init__(scope, id)
        production = protection == "production"
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description=f"{id}: PostgreSQL", allow_all_outbound=False
        )
        engine = rds.DatabaseInstanceEngine.postgres(version=POSTGRES_VERSIONS[engine_version])
        # Clients must use TLS: the server refuses unencrypted connections (PostgreSQL sslmode=require or more).
        self.parameters = rds.ParameterGroup(
            self,
            "Parameters",
            engine=engine,
            description=f"{id}: TLS required",
            parameters={"rds.force_ssl": "1"},
        )
        # The log groups RDS exports to, created here so they carry the retention and key (no custom resource).
        self.log_groups = [
            logs.LogGroup(
                self,
                f"{kind.capitalize()}Logs",
                log_group_name=naming.rds_log_group_name(identifier, kind),
                retention=log_retention,
                encryption_key=keys.logs,
                removal_policy=RemovalPolicy.DESTROY,
            )
            for kind in RDS_LOG_EXPORTS
        ]
        self.instance = rds.DatabaseInstance(
            self,
            "Instance",
            instance_identifier=identifier,
            engine=engine,
            parameter_group=self.parameters,
            instance_type=ec2.InstanceType(sizing.instance_class.removeprefix("db.")),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[self.security_group],
            port=POSTGRES_PORT,
            database_name=database_name,
            credentials=rds.Credentials.from_generated_secret("postgres", encryption_key=keys.data),
            multi_az=sizing.multi_az,
            allocated_storage=sizing.allocated_storage_gb,
            max_allocated_storage=sizing.max_allocated_storage_gb,
            storage_type=rds.StorageType.GP3,
            storage_encrypted=True,
            storage_encryption_key=keys.data,
            backup_retention=Duration.days(sizing.backup_retention_days),
            deletion_protection=sizing.deletion_protection,
            removal_policy=RemovalPolicy.SNAPSHOT,
            iam_authentication=True,
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            cloudwatch_logs_exports=list(RDS_LOG_EXPORTS),
            publicly_accessible=False,
            monitoring_interval=Duration.seconds(60) if production else None,
            enable_performance_insights=production,
            performance_insight_encryption_key=keys.data if production else None,
        )
        for group in self.log_groups:
            self.instance.node.add_dependency(group)
        self.secret = self.instance.secret
        assert self.secret is not None  # from_generated_secret always creates one
        rotation = secretsmanager.HostedRotation.postgre_sql_single_user(
            vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        )
        self.secret.add_rotation_schedule(
            "Rotation", hosted_rotation=rotation, automatically_after=Duration.days(30)
        )
        # The rotation function logs in to change the password, so it needs the database port too.
        self.instance.connections.allow_from(
            rotation, ec2.Port.tcp(POSTGRES_PORT), "secret rotation to PostgreSQL"
        )
        self.replicas = [
            rds.DatabaseInstanceReadReplica(
                self,
                f"Replica{i + 1}",
                source_database_instance=self.instance,
                instance_type=ec2.InstanceType(sizing.instance_class.removeprefix("db.")),
                vpc=vpc,
                vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
                security_groups=[self.security_group],
                parameter_group=self.parameters,
                storage_type=rds.StorageType.GP3,  # as the primary: a replica defaults to gp2
                multi_az=sizing.multi_az,
                monitoring_interval=Duration.seconds(60) if production else None,
                deletion_protection=sizing.deletion_protection,
                removal_policy=RemovalPolicy.DESTROY,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
            )
            for i in range(sizing.read_replicas)
        ]
        for replica in self.replicas:
            encrypted = "A read replica inherits its encryption from the encrypted primary; CloudFormation rejects StorageEncrypted on it."
            acknowledge(replica, "AwsSolutions-RDS2", encrypted)
            acknowledge_check(replica, encrypted, nag="RDSStorageEncrypted")
            acknowledge_check(
                replica,
                "A read replica copies the primary, which the AWS Backup plan covers; backing up the copy too "
                "would double the snapshots of the same data.",
                nag="RDSInBackupPlan",
            )
        self._acknowledge(sizing, production=production, customer_keys=keys.customer_managed)

    def _acknowledge(self, sizing: DatabaseSizing, *, production: bool, customer_keys: bool) -> None:
        port = "PostgreSQL keeps its standard port 5432; only the app tier's security groups may reach it."
        acknowledge(self, "AwsSolutions-RDS11", port)
        acknowledge_check(self, port, guard="rds_instance_no_default_ports_check")
        acknowledge_check(
            self,
            "The master user 'postgres' is the one the dev Compose database uses; its password is generated "
            "into Secrets Manager and rotated every 30 days, and apps can use IAM authentication.",
            guard="rds_instance_default_admin_check",
        )
        if sizing.backup_retention_days < CT_MIN_BACKUP_DAYS:
            acknowledge_check(
                self,
                f"Automated backups are kept {sizing.backup_retention_days} day(s), the spec's choice for this "
                f"environment (backup_retention_days); Control Tower asks for {CT_MIN_BACKUP_DAYS}.",
                guard="rds_instance_backup_enabled_check",
            )
        if not sizing.multi_az:
            reason = "Multi-AZ is off by design in this environment (spec: multi_az false) to save cost."
            acknowledge(self, "AwsSolutions-RDS3", reason)
            acknowledge_check(
                self, reason, nag="RDSMultiAZSupport", guard="rds_instance_multi_az_support_check"
            )
        if not sizing.deletion_protection:
            reason = "Deletion protection is off by design in this environment (spec) so it can be torn down."
            acknowledge(self, "AwsSolutions-RDS10", reason)
            acknowledge_check(
                self,
                reason,
                nag="RDSInstanceDeletionProtectionEnabled",
                guard="rds_instance_deletion_protection_enabled_check",
            )
        if production:
            acknowledge(
                self,  # the primary's and each replica's monitoring role
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]",
                "RDS enhanced monitoring's role uses the AWS managed policy AWS keeps in step with the agent.",
            )
        else:
            acknowledge_check(
                self,
                "Enhanced monitoring and Performance Insights are on where the spec sets protection: production; "
                "this environment's CloudWatch metrics and logs suffice.",
                nag="RDSEnhancedMonitoringEnabled",
                guard="rds_instance_enhanced_monitoring_enabled_check",
            )
        if not customer_keys:
            acknowledge_check(
                self,
                "The spec chooses security.encryption: aws-managed; storage and secrets use AWS-managed KMS keys.",
                nag="SecretsManagerUsingKMSKey",
                guard="rds_storage_encrypted_kms_key_check",
            )

    def allow_from(self, peer: ec2.IConnectable) -> None:
        """Open 5432 from `peer`; the rules are created on `peer`'s side so its stack owns them."""
        peer.connections.allow_to(self.instance, ec2.Port.tcp(POSTGRES_PORT), "app to PostgreSQL")


class RedisCache(Construct):
    """An ElastiCache Redis replication group: TLS, encryption at rest, AUTH token from Secrets Manager."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        sizing: CacheSizing,
        engine_version: str,
        log_retention: logs.RetentionDays,
        keys: Keys,
    ) -> None:
        super().__init__(scope, id)
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description=f"{id}: Redis", allow_all_outbound=False
        )
        self.connections = ec2.Connections(
            security_groups=[self.security_group], default_port=ec2.Port.tcp(REDIS_PORT)
        )
        self.auth_secret = secretsmanager.Secret(
            self,
            "AuthToken",
            description=f"{id}: Redis AUTH token",
            encryption_key=keys.data,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
        )
        subnets = elasticache.CfnSubnetGroup(
            self,
            "Subnets",
            description=f"{id}: isolated subnets",
            subnet_ids=vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids,
        )
        self.slow_log = logs.LogGroup(
            self,
            "SlowLog",
            retention=log_retention,
            encryption_key=keys.logs,
            removal_policy=RemovalPolicy.DESTROY,
        )
        failover = sizing.replicas > 0
        self.nodes = 1 + sizing.replicas
        self.replication_group = elasticache.CfnReplicationGroup(
            self,
            "ReplicationGroup",
            replication_group_description=f"{id} Redis",
            engine="redis",
            engine_version=engine_version,
            cache_node_type=sizing.node_type,
            num_cache_clusters=1 + sizing.replicas,
            automatic_failover_enabled=failover,
            multi_az_enabled=failover,
            cache_subnet_group_name=subnets.ref,
            security_group_ids=[self.security_group.security_group_id],
            port=REDIS_PORT,
            transit_encryption_enabled=True,
            at_rest_encryption_enabled=True,
            kms_key_id=keys.data.key_arn if keys.data else None,
            auth_token=self.auth_secret.secret_value.unsafe_unwrap(),  # a {{resolve:secretsmanager}} reference
            snapshot_retention_limit=sizing.snapshot_retention_days,
            auto_minor_version_upgrade=True,
            log_delivery_configurations=[
                elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty(
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                    destination_details=elasticache.CfnReplicationGroup.DestinationDetailsProperty(
                        cloud_watch_logs_details=elasticache.CfnReplicationGroup.CloudWatchLogsDestinationDetailsProperty(
                            log_group=self.slow_log.log_group_name
                        )
                    ),
                )
            ],
        )
        self.replication_group.add_resource_dependency(subnets)
        # Deleting the stack (or replacing the group) leaves a final snapshot, as RemovalPolicy.SNAPSHOT does for RDS.
        self.replication_group.cfn_options.deletion_policy = CfnDeletionPolicy.SNAPSHOT
        self.replication_group.cfn_options.update_replace_policy = CfnDeletionPolicy.SNAPSHOT
        self._acknowledge(sizing, customer_keys=keys.customer_managed)

    def _acknowledge(self, sizing: CacheSizing, *, customer_keys: bool) -> None:
        acknowledge(
            self,
            "AwsSolutions-AEC5",
            "Redis keeps its standard port 6379; only the app tier's security groups may reach it.",
        )
        rotation = (
            "ElastiCache AUTH tokens rotate through modify-replication-group (ROTATE strategy), which Secrets "
            "Manager cannot drive; rotation is a runbook step."
        )
        acknowledge(self.auth_secret, "AwsSolutions-SMG4", rotation)
        acknowledge_check(self.auth_secret, rotation, nag="SecretsManagerRotationEnabled")
        if sizing.replicas == 0:
            reason = "A single node without Multi-AZ is the spec's choice for this environment (replicas: 0)."
            acknowledge(self, "AwsSolutions-AEC4", reason)
            acknowledge_check(self, reason, guard="elasticache_repl_grp_auto_failover_enabled_check")
        acknowledge_check(
            self,
            f"Daily snapshots are kept {sizing.snapshot_retention_days} day(s), the spec's choice for this "
            "environment; Redis holds caches and sessions the application can rebuild.",
            nag="ElastiCacheRedisClusterAutomaticBackup",
        )
        acknowledge_check(
            self,
            "Clients authenticate with an AUTH token from Secrets Manager over TLS; RBAC user groups would need "
            "per-user secrets the design does not model.",
            guard="elasticache_repl_grp_rbac_auth_enabled_check",
        )
        if not customer_keys:
            acknowledge_check(
                self.auth_secret,
                "The spec chooses security.encryption: aws-managed; the secret uses the AWS-managed KMS key.",
                nag="SecretsManagerUsingKMSKey",
            )

    @property
    def endpoint(self) -> str:
        return self.replication_group.attr_primary_end_point_address

    @property
    def node_ids(self) -> list[str]:
        """The cache cluster id of every node: ElastiCache names them `<replication group id>-00N`."""
        return [f"{self.replication_group.ref}-{n:03d}" for n in range(1, self.nodes + 1)]

    def metric_memory_usage(self) -> cw.IMetric:
        """DatabaseMemoryUsagePercentage of the fullest node (the primary can move after a failover)."""
        per_node = {
            f"n{i}": cw.Metric(
                namespace="AWS/ElastiCache",
                metric_name="DatabaseMemoryUsagePercentage",
                dimensions_map={"CacheClusterId": node},
                period=Duration.minutes(5),
                statistic="Maximum",
            )
            for i, node in enumerate(self.node_ids, 1)
        }
        if len(per_node) == 1:
            return per_node["n1"]
        return cw.MathExpression(
            expression=f"MAX([{', '.join(per_node)}])",
            using_metrics=per_node,
            period=Duration.minutes(5),
            label="memory of the fullest node (%)",
        )

    def allow_from(self, peer: ec2.IConnectable) -> None:
        """Open 6379 from `peer`; the rules are created on `peer`'s side so its stack owns them."""
        peer.connections.allow_to(self.connections, ec2.Port.tcp(REDIS_PORT), "app to Redis")
