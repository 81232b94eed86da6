"""The plain data model every docgen stage shares: what the reader builds and what renderers read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docgen.assembly.refs import References


# CDK's construct ids for an L2's own L1 (`Resource`, `Default`, an Auto Scaling group's `ASG`): no meaning of
# their own, so names and labels skip them
LEAVES = ("Resource", "Default", "ASG")


@dataclass(frozen=True)
class Resource:
    """One CloudFormation resource of one stack, with what the construct tree says about it."""

    logical_id: str
    type: str  # CloudFormation type, e.g. "AWS::ECS::Service"
    path: str  # construct path, e.g. "prod/Services1/backend/Service/Service"
    stack: str  # the stack's artifact id in manifest.json
    environment: str  # the stage name: "staging", "prod"
    properties: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)  # template Metadata (cdk_nag acknowledgements)
    l2_fqn: str | None = (
        None  # constructInfo.fqn of the nearest L2 ancestor, e.g. "aws-cdk-lib.aws_ecs.FargateService"
    )
    l2_path: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    template: str = ""  # the stack template's path relative to the cloud assembly root
    label: str = (
        ""  # the shortest end of its construct path no resource of its type shares in its environment
    )

    @property
    def service(self) -> str | None:
        return self.tags.get("Service")

    @property
    def seq(self) -> str | None:
        return self.tags.get("Seq")

    @property
    def requirements(self) -> tuple[str, ...]:
        raw = self.tags.get("Requirements", "")
        return tuple(r for r in raw.replace(",", " ").split() if r)


# Properties that carry a resource's tags: a list of {Key, Value} (most types) or a map (Backup, SSM, ...).
TAG_PROPERTIES = (
    "Tags",
    "BackupVaultTags",
    "BackupPlanTags",
    "ResourceTags",
    "UserPoolTags",
    "FileSystemTags",
    "AccessPointTags",
)


@dataclass(frozen=True)
class Edge:
    """A directed relation between two resources: `source` refers to (or sends traffic to) `target`."""

    source: str  # "<stack>/<logical id>"
    target: str
    kind: str  # "ref", "getatt", "import", "join-arn", "ingress", "event-source"
    detail: str = ""  # e.g. "tcp 5432", or the attribute name


def resource_key(resource: Resource) -> str:
    """The key edges use for a resource: unique across the whole assembly."""
    return f"{resource.stack}/{resource.logical_id}"


@dataclass(frozen=True)
class Acknowledgement:
    """A cdk-nag finding accepted in code, with its reason (read from the template's cdk_nag metadata)."""

    rule: str  # e.g. "AwsSolutions-RDS3" or "AwsSolutions-IAM5[Resource::*]"
    reason: str
    resource: str  # resource_key of the resource it applies to
    environment: str


@dataclass(frozen=True)
class StackInfo:
    artifact_id: str  # manifest artifact id, e.g. "prodNetworkA1B2C3"
    stack_name: str  # CloudFormation stack name
    environment: str  # stage name
    construct_path: str  # e.g. "prod/Network"
    template_file: str  # path of the template relative to the cdk.out root
    account: str
    region: str
    description: str = ""
    dependencies: tuple[str, ...] = ()  # artifact ids this stack depends on
    metadata: Mapping[str, Any] = field(default_factory=dict)  # the template's top-level Metadata
    manifest_file: str = ""  # the manifest that lists this stack, relative to the cloud assembly root
    # artifact id of the stack that nests this one (an AWS::CloudFormation::Stack); "" if none
    parent: str = ""
    manifest_artifact: str = ""  # the artifact the manifest lists: its own id, or its top-level parent's


@dataclass(frozen=True)
class Assembly:
    """Everything docgen knows about a synthesized app: stacks, resources, edges, acknowledgements."""

    root: str  # the cdk.out directory it was read from
    cdk_version: str
    stacks: tuple[StackInfo, ...]
    resources: tuple[Resource, ...]  # sorted by (environment, stack, logical id)
    edges: tuple[Edge, ...]  # sorted
    acknowledgements: tuple[Acknowledgement, ...]  # sorted
    outputs_and_exports: Mapping[str, Any] = field(
        default_factory=dict
    )  # export name -> resource_key it resolves to
    references: References | None = field(default=None, compare=False, repr=False)
    # Reports written beside the templates, by file name: `validation-report.json` (CDK's policy validation
    # plugins: each finding, acknowledged or not), `security-scan.json` (cfn-lint and checkov, by `make scan`)
    reports: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def targets(self, value: Any, owner: Resource) -> list[Resource]:
        """The resources `value` (a property of `owner`) names by Ref, GetAtt, Sub or ImportValue, in
        document order, each once."""
        if self.references is None:
            return []
        by_key = self._by_key()
        keys = dict.fromkeys(self.references.keys(value, owner.stack))
        return [by_key[k] for k in keys if k in by_key]

    def _by_key(self) -> dict[str, Resource]:
        cached: dict[str, Resource] | None = self.__dict__.get("_by_key_cache")
        if cached is None:
            cached = {resource_key(r): r for r in self.resources}
            object.__setattr__(self, "_by_key_cache", cached)
        return cached

    @property
    def environments(self) -> tuple[str, ...]:
        return tuple(sorted({s.environment for s in self.stacks}))

    def in_environment(self, environment: str) -> tuple[Resource, ...]:
        return tuple(r for r in self.resources if r.environment == environment)

    def of_type(self, cfn_type: str, environment: str | None = None) -> tuple[Resource, ...]:
        return tuple(
            r
            for r in self.resources
            if r.type == cfn_type and (environment is None or r.environment == environment)
        )
