"""Lambda facts: the application's functions (runtime, architecture, memory, timeout, concurrency, VPC, logs,
triggers) told apart from the functions CDK and AWS services run for the infrastructure itself (custom-resource
providers, log retention, bucket notifications, secret rotation)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from docgen.assembly.model import Resource
from docgen.facts import triggers as trig
from docgen.facts.fact import Fact, days, derived, exists, join, mib, prop, seconds
from docgen.facts.index import Index
from docgen.facts.names import component

FUNCTION = "AWS::Lambda::Function"
# Constructs whose functions are CDK's own custom-resource machinery.
CDK_PROVIDER_FQNS = frozenset(
    {
        "aws-cdk-lib.CustomResourceProviderBase",
        "aws-cdk-lib.CustomResourceProvider",
        "aws-cdk-lib.custom_resources.Provider",
        "aws-cdk-lib.aws_logs.LogRetention",
        "aws-cdk-lib.aws_s3_deployment.BucketDeployment",
    }
)
# Construct ids of CDK's singleton handlers: a purpose and a fixed uuid; and the Provider framework's parts.
CDK_PATHS = (
    (re.compile(r"^Custom::.+Provider$"), "CDK custom-resource provider"),
    (re.compile(r"^LogRetention[0-9a-f]{32}$"), "CDK log retention (Custom::LogRetention)"),
    (
        re.compile(r"^BucketNotificationsHandler[0-9a-f]{32}$"),
        "CDK bucket notifications (Custom::S3BucketNotifications)",
    ),
    (re.compile(r"^AWS679f53fac002430cb0da5b7982bd2287$"), "CDK AWS SDK call (AwsCustomResource)"),
    (
        re.compile(r"^CustomCDKBucketDeployment[0-9A-Fa-f]{32}$"),
        "CDK asset deployment (Custom::CDKBucketDeployment)",
    ),
    (re.compile(r"^framework-(onEvent|isComplete|onTimeout)$"), "CDK custom-resource provider framework"),
)
CUSTOM = "AWS::CloudFormation::CustomResource"


def is_custom_resource(resource: Resource) -> bool:
    return resource.type.startswith("Custom::") or resource.type == CUSTOM


class Lookup(Protocol):
    """What `infrastructure_purpose` needs: the docgen Index, or `LocalLookup` over a plain resource list."""

    def targets(self, owner: Resource, value: Any) -> list[Resource]: ...

    def of_type(self, cfn_type: str, env: str) -> list[Resource]: ...

    def in_environment(self, env: str) -> Sequence[Resource]: ...


SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)[.}]")


class LocalLookup:
    """A Lookup over resources alone (the cost estimator's view): Ref, GetAtt and Sub resolve in the stack."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.by_id = {(r.stack, r.logical_id): r for r in resources}
        self.by_env: dict[str, list[Resource]] = {}
        for r in resources:
            self.by_env.setdefault(r.environment, []).append(r)

    def targets(self, owner: Resource, value: Any) -> list[Resource]:
        ids = dict.fromkeys(i for i in _local_ids(value) if (owner.stack, i) in self.by_id)
        return [self.by_id[(owner.stack, i)] for i in ids]

    def of_type(self, cfn_type: str, env: str) -> list[Resource]:
        return [r for r in self.by_env.get(env, ()) if r.type == cfn_type]

    def in_environment(self, env: str) -> Sequence[Resource]:
        return self.by_env.get(env, ())


def _local_ids(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _local_ids(item)
    elif isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            yield value["Ref"]
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt and isinstance(getatt[0], str):
            yield getatt[0]
        elif isinstance(getatt, str):
            yield getatt.split(".", 1)[0]
        sub = value.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) and sub else sub
        if isinstance(text, str):
            yield from SUB_NAME.findall(text)
        for item in value.values():
            yield from _local_ids(item)


def infrastructure_purpose(index: Lookup, function: Resource) -> Fact | None:
    """Why the infrastructure has this function, when it is not the application's: the custom resources whose
    ServiceToken names it, the rotation schedules that call it, or CDK's own construct path. None otherwise."""
    env = function.environment
    served = [
        r
        for r in index.in_environment(env)
        if is_custom_resource(r) and function in index.targets(r, r.properties.get("ServiceToken"))
    ]
    if served:
        types = sorted({r.type for r in served})
        text = f"custom-resource handler ({', '.join(types)}), runs at deploy time"
        return derived(types, text, [prop(r, "ServiceToken") for r in served[:5]])
    for schedule in index.of_type("AWS::SecretsManager::RotationSchedule", env):
        if function in index.targets(schedule, schedule.properties.get("RotationLambdaARN")):
            return derived(
                "rotation", "Secrets Manager secret rotation", [prop(schedule, "RotationLambdaARN")]
            )
    for part in function.path.split("/"):
        for pattern, purpose in CDK_PATHS:
            if pattern.match(part):
                return exists(function, f"{purpose}, runs at deploy time", purpose)
    if function.l2_fqn in CDK_PROVIDER_FQNS:
        return exists(function, f"CDK construct {function.l2_fqn}, runs at deploy time", function.l2_fqn)
    for other in index.of_type(FUNCTION, env):
        variables = ((other.properties.get("Environment") or {}).get("Variables")) or {}
        names = [
            k for k in variables if str(k).startswith("USER_ON_") or str(k).startswith("USER_IS_COMPLETE")
        ]
        if any(function in index.targets(other, variables[k]) for k in names):
            return derived(
                "provider",
                "custom-resource handler (Provider framework), runs at deploy time",
                [prop(other, "Environment", "Variables")],
            )
    return None


@dataclass(frozen=True)
class Function:
    resource: Resource
    name: Fact
    runtime: Fact
    architecture: Fact
    memory: Fact
    timeout: Fact
    concurrency: Fact
    vpc: Fact
    logs: Fact
    triggers: Fact


@dataclass(frozen=True)
class InfraFunction:
    resource: Resource
    name: Fact
    purpose: Fact
    runtime: Fact


def split(index: Lookup, env: str) -> tuple[list[Resource], list[tuple[Resource, Fact]]]:
    """The environment's functions: (application functions, (infrastructure function, its purpose))."""
    app, infra = [], []
    for function in index.of_type(FUNCTION, env):
        purpose = infrastructure_purpose(index, function)
        if purpose is None:
            app.append(function)
        else:
            infra.append((function, purpose))
    return app, infra


def functions(index: Index, env: str) -> list[Function]:
    app, _ = split(index, env)
    found = trig.triggers(index, env)
    return sorted((_function(index, f, found) for f in app), key=lambda f: f.name.text)


def infrastructure_functions(index: Index, env: str) -> list[InfraFunction]:
    _, infra = split(index, env)
    return sorted(
        (InfraFunction(f, infrastructure_name(f), purpose, runtime(f)) for f, purpose in infra),
        key=lambda f: f.name.text,
    )


def infrastructure_name(function: Resource) -> Fact:
    """CDK's own handlers by their construct, without the singleton uuid: "LogRetention",
    "Custom::VpcRestrictDefaultSGCustomResourceProvider" (its function is only called "Handler")."""
    parts = [p for p in function.path.split("/") if p not in ("Resource", "Default")]
    name = parts[-1] if parts else function.logical_id
    if name == "Handler" and len(parts) > 1:
        name = parts[-2]
    name = re.sub(r"[0-9a-fA-F]{32}$", "", name) or name
    return exists(function, name)


def runtime(function: Resource) -> Fact:
    if function.properties.get("PackageType") == "Image":
        return prop(function, "PackageType", fmt=lambda v: "container image")
    return prop(function, "Runtime", default="-")


def _function(index: Index, function: Resource, found: list[trig.Trigger]) -> Function:
    mine = trig.of_target(found, function)
    texts = [t.summary for t in mine]
    return Function(
        resource=function,
        name=component(function),
        runtime=runtime(function),
        architecture=prop(function, "Architectures", 0, default="x86_64"),
        memory=prop(function, "MemorySize", default=128, fmt=mib),
        timeout=prop(function, "Timeout", default=3, fmt=seconds),
        concurrency=prop(
            function,
            "ReservedConcurrentExecutions",
            default=None,
            fmt=lambda v: "unreserved" if v is None else f"{v} reserved",
        ),
        vpc=_vpc(function),
        logs=_logs(index, function),
        triggers=join(texts, "<br>", empty="none in the templates (invoked directly)", none=function),
    )


def _vpc(function: Resource) -> Fact:
    subnets = prop(function, "VpcConfig", "SubnetIds", default=None)
    if not isinstance(subnets.value, list) or not subnets.value:
        return derived(False, "no", [subnets])
    n = len(subnets.value)
    return derived(True, f"yes ({n} subnet{'s' if n != 1 else ''})", [subnets])


def _logs(index: Index, function: Resource) -> Fact:
    """Retention of the function's log group: its own LogGroup, CDK's Custom::LogRetention, or never expiring."""
    config = function.properties.get("LoggingConfig") or {}
    for group in index.targets(function, config.get("LogGroup")):
        if group.type == "AWS::Logs::LogGroup":
            return prop(
                group, "RetentionInDays", default=None, fmt=lambda v: "never expire" if v is None else days(v)
            )
    for group in index.of_type("AWS::Logs::LogGroup", function.environment):
        if function in index.targets(group, group.properties.get("LogGroupName")):
            return prop(
                group, "RetentionInDays", default=None, fmt=lambda v: "never expire" if v is None else days(v)
            )
    for retention in index.of_type("Custom::LogRetention", function.environment):
        if function in index.targets(retention, retention.properties.get("LogGroupName")):
            return prop(retention, "RetentionInDays", fmt=days)
    return exists(function, "never expire (default log group)", None)
