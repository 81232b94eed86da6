"""The environment stage's part for the kinds beyond services: file systems, buckets and tables in the Data
stack, topics in the Messaging stack, and one stack per scheduled job (`Job-<name>`) and per function
(`Function-<name>`), each tagged for traceability and alarmed like the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3

from designspec import naming
from designspec.kinds import Function, Job, TableSizing
from designspec.wiring import bindings
from stacks.functions import AppFunction, FunctionCode, FunctionSettings
from stacks.jobs import ScheduledJob
from stacks.monitoring_kinds import file_system_alarms, function_alarms, job_alarms, table_alarms
from stacks.nag import acknowledge_check
from stacks.storage import AppBucket, AppTable, AppTopic, SharedFiles, access_log_bucket
from stacks.tagging import tag_component
from stacks.triggers import HttpEntry, add_trigger
from stacks.uses import Principal, environment, grant_uses

if TYPE_CHECKING:
    from stacks.stage import EnvironmentStage

FUNCTION_CODE_TAG = "function-code"  # the Service tag the pipeline finds the code bucket by


def build_storage(stage: EnvironmentStage, stack: Stack) -> None:
    """File systems, buckets and tables of the design, with their alarms, in the Data stack."""
    design, stores = stage.design, stage.stores
    for fs in design.file_systems:
        files = SharedFiles(stack, fs.name, vpc=stage.vpc, spec=fs)
        tag_component(files, service=fs.name, seq=fs.seq, requirements=fs.requirements)
        file_system_alarms(
            files,
            name=fs.name,
            file_system=files.file_system,
            thresholds=stage.obs.thresholds,
            routing=stage.routing,
        )
        stores.file_systems[fs.name] = files
    if design.buckets:
        logs_bucket = access_log_bucket(stack, "BucketAccessLogs", days=stage.retention_days("access"))
        notifying = {t.bucket for f in design.functions for t in f.triggers if t.bucket}
        for b in design.buckets:
            bucket = AppBucket(
                stack,
                b.name,
                spec=b,
                access_logs=logs_bucket,
                events=b.name in notifying,
                arn_export=naming.bucket_arn_export(design.project, stage.env_name, b.name),
            )
            tag_component(bucket, service=b.name, seq=b.seq, requirements=b.requirements)
            stores.buckets[b.name] = bucket
    for t in design.tables:
        table = AppTable(stack, t.name, spec=t, sizing=stage.env_spec.tables.get(t.name, TableSizing()))
        tag_component(table, service=t.name, seq=t.seq, requirements=t.requirements)
        table_alarms(table, name=t.name, table=table.table, routing=stage.routing)
        stores.tables[t.name] = table


def backup_resources(stage: EnvironmentStage) -> list[backup.BackupResource]:
    """The file systems and tables the spec keeps in the environment's backup plan."""
    out = [
        backup.BackupResource.from_efs_file_system(stage.stores.file_systems[fs.name].file_system)
        for fs in sorted(stage.design.file_systems, key=lambda f: f.name)
        if fs.backup
    ]
    out += [
        backup.BackupResource.from_dynamo_db_table(stage.stores.tables[t.name].table)
        for t in sorted(stage.design.tables, key=lambda t: t.name)
        if t.backup
    ]
    return out


def build_topics(stage: EnvironmentStage, stack: Stack) -> None:
    for t in stage.design.topics:
        topic = AppTopic(stack, t.name, spec=t)
        tag_component(topic, service=t.name, seq=t.seq, requirements=t.requirements)
        stage.stores.topics[t.name] = topic


