"""Disaster recovery: an AWS Backup vault and daily plan for the databases, optionally copied elsewhere.

RDS keeps its own point-in-time recovery (automated backups, `backup_retention_days`) and Multi-AZ; the plan
adds daily snapshots kept `retention_days`, optionally copied to a vault in another region. Redis is not an
AWS Backup resource: it relies on its own daily snapshots (`snapshot_retention_days`) and Multi-AZ replicas.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack, Stage
from aws_cdk import Environment as CdkEnvironment
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from constructs import Construct

from designspec.naming import stack_name
from stacks.keys import limit_grants
from stacks.nag import acknowledge
from stacks.tagging import tag_component


def copy_vault_arn(scope: Construct, *, region: str, vault_name: str) -> str:
    """The copy vault's ARN in `region`, built from its name: stacks in two regions share no tokens."""
    return Stack.of(scope).format_arn(
        service="backup",
        region=region,
        resource="backup-vault",
        resource_name=vault_name,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


class DataBackup(Construct):
    """A vault and a daily plan for `resources`; recovery points go to `copy_to_vault_arn` too if given."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vault_name: str,
        retention_days: int,
        hour_utc: int,
        resources: Sequence[backup.BackupResource],
        copy_to_vault_arn: str | None,
        key: kms.IKey | None,
    ) -> None:
        super().__init__(scope, id)
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=vault_name,
            encryption_key=key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        copies = []
        if copy_to_vault_arn:
            copies.append(
                backup.BackupPlanCopyActionProps(
                    destination_backup_vault=backup.BackupVault.from_backup_vault_arn(
                        self, "CopyVault", copy_to_vault_arn
                    ),
                    delete_after=Duration.days(retention_days),
                )
            )
        self.plan = backup.BackupPlan(
            self,
            "Plan",
            backup_plan_name=vault_name,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name="daily",
                    backup_vault=self.vault,
                    schedule_expression=events.Schedule.cron(minute="0", hour=str(hour_utc)),
                    start_window=Duration.hours(1),
                    completion_window=Duration.hours(4),
                    delete_after=Duration.days(retention_days),
                    copy_actions=copies or None,
                )
            ],
        )
        self.selection = self.plan.add_selection("Databases", resources=list(resources))
        acknowledge(
            self.selection,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]",
            "AWS Backup's service role uses the AWS managed backup policy, which AWS keeps current with "
            "every "
            "resource type Backup supports.",
        )


def copy_vault_stack(
    stage: Stage,
    *,
    project: str,
    environment: str,
    account: str | None,
    region: str,
    vault_name: str,
    seq: int,
    customer_managed: bool,
) -> Stack:
    """A small stack in the copy region holding the vault that receives the copies."""
    stack = Stack(
        stage,
        "BackupCopy",
        env=CdkEnvironment(account=account, region=region),
        stack_name=stack_name(project, environment, "BackupCopy"),
        description=f"{project} {environment}: backup vault receiving cross-region copies",
    )
    tag_component(stack, service="backup", seq=seq, requirements=())
    key = (
        kms.Key(
            stack,
            "Key",
            description=f"{project} {environment}: backup copies",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        if customer_managed
        else None
    )
    if key is not None:
        limit_grants(key)
    backup.BackupVault(
        stack, "Vault", backup_vault_name=vault_name, encryption_key=key, removal_policy=RemovalPolicy.RETAIN
    )
    return stack
