"""The cloud assembly read directly as JSON: environments (CDK Stages), stacks, nested stacks, resources.

Nothing here knows docgen. An environment is a `cdk:cloud-assembly` artifact (a nested assembly, named by its
display name, so a Stage inside a Stage is `platform/eu`); stacks of the root assembly that are in no Stage form
one environment named `app`. A stack is an `aws:cloudformation:stack` artifact; a nested stack (an
`AWS::CloudFormation::Stack` resource whose Metadata names its template asset) is read as a stack of its parent's
environment, named "Parent / Child". Construct paths come from the manifest's `aws:cdk:logicalId` metadata (else
the resource's own `aws:cdk:path`); tags from the template's own tag properties.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.doccheck.values import words

# Every template property that carries a resource's tags, by shape: a list of {Key, Value} or a plain mapping.
TAG_PROPERTIES = (
    "Tags",
    "BackupVaultTags",
    "BackupPlanTags",
    "ResourceTags",
    "TagSpecifications",
    "FileSystemTags",
    "AccessPointTags",
)
APP = "app"  # the environment of the stacks that are in no Stage
NESTED_STACK = "AWS::CloudFormation::Stack"
GENERIC_IDS = (
    "Resource",
    "Default",
)  # construct ids CDK gives the L1 resource of an L2: no name of their own


@dataclass
class Resource:
    stack: Stack
    logical_id: str
    type: str
    props: dict[str, Any]
    path: str  # construct path inside its top-level stack, e.g. "appdb/Instance/Resource" ("" when unknown)
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

    @property
    def segments(self) -> list[str]:
        """The construct ids on the resource's path, without the generic `Resource`/`Default`."""
        return [p for p in self.path.split("/") if p and p not in GENERIC_IDS]

    @property
    def title(self) -> str:
        """How mismatch messages name it: its component (`Service` tag), else its construct path."""
        return self.tags.get("Service") or "/".join(self.segments) or self.logical_id

    @property
    def construct_id(self) -> str:
        """The id of the construct that made it: the path's last meaningful segment (else the logical id)."""
        return self.segments[-1] if self.segments else self.logical_id

    def names(self) -> set[str]:
        """Everything a reader can identify this resource by, as `words`: its Service tag, its logical id, any
        construct id on its path and any run of them (`catalogTask/app`), its physical-name properties."""
        out = {words(self.logical_id)}
        if self.tags.get("Service"):
            out.add(words(self.tags["Service"]))
        # CDK's singleton functions carry a 32-hex uuid in their construct id; a reader knows them without it
        segs = [re.sub(r"(?<=[A-Za-z])[0-9a-f]{32}$", "", s) for s in self.segments]
        for i in range(len(segs)):
            for j in range(i + 1, len(segs) + 1):
                out.add(words("/".join(segs[i:j])))
        for prop in NAME_PROPERTIES:
            value = self.props.get(prop)
            if isinstance(value, str) and value:
                out.add(words(value))
        return out

    def named(self, label: str) -> bool:
        """Whether a doc label names this resource: one of its names, or `A/B` with both parts its names."""
        text = words(re.sub(r"[`*]", "", label))
        if not text:
            return False
        mine = self.names()
        if text in mine:
            return True
        parts = [p.strip() for p in text.split("/")]
        if len(parts) > 1 and all(p in mine for p in parts):
            return True
        tokens = re.split(r"[\s/]+", text)  # `SecurityGroup service`: every word one of its construct ids
        return len(tokens) > 1 and all(t in mine for t in tokens)

    @property
    def full_path(self) -> str:
        """The construct path from the app's root: "prod/Data/appdb/Instance/Resource"."""
        return f"{self.stack.construct_path}/{self.path}" if self.path else ""

    def where(self, prop: str = "") -> str:
        suffix = f" {prop}" if prop else ""
        return f"{self.stack.stage}/{self.stack.display} {self.logical_id} ({self.type}){suffix}"


# Properties that name a resource physically (a reader may know it by them).
NAME_PROPERTIES = (
    "FunctionName",
    "TableName",
    "QueueName",
    "TopicName",
    "BucketName",
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "ClusterName",
    "ServiceName",
    "Family",
    "LogGroupName",
    "Name",
    "AlarmName",
    "DashboardName",
    "StateMachineName",
    "RoleName",
    "DisplayName",
)


