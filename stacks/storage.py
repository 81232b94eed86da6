"""Application storage: shared EFS file systems (access point, one mount target per zone), S3 buckets the app
keeps objects in, DynamoDB tables, and SNS topics. Each is private, encrypted and TLS-only; grants are made by
the workloads that use them (stacks/uses.py)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from designspec.kinds import Bucket, BucketLifecycle, FileSystem, Table, TableSizing, Topic
from stacks.keys import limit_grants
from stacks.nag import acknowledge, acknowledge_check, acknowledge_log_bucket

NFS_PORT = 2049
ACCESS_POINT_PERMISSIONS = "750"  # the owner reads and writes, its group reads, others nothing
_IA = {
    1: efs.LifecyclePolicy.AFTER_1_DAY,
    7: efs.LifecyclePolicy.AFTER_7_DAYS,
    14: efs.LifecyclePolicy.AFTER_14_DAYS,
    30: efs.LifecyclePolicy.AFTER_30_DAYS,
    60: efs.LifecyclePolicy.AFTER_60_DAYS,
    90: efs.LifecyclePolicy.AFTER_90_DAYS,
    180: efs.LifecyclePolicy.AFTER_180_DAYS,
    270: efs.LifecyclePolicy.AFTER_270_DAYS,
    365: efs.LifecyclePolicy.AFTER_365_DAYS,
}
_STREAMS = {
    "new-image": dynamodb.StreamViewType.NEW_IMAGE,
    "old-image": dynamodb.StreamViewType.OLD_IMAGE,
    "new-and-old-images": dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    "keys-only": dynamodb.StreamViewType.KEYS_ONLY,
}
_KEY_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


class SharedFiles(Construct):
    """An encrypted EFS file system in the data subnets (a mount target per zone) and the access point every
    mount goes through; only the security groups of the workloads that mount it reach NFS."""

    def __init__(self, scope: Construct, id: str, *, vpc: ec2.IVpc, spec: FileSystem) -> None:
        super().__init__(scope, id)
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description=f"{id}: EFS (NFS)", allow_all_outbound=False
        )
        self.file_system = efs.FileSystem(
            self,
            "FileSystem",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_group=self.security_group,
            encrypted=True,
            performance_mode=efs.PerformanceMode.GENERAL_PURPOSE,
            throughput_mode=efs.ThroughputMode.ELASTIC
            if spec.throughput_mode == "elastic"
            else efs.ThroughputMode.BURSTING,
            lifecycle_policy=_IA[spec.transition_to_ia_days] if spec.transition_to_ia_days else None,
            out_of_infrequent_access_policy=efs.OutOfInfrequentAccessPolicy.AFTER_1_ACCESS
            if spec.transition_to_ia_days
            else None,
            enable_automatic_backups=False,  # the environment's AWS Backup plan selects it (spec: backup)
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge_check(
            self.file_system,
            "The environment's AWS Backup plan selects this file system (daily, the spec's retention, copied "
            "where the spec says); EFS's automatic backups would be a second, unmanaged plan."
            if spec.backup
            else "The spec keeps this file system out of backups (backup: false): its files can be made again.",
            guard="efs_automatic_backups_enabled_check",
        )
        self.access_point = self.file_system.add_access_point(
            "AccessPoint",
            path=spec.root_directory,
            create_acl=efs.Acl(
                owner_uid=str(spec.uid), owner_gid=str(spec.gid), permissions=ACCESS_POINT_PERMISSIONS
            ),
            posix_user=efs.PosixUser(uid=str(spec.uid), gid=str(spec.gid)),
        )

    def allow_from(self, peer: ec2.IConnectable) -> None:
        """Open NFS from `peer`; the rules are created on `peer`'s side so its stack owns them."""
        peer.connections.allow_to(self.file_system, ec2.Port.tcp(NFS_PORT), "app to EFS (NFS)")