def function_code_bucket(stage: EnvironmentStage, stack: Stack) -> s3.Bucket | None:
    """The bucket the pipeline uploads zip functions' code to (`<function>/<commit>.zip`), in Platform."""
    if not any(f.package == "zip" for f in stage.design.functions):
        return None
    bucket = s3.Bucket(
        stack,
        "FunctionCode",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        versioned=True,
        server_access_logs_bucket=access_log_bucket(
            stack, "FunctionCodeAccessLogs", days=stage.retention_days("access")
        ),
        server_access_logs_prefix="s3/function-code/",
        # code of older commits stays a year for rollbacks; overwritten versions a month
        lifecycle_rules=[
            s3.LifecycleRule(expiration=Duration.days(365), noncurrent_version_expiration=Duration.days(30))
        ],
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge_check(
        bucket,
        "Deployment artifacts (zipped function code) the pipeline uploads; S3-managed encryption keeps the "
        "functions' code readable by Lambda without a key grant per function.",
        nag="S3DefaultEncryptionKMS",
        guard="s3_bucket_default_encryption_kms_check",
    )
    tag_component(
        bucket, service=FUNCTION_CODE_TAG, seq=min(f.seq for f in stage.design.functions), requirements=()
    )
    return bucket


def add_job(stage: EnvironmentStage, job: Job) -> ScheduledJob:
    stack = stage.stack(naming.job_stack_id(job.name), job.name, job.seq, f"Scheduled job {job.name}")
    plain, secret = environment(stage.stores, stage.design, bindings(stage.design, job))
    scheduled = ScheduledJob(
        stack,
        job.name,
        spec=job,
        cluster=stage.platform.cluster,
        sizing=stage.env_spec.jobs[job.name],
        image=stage.image(stack, job),
        environment=plain,
        secrets=secret,
        telemetry=stage.telemetry(job.name),
    )
    tag_component(scheduled, service=job.name, seq=job.seq, requirements=job.requirements)
    grant_uses(
        stage.stores,
        job,
        Principal(scheduled.task_definition.task_role, scheduled, scheduled.task_definition),
    )
    job_alarms(scheduled, name=job.name, dead_letter_queue=scheduled.dead_letter_queue, routing=stage.routing)
    return scheduled


def add_function(stage: EnvironmentStage, fn: Function) -> AppFunction:
    design, env = stage.design, stage.env_spec
    stack = stage.stack(naming.function_stack_id(fn.name), fn.name, fn.seq, f"Lambda function {fn.name}")
    size = env.functions.get(fn.name)
    in_vpc = fn.vpc if fn.vpc is not None else bool(fn.databases or fn.caches)
    prefix = naming.log_group_prefix(design.project, stage.env_name, fn.name)
    binds = bindings(design, fn)
    plain, _ = environment(stage.stores, design, binds)
    defaults = {"LOG_LEVEL": stage.obs.logging.level, "LOG_FORMAT": "json"}  # as every task (stacks/tasks.py)
    function = AppFunction(
        stack,
        fn.name,
        spec=fn,
        code=_code(stage, stack, fn),
        settings=FunctionSettings(
            memory_mb=(size.memory_mb if size and size.memory_mb else fn.memory_mb),
            reserved_concurrency=size.reserved_concurrency
            if size and size.reserved_concurrency is not None
            else fn.reserved_concurrency,
            log_group_name=naming.log_group_name(prefix, "application"),
            retention=stage.retention("application"),
            log_level=stage.obs.logging.level,
            tracing=stage.obs.tracing.enabled,
            vpc=stage.vpc if in_vpc else None,
            log_key=stage.keys.logs,
        ),
        environment={**defaults, **plain},
        reads_secrets=any(b.attribute == "secret_arn" for b in binds),
    )
    tag_component(function, service=fn.name, seq=fn.seq, requirements=fn.requirements)
    grant_uses(stage.stores, fn, Principal(function.role, function.security_group, None, by_arn=True))
    http = HttpEntry(
        listener=_listener(stage, stack) if any(t.http == "alb" for t in fn.triggers) else None,
        route=stage.routes.get(fn.name),
        access_log_group_name=naming.log_group_name(prefix, "access"),
        access_log_retention=stage.retention("access"),
    )
    for trigger in fn.triggers:
        add_trigger(function, function.function, trigger, stage.stores, http)
    function_alarms(
        function,
        name=fn.name,
        function=function.function,
        thresholds=stage.obs.thresholds,
        routing=stage.routing,
    )
    return function


def _code(stage: EnvironmentStage, stack: Stack, fn: Function) -> FunctionCode:
    if fn.package == "image":
        repo_name = naming.ecr_repository_name(stage.design.project, fn.name)
        stack.add_stack_dependency(stage.platform_stack)
        return FunctionCode(
            stage.image_tag, repository=ecr.Repository.from_repository_name(stack, "Repository", repo_name)
        )
    assert stage.function_code is not None
    stack.add_stack_dependency(stage.platform_stack)
    return FunctionCode(stage.image_tag, bucket=stage.function_code)


def _listener(stage: EnvironmentStage, stack: Stack) -> elbv2.IApplicationListener:
    group = ec2.SecurityGroup.from_security_group_id(
        stack,
        "AlbSecurityGroup",
        stage.platform.security_group.security_group_id,
        allow_all_outbound=False,
        mutable=True,
    )
    return elbv2.ApplicationListener.from_application_listener_attributes(
        stack, "Listener", listener_arn=stage.platform.listener.listener_arn, security_group=group
    )
