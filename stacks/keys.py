"""Customer-managed KMS keys (spec `security.encryption: customer-managed`): one per kind of data, rotation on."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


@dataclass(frozen=True)
class Keys:
    """The keys every data store, log group and queue of one environment uses; None: AWS-managed encryption."""

    data: kms.IKey | None = None  # RDS storage, Performance Insights, Redis, Secrets Manager, ECR, backups
    logs: kms.IKey | None = None  # CloudWatch Logs log groups
    messaging: kms.IKey | None = None  # SQS queues and their DLQs

    @property
    def customer_managed(self) -> bool:
        return self.data is not None


def logs_key(scope: Construct, id: str, *, description: str) -> kms.Key:
    """A key CloudWatch Logs may use for the log groups of this account and region, and nothing else."""
    key = _key(scope, id, description)  # with its grant limit
    stack = Stack.of(scope)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsUse",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            resources=["*"],  # in a key policy, "*" is this key
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    return key


def create_keys(scope: Construct, *, prefix: str) -> Keys:
    """The environment's keys, as references other stacks use.

    A grant on a key of another stack would otherwise go into the key's policy (CDK cannot tell where a
    `ViaServicePrincipal` lives) and make the key's stack depend on the grantee's: a cycle. Through a
    reference, grants go into the grantees' IAM policies, which the default key policy honours.
    """
    keys = {
        "data": _key(scope, "DataKey", f"{prefix}: databases, caches, secrets, images and backups"),
        "logs": logs_key(scope, "LogsKey", description=f"{prefix}: CloudWatch Logs log groups"),
        "messaging": _key(scope, "MessagingKey", f"{prefix}: SQS queues"),
    }
    return Keys(
        **{kind: kms.Key.from_key_arn(scope, f"{kind}Ref", key.key_arn) for kind, key in keys.items()}
    )


def _key(scope: Construct, id: str, description: str) -> kms.Key:
    key = kms.Key(
        scope,
        id,
        description=description,
        enable_key_rotation=True,
        # Data encrypted with a deleted key is lost: a key outlives its stack.
        removal_policy=RemovalPolicy.RETAIN,
    )
    limit_grants(key)
    return key


def limit_grants(key: kms.Key) -> None:
    """Only AWS services, for resources they encrypt (RDS, ElastiCache, ...), may create grants on the key."""
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="GrantsOnlyForAwsResources",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={
                "BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}
            },
        )
    )