class AppBucket(Construct):
    """An S3 bucket of the application: private, TLS only, encrypted, versioned by default, access-logged, with
    the spec's lifecycle; S3 events go to EventBridge when a function triggers on it."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: Bucket,
        access_logs: s3.IBucket,
        events: bool,
        arn_export: str,
    ) -> None:
        super().__init__(scope, id)
        self.arn_export = arn_export
        self.key = (
            kms.Key(self, "Key", enable_key_rotation=True, description=f"{id}: encrypts its objects")
            if spec.encryption == "kms"
            else None
        )
        if self.key is not None:
            limit_grants(self.key)
        life = spec.lifecycle
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS if self.key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=self.key,
            bucket_key_enabled=True if self.key else None,  # one KMS call per bucket key, not per object
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=spec.versioned,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"s3/{id}/",
            event_bridge_enabled=events or None,
            lifecycle_rules=[_lifecycle(life, spec.versioned)]
            if _has_lifecycle(life, spec.versioned)
            else None,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self._acknowledge(spec, events)
        # Workloads read the ARN by this name (stacks/uses.py): their grants then name it the same everywhere.
        CfnOutput(self, "ArnExport", value=self.bucket.bucket_arn, export_name=arn_export)

    def _acknowledge(self, spec: Bucket, events: bool) -> None:
        if spec.encryption == "s3-managed":
            acknowledge_check(
                self.bucket,
                "The spec chooses S3-managed encryption (encryption: s3-managed) for this bucket; kms gives it a "
                "customer-managed key.",
                nag="S3DefaultEncryptionKMS",
                guard="s3_bucket_default_encryption_kms_check",
            )
        if not spec.versioned:
            acknowledge_check(
                self.bucket,
                "The spec keeps no versions of this bucket (versioned: false): its objects can be made again.",
                nag="S3BucketVersioningEnabled",
                guard="s3_bucket_versioning_enabled_check",
            )
        if events:
            stack = Stack.of(self)
            acknowledge(
                stack,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "CDK's bucket-notifications handler (turns on the bucket's EventBridge delivery at deploy time) "
                "uses the basic execution policy.",
            )
            acknowledge_check(
                stack,
                "CDK's bucket-notifications handler runs at deploy time and calls only S3's notification API; "
                "it reaches nothing in a VPC.",
                guard="lambda_inside_vpc_check",
            )


def _has_lifecycle(life: BucketLifecycle, versioned: bool) -> bool:
    noncurrent = versioned and life.noncurrent_expire_days
    return bool(life.transition_to_ia_days or life.expire_days or noncurrent)


def _lifecycle(life: BucketLifecycle, versioned: bool) -> s3.LifecycleRule:
    return s3.LifecycleRule(
        id="lifecycle",
        abort_incomplete_multipart_upload_after=Duration.days(7),
        transitions=[
            s3.Transition(
                storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                transition_after=Duration.days(life.transition_to_ia_days),
            )
        ]
        if life.transition_to_ia_days
        else None,
        expiration=Duration.days(life.expire_days) if life.expire_days else None,
        noncurrent_version_expiration=Duration.days(life.noncurrent_expire_days)
        if versioned and life.noncurrent_expire_days
        else None,
    )


def access_log_bucket(scope: Construct, id: str, *, days: int) -> s3.Bucket:
    """Where the application buckets' server access logs go (S3 log delivery, SSE-S3)."""
    bucket = s3.Bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        # log delivery writes with an ACL unless @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy is set
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        enforce_ssl=True,
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(days))],
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge(
        bucket,
        "AwsSolutions-S1",
        "This is the access-log bucket itself; logging its own access would log into itself.",
    )
    acknowledge_log_bucket(bucket)
    acknowledge_check(
        bucket,
        "S3 server access log delivery writes to SSE-S3 buckets only.",
        nag="S3DefaultEncryptionKMS",
        guard="s3_bucket_default_encryption_kms_check",
    )
    return bucket


class AppTable(Construct):
    """A DynamoDB table: the spec's keys and billing, AWS-owned encryption, point-in-time recovery, a stream."""

    def __init__(self, scope: Construct, id: str, *, spec: Table, sizing: TableSizing) -> None:
        super().__init__(scope, id)
        provisioned = spec.billing == "provisioned"
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(
                name=spec.partition_key.name, type=_KEY_TYPES[spec.partition_key.type]
            ),
            sort_key=dynamodb.Attribute(name=spec.sort_key.name, type=_KEY_TYPES[spec.sort_key.type])
            if spec.sort_key
            else None,
            billing_mode=dynamodb.BillingMode.PROVISIONED
            if provisioned
            else dynamodb.BillingMode.PAY_PER_REQUEST,
            read_capacity=sizing.read_capacity if provisioned else None,
            write_capacity=sizing.write_capacity if provisioned else None,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=spec.point_in_time_recovery
            ),
            stream=_STREAMS[spec.stream] if spec.stream else None,
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=sizing.deletion_protection,
            removal_policy=RemovalPolicy.RETAIN,
        )
        if not spec.point_in_time_recovery:
            acknowledge(
                self.table,
                "AwsSolutions-DDB3",
                "Point-in-time recovery is off by the spec's choice (point_in_time_recovery: false) for this table.",
            )


class AppTopic(Construct):
    """An SNS topic, encrypted with the AWS-managed SNS key and TLS only."""

    def __init__(self, scope: Construct, id: str, *, spec: Topic) -> None:
        super().__init__(scope, id)
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name=spec.description[:100] or id,
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
            enforce_ssl=True,
        )