@dataclass
class Stack:
    stage: str
    id: str  # construct id: "Data", "Service-backend"; a nested stack's: "Frontend"
    name: str  # CloudFormation stack name; a nested stack's is "Parent / Child"
    account: str  # "" when the stack is environment-agnostic
    region: str  # "" when the stack is environment-agnostic
    template: dict[str, Any]
    paths: dict[str, str]  # logical id -> construct path inside the top-level stack
    resources: dict[str, Resource] = field(default_factory=dict)
    parent: Stack | None = None
    nested_as: str = ""  # the logical id of the AWS::CloudFormation::Stack resource in the parent
    construct_path: str = ""  # of the top-level stack: "prod/Data"
    display: str = ""  # construct id, a nested stack's after its parent's: "Data", "ServiceConnect/Services"


@dataclass
class Stage:
    name: str
    stacks: list[Stack]

    @property
    def regions(self) -> list[str]:
        """Every region the stage deploys to, the primary first (the one most of its stacks use)."""
        counts = Counter(s.region for s in self.stacks if s.region and s.parent is None)
        return [r for r, _ in counts.most_common()]

    @property
    def primary_region(self) -> str:
        return self.regions[0] if self.regions else ""

    @property
    def agnostic(self) -> bool:
        """Some stack of the stage names no region: it deploys wherever it is deployed."""
        return any(not s.region for s in self.stacks)

    @property
    def accounts(self) -> list[str]:
        return sorted({s.account for s in self.stacks if s.account})

    def resources(self, *types: str) -> list[Resource]:
        return [r for s in self.stacks for r in s.resources.values() if not types or r.type in types]


@dataclass
class Assembly:
    root: Path
    stages: dict[str, Stage]
    tree: dict[str, Any]
    acknowledged: list[tuple[str, str, str, str]] = field(default_factory=list)  # (stage, path, rule, reason)

    def resources(self, *types: str) -> list[Resource]:
        return [r for st in self.stages.values() for r in st.resources(*types)]

    @property
    def stacks(self) -> list[Stack]:
        return [s for st in self.stages.values() for s in st.stacks]

    def stack_by_name(self, name: str) -> Stack | None:
        return next((s for s in self.stacks if s.name == name), None)

    def resolve(self, stack: Stack, value: Any, depth: int = 0) -> Resource | None:
        """The resource a Ref, Fn::GetAtt or Fn::ImportValue points at: through the exporting stack's Outputs,
        a nested stack's Parameters (to its parent) and `Outputs.X` attributes (into the nested stack)."""
        if not isinstance(value, dict) or depth > 8:
            return None
        if isinstance(value.get("Ref"), str):
            ref = value["Ref"]
            if ref in stack.resources:
                return stack.resources[ref]
            return self._parameter(stack, ref, depth)
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            lid, attr = (
                (target[0], target[1]) if isinstance(target, list) else (*str(target).split(".", 1), "")
            )
            res = stack.resources.get(str(lid))
            if res is not None and res.type == NESTED_STACK and str(attr).startswith("Outputs."):
                return self._nested_output(stack, res, str(attr).removeprefix("Outputs."), depth)
            return res
        if "Fn::ImportValue" in value:
            return self._import(value["Fn::ImportValue"], depth)
        return None

    def _parameter(self, stack: Stack, name: str, depth: int) -> Resource | None:
        if stack.parent is None:
            return None
        holder = stack.parent.resources.get(stack.nested_as)
        passed = (holder.props.get("Parameters") or {}).get(name) if holder else None
        return self.resolve(stack.parent, passed, depth + 1)

    def _nested_output(self, stack: Stack, holder: Resource, output: str, depth: int) -> Resource | None:
        child = next((s for s in self.stacks if s.parent is stack and s.nested_as == holder.logical_id), None)
        if child is None:
            return None
        value = child.template.get("Outputs", {}).get(output, {}).get("Value")
        return self.resolve(child, value, depth + 1)

    def _import(self, export: Any, depth: int) -> Resource | None:
        if not isinstance(export, str):
            return None
        for st in self.stacks:
            for output in st.template.get("Outputs", {}).values():
                if output.get("Export", {}).get("Name") == export:
                    return self.resolve(st, output.get("Value"), depth + 1)
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


