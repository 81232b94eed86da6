"""Lambda functions: a zip (handler + runtime, code from the environment's function-code bucket) or a container
image from ECR; JSON logs in a named log group with the environment's retention, X-Ray, reserved concurrency,
and the VPC when the function reaches a database or cache. Its triggers are in stacks/triggers.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, TagManager
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from designspec.kinds import Function
from stacks.nag import acknowledge, acknowledge_check

_FAMILIES = {
    "python": lambda_.RuntimeFamily.PYTHON,
    "nodejs": lambda_.RuntimeFamily.NODEJS,
    "java": lambda_.RuntimeFamily.JAVA,
    "dotnet": lambda_.RuntimeFamily.DOTNET_CORE,
    "ruby": lambda_.RuntimeFamily.RUBY,
    "provided": lambda_.RuntimeFamily.OTHER,
}
_LOG_LEVELS = {
    "DEBUG": lambda_.ApplicationLogLevel.DEBUG,
    "INFO": lambda_.ApplicationLogLevel.INFO,
    "WARN": lambda_.ApplicationLogLevel.WARN,
    "ERROR": lambda_.ApplicationLogLevel.ERROR,
}


@dataclass(frozen=True)
class FunctionCode:
    """Where the code comes from, decided by the stage: the zip's bucket and key, or the image's repository."""

    tag: str  # the commit's image tag; also the zip's name
    bucket: s3.IBucket | None = None
    repository: ecr.IRepository | None = None

    def zip_key(self, name: str) -> str:
        return f"{name}/{self.tag}.zip"


@dataclass(frozen=True)
class FunctionSettings:
    """The environment's side of a function: size, logs, tracing, network."""

    memory_mb: int
    reserved_concurrency: int | None
    log_group_name: str
    retention: logs.RetentionDays
    log_level: str
    tracing: bool
    vpc: ec2.IVpc | None
    log_key: kms.IKey | None = None  # the environment's logs key when keys are customer-managed


def runtime(name: str) -> lambda_.Runtime:
    family = next(f for prefix, f in _FAMILIES.items() if name.startswith(prefix))
    return lambda_.Runtime(name, family)


class AppFunction(Construct):
    """One function with its own role (least privilege: its log group, then the grants of what it uses)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: Function,
        code: FunctionCode,
        settings: FunctionSettings,
        environment: dict[str, str],
        reads_secrets: bool,
    ) -> None:
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(
            self,
            "ApplicationLogs",
            log_group_name=settings.log_group_name,
            retention=settings.retention,
            encryption_key=settings.log_key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        tags = TagManager.of(self.log_group.node.default_child)
        assert tags is not None
        tags.set_tag("LogType", "application")
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.log_group.grant_write(self.role)
        self.security_group = self._network(id, settings.vpc)
        common = {
            "role": self.role,
            "memory_size": settings.memory_mb,
            "timeout": Duration.seconds(spec.timeout_seconds),
            "architecture": lambda_.Architecture.ARM_64
            if spec.architecture == "arm64"
            else lambda_.Architecture.X86_64,
            "environment": environment,
            "log_group": self.log_group,
            "logging_format": lambda_.LoggingFormat.JSON,
            "application_log_level_v2": _LOG_LEVELS[settings.log_level],
            "system_log_level_v2": lambda_.SystemLogLevel.INFO,
            "tracing": lambda_.Tracing.ACTIVE if settings.tracing else lambda_.Tracing.DISABLED,
            "reserved_concurrent_executions": settings.reserved_concurrency,
            "vpc": settings.vpc,
            "vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
            if settings.vpc
            else None,
            "security_groups": [self.security_group] if self.security_group else None,
            "description": spec.description or None,
        }
        if reads_secrets:  # the AWS Parameters and Secrets extension serves them on localhost:2773, cached
            common["params_and_secrets"] = lambda_.ParamsAndSecretsLayerVersion.from_version(
                lambda_.ParamsAndSecretsVersions.V1_0_103
            )
        self.function = self._function(id, spec, code, common)
        self._acknowledge(spec, settings)

    def _network(self, id: str, vpc: ec2.IVpc | None) -> ec2.SecurityGroup | None:
        if vpc is None:
            return None
        self.role.add_managed_policy(
            iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaVPCAccessExecutionRole")
        )
        group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description=f"{id} function", allow_all_outbound=False
        )
        group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs and external APIs")
        return group

    def _function(
        self, id: str, spec: Function, code: FunctionCode, common: dict[str, object]
    ) -> lambda_.Function:
        if spec.package == "image":
            assert code.repository is not None
            return lambda_.DockerImageFunction(
                self,
                "Function",
                code=lambda_.DockerImageCode.from_ecr(code.repository, tag_or_digest=code.tag),
                **common,  # type: ignore[arg-type]
            )
        assert code.bucket is not None and spec.runtime and spec.handler
        return lambda_.Function(
            self,
            "Function",
            runtime=runtime(spec.runtime),
            handler=spec.handler,
            code=lambda_.Code.from_bucket(code.bucket, code.zip_key(id)),
            **common,  # type: ignore[arg-type]
        )

    def _acknowledge(self, spec: Function, settings: FunctionSettings) -> None:
        if settings.vpc is None:
            acknowledge_check(
                self.function,
                "The function reaches no database or cache, so it runs outside the VPC (spec: vpc) and calls "
                "AWS APIs over HTTPS with its role.",
                guard="lambda_inside_vpc_check",
            )
        else:
            acknowledge_check(
                self.function,
                "The function runs in the VPC's app subnets with its own security group; the subnet ids are "
                "the Network stack's exports, which Guard reads as unresolved.",
                guard="lambda_inside_vpc_check",
            )
        if settings.tracing:
            acknowledge(
                self.role,
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions, so AWS "
                "requires Resource '*'.",
            )
        if settings.vpc is not None:
            acknowledge(
                self.role,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
                "Lambda creates and deletes the function's network interfaces with this AWS managed policy; "
                "the EC2 network-interface actions it grants have no resource-level scope.",
            )
        if spec.runtime and spec.runtime != latest_of_family(spec.runtime):
            acknowledge(
                self.function,
                "AwsSolutions-L1",
                f"The design pins runtime {spec.runtime} (the application is built and tested on it); "
                f"{latest_of_family(spec.runtime)} is newer and an upgrade is the team's decision.",
            )


_RUNTIME = re.compile(r"^([a-z]+)(\d+(\.?\d+|\.x)?)?.*$")  # cdk-nag's LambdaLatestVersion reads runtimes so


def latest_of_family(name: str) -> str:
    """The newest runtime of `name`'s family that CDK knows, found as cdk-nag's AwsSolutions-L1 finds it."""
    match = _RUNTIME.match(name)
    family = match.group(1) if match else name
    known = []
    for r in lambda_.Runtime.ALL:
        m = _RUNTIME.match(r.name)
        if r.name.startswith(family) and m:
            known.append((_numeric(m.group(2) or "0"), r.name))
    return max(known, key=lambda k: k[0])[1] if known else name


def _numeric(version: str) -> tuple[tuple[int, str], ...]:
    """A version compared as JavaScript's localeCompare(numeric: true) does: digit runs as numbers."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.findall(r"\d+|\D+", version))
