"""The one place a workload gets what its spec says it uses: security-group rules, IAM grants, file-system mounts
and the value of every variable designspec/wiring.py names. Services, container front ends, jobs and functions
all go through here, so a grant and its variable cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager

from designspec.kinds import Access, Uses
from designspec.model import Design
from designspec.wiring import Binding
from stacks.compute import acknowledge_queue_key_actions
from stacks.data import POSTGRES_PORT, REDIS_PORT, PostgresDatabase, RedisCache
from stacks.messaging import WorkQueue
from stacks.nag import acknowledge
from stacks.secrets import AppSecret
from stacks.storage import AppBucket, AppTable, AppTopic, SharedFiles
from stacks.tasks import mount_file_system


@dataclass
class Stores:
    """What an environment's shared stacks built, by spec name."""

    databases: dict[str, PostgresDatabase] = field(default_factory=dict)
    caches: dict[str, RedisCache] = field(default_factory=dict)
    secrets: dict[str, AppSecret] = field(default_factory=dict)
    queues: dict[str, WorkQueue] = field(default_factory=dict)
    topics: dict[str, AppTopic] = field(default_factory=dict)
    file_systems: dict[str, SharedFiles] = field(default_factory=dict)
    buckets: dict[str, AppBucket] = field(default_factory=dict)
    tables: dict[str, AppTable] = field(default_factory=dict)


@dataclass(frozen=True)
class Principal:
    """Who receives the grants: a role, the security groups of its tasks or function, and (ECS) the task
    definition that mounts file systems."""

    role: iam.IRole
    peer: ec2.IConnectable | None
    task_definition: ecs.TaskDefinition | None = None
    by_arn: bool = False  # a function: reads secrets itself, so it is granted them


def grant_uses(stores: Stores, spec: Uses, who: Principal) -> None:
    """Network rules and least-privilege grants for everything `spec` lists (a worker's own queue is consumed
    by FargateWorkload.link_queues, which also scales on it)."""
    for db in spec.databases:
        if who.peer is not None:
            stores.databases[db].allow_from(who.peer)
        if who.by_arn:
            secret = stores.databases[db].secret
            assert secret is not None
            secret.grant_read(who.role)
    for cache in spec.caches:
        if who.peer is not None:
            stores.caches[cache].allow_from(who.peer)
        if who.by_arn:
            stores.caches[cache].auth_secret.grant_read(who.role)
    for queue in spec.sends_to:
        stores.queues[queue].queue.grant_send_messages(who.role)
    if spec.sends_to:
        acknowledge_queue_key_actions(who.role)
    for topic in spec.publishes_to:
        stores.topics[topic].topic.grant_publish(who.role)
    for name, access in sorted(spec.buckets.items()):
        _grant_bucket(stores.buckets[name], access, who.role)
    for name, access in sorted(spec.tables.items()):
        _grant_table(stores.tables[name], access, who.role)
    for secret_name in spec.secrets:
        if who.by_arn:
            stores.secrets[secret_name].secret.grant_read(who.role)
    for mount in spec.mounts:
        files = stores.file_systems[mount.file_system]
        assert (
            who.peer is not None and who.task_definition is not None
        )  # kinds_checks: no mounts on functions
        files.allow_from(who.peer)
        mount_file_system(
            who.task_definition,
            name=mount.file_system,
            file_system=files.file_system,
            access_point=files.access_point,
            path=mount.path,
            read_only=mount.read_only,
        )


# Object actions per access, named one by one (CDK's bucket grants use wildcards such as s3:GetObject*).
OBJECT_ACTIONS: dict[str, tuple[str, ...]] = {
    "read": ("s3:GetObject",),
    "write": ("s3:PutObject", "s3:AbortMultipartUpload"),
    "read-write": ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"),
}
KEY_ACTIONS: dict[str, tuple[str, ...]] = {
    "read": ("kms:Decrypt",),
    "write": ("kms:GenerateDataKey", "kms:Decrypt"),  # a multipart upload decrypts its parts to complete
    "read-write": ("kms:Decrypt", "kms:GenerateDataKey"),
}


def _grant_bucket(bucket: AppBucket, access: Access, role: iam.IRole) -> None:
    """Objects of the bucket by name, and listing it when reading. The bucket's ARN comes through its named
    export, so the one wildcard (its objects, `<arn>/*`) reads the same in every stack and is acknowledged by
    that name."""
    arn = Fn.import_value(bucket.arn_export)
    Stack.of(role).add_stack_dependency(Stack.of(bucket))
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=list(OBJECT_ACTIONS[access]), resources=[f"{arn}/*"])
    )
    if access != "write":
        role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[arn]))
    if bucket.key is not None:
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(KEY_ACTIONS[access]), resources=[bucket.key.key_arn])
        )
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::{bucket.arn_export}/*]",
        f"The spec grants {access} on the objects of bucket {bucket.node.id}; S3 names objects by key, so "
        "the grant covers the bucket's objects (<bucket arn>/*) and nothing beyond the bucket.",
    )


def _grant_table(table: AppTable, access: Access, role: iam.IGrantable) -> None:
    if access == "read":
        table.table.grant_read_data(role)
    elif access == "write":
        table.table.grant_write_data(role)
    else:
        table.table.grant_read_write_data(role)


# --- variable values ---------------------------------------------------------------------------------


def plain_value(stores: Stores, design: Design, b: Binding) -> str:
    """The value of a plain binding in the templates: a token of the component's attribute."""
    if not b.component or b.component_kind == "file_system":
        return b.value  # a literal setting, or the mount path the spec gives
    if b.attribute == "secret_arn":
        return _secret(stores, b).secret_arn
    kind = b.component_kind
    if kind == "database":
        db = stores.databases[b.component]
        return {
            "host": db.instance.db_instance_endpoint_address,
            "port": str(POSTGRES_PORT),
            "name": next(x.database_name for x in design.databases if x.name == b.component),
        }[b.attribute]
    if kind == "cache":
        cache = stores.caches[b.component]
        return {"host": cache.endpoint, "port": str(REDIS_PORT), "tls": "true"}[b.attribute]
    if kind == "topic":
        return stores.topics[b.component].topic.topic_arn
    if kind == "bucket":
        return stores.buckets[b.component].bucket.bucket_name
    if kind == "table":
        return stores.tables[b.component].table.table_name
    return stores.queues[b.component].queue.queue_url


def secret_value(stores: Stores, b: Binding) -> ecs.Secret:
    """A secret binding as ECS injects it into a task."""
    if b.component_kind == "database":
        return ecs.Secret.from_secrets_manager(_secret(stores, b), b.attribute)
    return ecs.Secret.from_secrets_manager(_secret(stores, b))


def _secret(stores: Stores, b: Binding) -> secretsmanager.ISecret:
    if b.component_kind == "database":
        secret = stores.databases[b.component].secret
        assert secret is not None
        return secret
    if b.component_kind == "cache":
        return stores.caches[b.component].auth_secret
    return stores.secrets[b.component].secret


def environment(
    stores: Stores, design: Design, binds: tuple[Binding, ...]
) -> tuple[dict[str, str], dict[str, ecs.Secret]]:
    plain: dict[str, str] = {}
    secret: dict[str, ecs.Secret] = {}
    for b in binds:
        if b.kind == "plain":
            plain[b.name] = plain_value(stores, design, b)
        else:
            secret[b.name] = secret_value(stores, b)
    return plain, secret