def _metadata(folder: Path, artifact: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    metadata = dict(artifact.get("metadata") or {})
    extra = artifact.get("additionalMetadataFile")
    if extra and (folder / extra).is_file():
        metadata.update(_json(folder / extra))
    return metadata


def _logical_ids(metadata: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """(construct path, logical id) of every `aws:cdk:logicalId` entry."""
    return [
        (path, str(entry.get("data")))
        for path, entries in metadata.items()
        for entry in entries
        if entry.get("type") == "aws:cdk:logicalId"
    ]


def _nested_holders(template: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(logical id, construct path of the nested stack, template asset) of each nested stack resource."""
    out = []
    for lid, body in (template.get("Resources") or {}).items():
        meta = body.get("Metadata") or {}
        if body.get("Type") == NESTED_STACK and isinstance(meta.get("aws:asset:path"), str):
            holder_path = str(meta.get("aws:cdk:path") or "")
            # "Parent/Child.NestedStack/Child.NestedStackResource" -> "Parent/Child"
            nested_path = re.sub(r"\.NestedStack/[^/]*$", "", holder_path)
            out.append((lid, nested_path, meta["aws:asset:path"]))
    return out


@dataclass
class _Frame:
    """What reading one template needs: where it is, which construct path it covers, who holds it."""

    folder: Path
    stage: str
    top_path: str  # construct path of the top-level stack ("prod/Data")
    own_path: str  # construct path of this (maybe nested) stack
    entries: list[tuple[str, str]]


def _stack(frame: _Frame, template: dict[str, Any], stack: Stack) -> list[Stack]:
    """This stack's resources and paths, then its nested stacks (read recursively)."""
    holders = _nested_holders(template)
    inner = ["/" + p for _, p, _ in holders if p]
    own = "/" + frame.own_path + "/"
    top = "/" + frame.top_path + "/"
    for path, lid in frame.entries:
        if path.startswith(own) and not any(path.startswith(n + "/") for n in inner):
            stack.paths.setdefault(lid, path[len(top) :] if path.startswith(top) else path.lstrip("/"))
    for lid, res in template.get("Resources", {}).items():
        path = stack.paths.get(lid) or _own_path(res, frame.top_path)
        stack.resources[lid] = Resource(stack, lid, res["Type"], res.get("Properties") or {}, path, res)
    out = [stack]
    for lid, nested_path, asset in holders:
        child_template = _json(frame.folder / asset)
        child = Stack(
            stage=stack.stage,
            id=nested_path.split("/")[-1],
            name=f"{stack.name} / {nested_path.split('/')[-1]}",
            account=stack.account,
            region=stack.region,
            template=child_template,
            paths={},
            parent=stack,
            nested_as=lid,
            construct_path=stack.construct_path,
            display=f"{stack.display}/{nested_path.split('/')[-1]}",
        )
        sub = _Frame(frame.folder, frame.stage, frame.top_path, nested_path, frame.entries)
        out.extend(_stack(sub, child_template, child))
    return out


def _own_path(res: dict[str, Any], top_path: str) -> str:
    path = str((res.get("Metadata") or {}).get("aws:cdk:path") or "")
    return path.removeprefix(top_path + "/") if path else ""


def _environment(text: str) -> tuple[str, str]:
    m = re.match(r"aws://([^/]*)/(.*)", text)
    account, region = (m.group(1), m.group(2)) if m else ("", "")
    return ("" if account.startswith("unknown") else account), (
        "" if region.startswith("unknown") else region
    )


def _read_folder(folder: Path, stage: str, stages: dict[str, Stage], acks: list[Any]) -> None:
    """Stacks of one assembly folder go to `stage`; each nested assembly is an environment of its own."""
    manifest = _json(folder / "manifest.json")
    stages.setdefault(stage, Stage(stage, []))  # in manifest order: a stage before the stages inside it
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") == "cdk:cloud-assembly":
            props = artifact["properties"]
            name = props.get("displayName") or props["directoryName"].removeprefix("assembly-")
            _read_folder(folder / props["directoryName"], name, stages, acks)
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        account, region = _environment(artifact.get("environment", ""))
        top_path = str(artifact.get("displayName", "")).split(" ")[0]
        props = artifact["properties"]
        template = _json(folder / props["templateFile"])
        metadata = _metadata(folder, artifact)
        for path, entries in metadata.items():
            for entry in entries:
                if entry.get("type") == "aws:cdk:acknowledged-rules":
                    for rule, reason in (entry.get("data") or {}).items():
                        acks.append((stage, path.lstrip("/"), str(rule), str(reason)))
        stack = Stack(
            stage=stage,
            id=top_path.split("/")[-1],
            name=props.get("stackName", top_path),
            account=account,
            region=region,
            template=template,
            paths={},
            construct_path=top_path,
            display=top_path.split("/")[-1],
        )
        frame = _Frame(folder, stage, top_path, top_path, _logical_ids(metadata))
        stages[stage].stacks.extend(_stack(frame, template, stack))


def read(root: Path) -> Assembly:
    stages: dict[str, Stage] = {}
    acks: list[tuple[str, str, str, str]] = []
    _read_folder(root, APP, stages, acks)
    stages = {name: st for name, st in stages.items() if st.stacks}
    tree_file = root / "tree.json"
    tree = _json(tree_file) if tree_file.is_file() else {}
    return Assembly(root, stages, tree, acks)
