"""The plain data model every docgen stage shares: what the reader builds and what renderers read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


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
    l2_fqn: str | None = None  # constructInfo.fqn of the nearest L2 ancestor, e.g. "aws-cdk-lib.aws_ecs.FargateService"
    l2_path: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

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
