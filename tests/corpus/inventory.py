"""What a corpus app's pruned cloud assembly holds: its stages, its stacks (nested ones too) and resource counts.

Reads only the committed JSON (manifests and templates), never CDK; `build.py` writes `expected.json` and the
README's tables from it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NESTED_STACK = "AWS::CloudFormation::Stack"
ASSET_PATH = "aws:asset:path"
# A nested stack resource's path is ".../<id>.NestedStack/<id>.NestedStackResource"; the stack's own is ".../<id>".
NESTED_RESOURCE_PATH = re.compile(r"(?P<id>[^/]+)\.NestedStack/(?P=id)\.NestedStackResource$")


@dataclass
class Stack:
    """One template: a top-level stack of a stage, or a nested stack inside another template."""

    path: str  # construct path
    artifact: str | None  # manifest artifact id; None for a nested stack
    stage: str | None
    environment: str
    template: str  # relative to the assembly root
    parent: dict[str, str] | None  # {"template": ..., "logical_id": ...} of the AWS::CloudFormation::Stack
    by_type: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "artifact": self.artifact,
            "stage": self.stage,
            "environment": self.environment,
            "template": self.template,
            "parent": self.parent,
            "resources": sum(self.by_type.values()),
            "by_type": dict(sorted(self.by_type.items())),
        }


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def stacks(root: Path) -> list[Stack]:
    """Every stack of the assembly at `root`, depth first: stages in manifest order, nested after parents."""
    return _assembly(root, root, stage=None)


def _assembly(root: Path, directory: Path, stage: str | None) -> list[Stack]:
    """The stage's own stacks first, then those of the stages nested in it (CDK lists those first)."""
    found: list[Stack] = []
    artifacts = read_json(directory / "manifest.json")["artifacts"]
    for artifact_id, artifact in artifacts.items():
        if artifact["type"] == "aws:cloudformation:stack":
            template = (directory / artifact["properties"]["templateFile"]).relative_to(root).as_posix()
            # displayName is "<construct path>" or, in a stage, "<construct path> (<stack name>)".
            path = artifact.get("displayName", artifact_id).split(" (")[0]
            top = Stack(path, artifact_id, stage, artifact["environment"], template, None)
            found += _with_nested(root, top)
    for artifact in artifacts.values():
        if artifact["type"] == "cdk:cloud-assembly":
            props = artifact["properties"]
            name = props.get("displayName") or props["directoryName"]
            found += _assembly(root, directory / props["directoryName"], stage=name)
    return found


def _with_nested(root: Path, stack: Stack) -> list[Stack]:
    """The stack, its resource counts, then each nested stack it declares (recursively)."""
    resources = read_json(root / stack.template).get("Resources", {})
    stack.by_type = Counter(r["Type"] for r in resources.values())
    found = [stack]
    folder = Path(stack.template).parent
    for logical_id, resource in resources.items():
        if resource["Type"] != NESTED_STACK or ASSET_PATH not in resource.get("Metadata", {}):
            continue
        metadata = resource["Metadata"]
        path = NESTED_RESOURCE_PATH.sub(r"\g<id>", metadata.get("aws:cdk:path", f"{stack.path}/{logical_id}"))
        nested = Stack(
            path=path,
            artifact=None,
            stage=stack.stage,
            environment=stack.environment,
            template=(folder / metadata[ASSET_PATH]).as_posix(),
            parent={"template": stack.template, "logical_id": logical_id},
        )
        found += _with_nested(root, nested)
    return found


def summary(root: Path) -> dict[str, Any]:
    """The expected.json entry of one app (without its description)."""
    found = stacks(root)
    total: Counter[str] = Counter()
    for stack in found:
        total.update(stack.by_type)
    stages: dict[str | None, set[str]] = {}
    for stack in found:
        stages.setdefault(stack.stage, set()).add(stack.environment)
    return {
        "stages": [{"name": name, "environments": sorted(envs)} for name, envs in stages.items()],
        "stacks": [stack.as_json() for stack in found],
        "resources": sum(total.values()),
        "resources_by_type": dict(sorted(total.items())),
    }
