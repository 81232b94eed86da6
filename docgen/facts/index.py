"""Lookups over one assembly (by key, by type and environment, references) and the names of things."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from docgen.assembly.model import LEAVES, Assembly, Resource, StackInfo, resource_key
from docgen.facts.fact import Fact, Source, exists, tag

# Promotion order of well-known environment names; others sort between staging and prod, by name.
ENV_ORDER = {"dev": 0, "development": 0, "test": 1, "qa": 1, "staging": 2, "stage": 2, "preprod": 3}
PROD_NAMES = ("prod", "production", "live")
# What a well-known environment name stands for, as the doc names its phase.
PHASES = {
    "dev": "Development",
    "development": "Development",
    "test": "Test",
    "qa": "QA",
    "staging": "Staging",
    "stage": "Staging",
    "preprod": "Pre-production",
    "prod": "Production",
    "production": "Production",
}


def phase(env: str) -> str:
    """`Production` for prod; an environment with another name is its own phase."""
    return PHASES.get(env.lower(), env)


def env_sorted(envs: Iterable[str]) -> list[str]:
    def rank(env: str) -> tuple[int, str]:
        if env.lower() in PROD_NAMES:
            return (9, env)
        return (ENV_ORDER.get(env.lower(), 4), env)

    return sorted(envs, key=rank)


class Index:
    """Lookups over one assembly: by key, by (stack, logical id), by type per environment, references."""

    def __init__(self, assembly: Assembly) -> None:
        self.assembly = assembly
        self.by_key = {resource_key(r): r for r in assembly.resources}
        self._by_type: dict[tuple[str, str], list[Resource]] = {}
        for r in assembly.resources:
            self._by_type.setdefault((r.type, r.environment), []).append(r)
        self.environments = env_sorted(assembly.environments)

    def get(self, stack: str, logical_id: str) -> Resource | None:
        return self.by_key.get(f"{stack}/{logical_id}")

    def targets(self, owner: Resource, value: Any) -> list[Resource]:
        """Resources `value` (a property of `owner`) points at, through the assembly's one resolver."""
        return self.assembly.targets(value, owner)

    def of_type(self, cfn_type: str, env: str) -> list[Resource]:
        return list(self._by_type.get((cfn_type, env), ()))

    def in_environment(self, env: str) -> tuple[Resource, ...]:
        return self.assembly.in_environment(env)

    def referring(self, target: Resource, cfn_type: str, prop: str) -> list[Resource]:
        """Resources of `cfn_type` in the target's environment whose `prop` points at `target`."""
        return [
            r
            for r in self.of_type(cfn_type, target.environment)
            if target in self.targets(r, r.properties.get(prop))
        ]

    def stacks(self, env: str) -> list[StackInfo]:
        return [s for s in self.assembly.stacks if s.environment == env]

    @property
    def production(self) -> str:
        return self.environments[-1] if self.environments else ""


def name_of(resource: Resource) -> str:
    """The component a resource belongs to: its Service tag, or the construct id that made it."""
    if resource.service:
        return resource.service
    if resource.label:
        return resource.label
    parts = resource.path.split("/")
    return parts[-2] if len(parts) > 1 else resource.logical_id


# Ids CDK gives the one resource inside an L2 construct: the construct above names it.
INNER_IDS = LEAVES


def construct_id(resource: Resource) -> str:
    """The id of the construct that made the resource (the path's last meaningful part)."""
    parts = [p for p in resource.path.split("/") if p not in INNER_IDS]
    return parts[-1] if parts else resource.logical_id


def name_fact(resource: Resource) -> Fact:
    """`name_of` with its source: the Service tag when there is one, else the resource itself."""
    service = tag(resource, "Service", default="")
    if service.value:
        return service
    return exists(resource, name_of(resource))


def project_of(assembly: Assembly) -> Fact:
    """The Project tag most resources carry (None when the app does not tag a project)."""
    counted = Counter(r.tags.get("Project") for r in assembly.resources if r.tags.get("Project"))
    if not counted:
        return Fact(None, "", ())
    project, _ = counted.most_common(1)[0]
    carrier = next(r for r in assembly.resources if r.tags.get("Project") == project)
    return tag(carrier, "Project")


def manifest_source(stack: StackInfo, field: str, value: Any) -> Source:
    """A field of the stack's manifest artifact (a nested stack's is its top-level parent's)."""
    artifact = stack.manifest_artifact or stack.artifact_id
    return Source("manifest", stack.manifest_file, f"/artifacts/{artifact}/{field}", value)


def stack_name_source(stack: StackInfo, templates: dict[str, str]) -> Source:
    """Where a stack's name comes from: the manifest's stackName, the artifact id, or for a nested stack the
    AWS::CloudFormation::Stack resource in its parent's template (`templates`: artifact id -> template)."""
    if stack.parent:
        logical_id = stack.artifact_id.rsplit(".", 1)[-1]
        return Source("resource", templates.get(stack.parent, ""), f"/Resources/{logical_id}", None)
    if stack.stack_name != stack.artifact_id:
        return manifest_source(stack, "properties/stackName", stack.stack_name)
    return Source("manifest", stack.manifest_file, f"/artifacts/{stack.artifact_id}", None)
