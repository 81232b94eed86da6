"""The cloud assembly read directly as JSON: stages (nested assemblies), stacks, templates and resources.

Nothing here knows docgen: a stage is a `cdk:cloud-assembly` artifact of the root manifest (directory
`assembly-<stage>/`), a stack a `aws:cloudformation:stack` artifact of that stage's manifest; construct paths come
from each stack's metadata (`aws:cdk:logicalId` entries), tags from the template's own tag properties.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Every template property that carries a resource's tags, by shape: a list of {Key, Value} or a plain mapping.
TAG_PROPERTIES = ("Tags", "BackupVaultTags", "BackupPlanTags", "ResourceTags", "TagSpecifications")


@dataclass
class Resource:
    stack: Stack
    logical_id: str
    type: str
    props: dict[str, Any]
    path: str  # construct path inside the stack, e.g. "appdb/Instance/Resource" ("" when unknown)
    raw: dict[str, Any]

    @property
    def tags(self) -> dict[str, str]:
        return read_tags(self.props)

    @property
    def has_tags_property(self) -> bool:
        return any(key in self.props for key in TAG_PROPERTIES)

    @property
    def owner(self) -> str:
        """The component: the `Service` tag, else the first segment of the construct path."""
        return self.tags.get("Service") or (self.path.split("/")[0] if self.path else "")

    def where(self, prop: str = "") -> str:
        suffix = f" {prop}" if prop else ""
        return f"{self.stack.stage}/{self.stack.id} {self.logical_id} ({self.type}){suffix}"


@dataclass
class Stack:
    stage: str
    id: str  # "Data", "Service-backend"
    name: str  # CloudFormation stack name
    account: str
    region: str
    template: dict[str, Any]
    paths: dict[str, str]  # logical id -> construct path inside the stack
    resources: dict[str, Resource] = field(default_factory=dict)


@dataclass
class Stage:
    name: str
    stacks: list[Stack]

    @property
    def regions(self) -> list[str]:
        """Every region the stage deploys to, the primary first (the one most of its stacks use)."""
        counts = Counter(s.region for s in self.stacks)
        return [r for r, _ in counts.most_common()]

    @property
    def primary_region(self) -> str:
        return self.regions[0] if self.regions else ""

    @property
    def accounts(self) -> list[str]:
        return sorted({s.account for s in self.stacks})

    def resources(self, *types: str) -> list[Resource]:
        return [r for s in self.stacks for r in s.resources.values() if not types or r.type in types]


@dataclass
class Assembly:
    root: Path
    stages: dict[str, Stage]
    tree: dict[str, Any]

    def resources(self, *types: str) -> list[Resource]:
        return [r for st in self.stages.values() for r in st.resources(*types)]

    def stack_by_name(self, name: str) -> Stack | None:
        return next((s for st in self.stages.values() for s in st.stacks if s.name == name), None)

    def resolve(self, stack: Stack, value: Any) -> Resource | None:
        """The resource a Ref, Fn::GetAtt or Fn::ImportValue points at (through the exporting stack's Outputs)."""
        if not isinstance(value, dict):
            return None
        if "Ref" in value:
            return stack.resources.get(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return stack.resources.get(target[0] if isinstance(target, list) else str(target).split(".")[0])
        if "Fn::ImportValue" in value:
            return self._import(value["Fn::ImportValue"])
        return None

    def _import(self, export: Any) -> Resource | None:
        if not isinstance(export, str):
            return None
        for stage in self.stages.values():
            for st in stage.stacks:
                for output in st.template.get("Outputs", {}).values():
                    if output.get("Export", {}).get("Name") == export:
                        return self.resolve(st, output.get("Value"))
        return None

    @property
    def cdk_version(self) -> str:
        return str(self.tree.get("tree", {}).get("constructInfo", {}).get("version", ""))


def refs(value: Any) -> set[str]:
    """Every logical id a value points at with Ref or Fn::GetAtt, however deeply nested."""
    out: set[str] = set()
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            out.add(value["Ref"])
        target = value.get("Fn::GetAtt")
        if isinstance(target, list) and target:
            out.add(str(target[0]))
        for v in value.values():
            out |= refs(v)
    elif isinstance(value, list):
        for v in value:
            out |= refs(v)
    return out


def read_tags(props: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in TAG_PROPERTIES:
        value = props.get(key)
        if isinstance(value, dict):
            out.update({str(k): str(v) for k, v in value.items()})
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "Key" in item:
                    out[str(item["Key"])] = str(item.get("Value"))
                elif isinstance(item, dict) and "Tags" in item:  # TagSpecifications
                    out.update(read_tags({"Tags": item["Tags"]}))
    return out


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _stack_paths(folder: Path, artifact: dict[str, Any], stack_path: str) -> dict[str, str]:
    """logical id -> construct path relative to the stack, from the stack's metadata (inline or in a file)."""
    metadata = dict(artifact.get("metadata") or {})
    extra = artifact.get("additionalMetadataFile")
    if extra and (folder / extra).is_file():
        metadata.update(_json(folder / extra))
    paths: dict[str, str] = {}
    prefix = "/" + stack_path + "/"
    for path, entries in metadata.items():
        for entry in entries:
            if entry.get("type") == "aws:cdk:logicalId":
                rel = path[len(prefix) :] if path.startswith(prefix) else path.lstrip("/")
                paths[str(entry.get("data"))] = rel
    return paths


def _stacks(folder: Path, stage: str) -> list[Stack]:
    manifest = _json(folder / "manifest.json")
    out = []
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        m = re.match(r"aws://([^/]*)/(.*)", artifact.get("environment", ""))
        account, region = (m.group(1), m.group(2)) if m else ("", "")
        display = artifact.get("displayName", "")
        stack_path = display.split(" ")[0]
        props = artifact["properties"]
        stack = Stack(
            stage=stage,
            id=stack_path.split("/")[-1],
            name=props.get("stackName", stack_path),
            account=account,
            region=region,
            template=_json(folder / props["templateFile"]),
            paths=_stack_paths(folder, artifact, stack_path),
        )
        for lid, res in stack.template.get("Resources", {}).items():
            stack.resources[lid] = Resource(
                stack, lid, res["Type"], res.get("Properties", {}), stack.paths.get(lid, ""), res
            )
        out.append(stack)
    return out


def read(root: Path) -> Assembly:
    manifest = _json(root / "manifest.json")
    stages: dict[str, Stage] = {}
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") == "cdk:cloud-assembly":
            props = artifact["properties"]
            name = props.get("displayName") or props["directoryName"].removeprefix("assembly-")
            stages[name] = Stage(name, _stacks(root / props["directoryName"], name))
    top = _stacks(root, "")
    if top:  # stacks outside any stage: one pseudo-stage per stack environment is not needed; group them
        stages.setdefault("", Stage("", [])).stacks.extend(top)
    tree_file = root / "tree.json"
    tree = _json(tree_file) if tree_file.is_file() else {}
    return Assembly(root, stages, tree)
