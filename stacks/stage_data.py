"""The data of one environment: the Data stack (databases, caches, secrets, file systems, buckets, tables) and
its Backup plan.

A mixin of EnvironmentStage (stage.py), kept apart like stage_edge.py so each module stays readable; it uses the
stage's spec, keys and alarm routing, and fills `databases`, `caches` and `secrets`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Stack
from aws_cdk import aws_backup as backup

from designspec import naming
from designspec.model import Design
from stacks.backup import DataBackup, copy_vault_arn, copy_vault_stack
from stacks.data import PostgresDatabase, RedisCache, postgres_max_connections
from stacks.monitoring import (
    cache_alarms,
    database_alarms,
)
from stacks.secrets import AppSecret
from stacks.stage_kinds import (
    backup_resources,
    build_storage,
)
from stacks.tagging import tag_component

if TYPE_CHECKING:
    from stacks.stage import EnvironmentStage


class DataUnits:
    """The Data stack and its backups, of an EnvironmentStage."""

    def _data(self: EnvironmentStage) -> None:
        d, env = self.design, self.env_spec
        self.databases: dict[str, PostgresDatabase] = self.stores.databases
        self.caches: dict[str, RedisCache] = self.stores.caches
        self.secrets: dict[str, AppSecret] = self.stores.secrets
        held = (*d.databases, *d.caches, *d.secrets, *d.file_systems, *d.buckets, *d.tables)
        if not held:
            return  # CloudFormation refuses a stack without resources
        first = min(c.seq for c in held)
        stack = self._stack("Data", "data", first, _data_description(d))
        for db in d.databases:
            self.databases[db.name] = PostgresDatabase(
                stack,
                db.name,
                vpc=self.vpc,
                sizing=env.databases[db.name],
                engine_version=db.engine_version,
                database_name=db.database_name,
                identifier=naming.rds_instance_identifier(self.name_prefix, db.name),
                log_retention=self._retention("application"),
                keys=self.keys,
                protection=env.protection,
            )
            tag_component(self.databases[db.name], service=db.name, seq=db.seq, requirements=db.requirements)
            size = env.databases[db.name]
            database_alarms(
                self.databases[db.name],
                name=db.name,
                instance=self.databases[db.name].instance,
                max_connections=postgres_max_connections(size.instance_class),
                allocated_storage_gb=size.allocated_storage_gb,
                thresholds=self.obs.thresholds,
                routing=self.routing,
            )
        for cache in d.caches:
            self.caches[cache.name] = RedisCache(
                stack,
                cache.name,
                vpc=self.vpc,
                sizing=env.caches[cache.name],
                engine_version=cache.engine_version,
                log_retention=self._retention("application"),
                keys=self.keys,
            )
            tag_component(
                self.caches[cache.name], service=cache.name, seq=cache.seq, requirements=cache.requirements
            )
            redis = self.caches[cache.name]
            cache_alarms(
                redis,
                name=cache.name,
                memory_usage=redis.metric_memory_usage(),
                thresholds=self.obs.thresholds,
                routing=self.routing,
            )
        for secret in d.secrets:
            self.secrets[secret.name] = AppSecret(
                stack,
                secret.name,
                spec=secret,
                secret_name=naming.secret_name(d.project, self.env_name, secret.name),
                key=self.keys.data,
            )
            tag_component(
                self.secrets[secret.name],
                service=secret.name,
                seq=secret.seq,
                requirements=secret.requirements,
            )
        build_storage(self, stack)
        if d.databases or backup_resources(self):
            self._backup(stack, first)

    def _backup(self: EnvironmentStage, stack: Stack, seq: int) -> None:
        plan, project = self.obs.backup, self.design.project
        vault_name = naming.backup_vault_name(project, self.env_name)
        copy_name = naming.backup_copy_vault_name(project, self.env_name)
        copy_region = plan.cross_region_copy.get(self.env_name)
        copy_arn = None
        if copy_region:
            copy_stack = copy_vault_stack(
                self,
                project=self.design.project,
                environment=self.env_name,
                account=self.env_spec.account,
                region=copy_region,
                vault_name=copy_name,
                seq=seq,
                customer_managed=self.keys.customer_managed,
            )
            stack.add_stack_dependency(copy_stack)
            copy_arn = copy_vault_arn(stack, region=copy_region, vault_name=copy_name)
        DataBackup(
            stack,
            "Backup",
            vault_name=vault_name,
            retention_days=plan.retention_days,
            hour_utc=plan.daily_at_utc_hour,
            copy_to_vault_arn=copy_arn,
            key=self.keys.data,
            resources=[
                backup.BackupResource.from_rds_database_instance(db.instance)
                for _, db in sorted(self.databases.items())
            ]
            + backup_resources(self),
        )


def _data_description(d: Design) -> str:
    parts = [
        what
        for what, present in (
            ("PostgreSQL", d.databases),
            ("Redis", d.caches),
            ("application secrets", d.secrets),
            ("EFS file systems", d.file_systems),
            ("S3 buckets", d.buckets),
            ("DynamoDB tables", d.tables),
        )
        if present
    ]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
