"""Resolves references inside template values (Ref, Fn::GetAtt, Fn::Sub, Fn::ImportValue) to resources.

One resolver serves the whole of docgen: edges, facts and the diagram model all ask it which resources a
property value points at, so they agree on what a reference means.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docgen.assembly.model import Resource, StackInfo
from docgen.errors import AssemblyError

__all__ = ["ExportKey", "References", "StackTemplate", "Target", "export_index", "resolve_exports"]

Target = tuple[str, str]  # (resource key, attribute; "" for a Ref)
# (account, region, export name): export names are unique per account and region, not per assembly.
ExportKey = tuple[str, str, str]
SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True)
class StackTemplate:
    """The part of a stack's template that exports need: its outputs."""

    info: StackInfo
    outputs: Mapping[str, Any]


def export_index(templates: Iterable[StackTemplate], keys: set[str]) -> dict[ExportKey, Target]:
    """Every export that names a resource: (account, region, name) -> (resource key, attribute)."""
    index: dict[ExportKey, Target] = {}
    owner: dict[ExportKey, str] = {}
    for template in templates:
        info = template.info
        for output in template.outputs.values():
            export = output.get("Export") if isinstance(output, dict) else None
            name = export.get("Name") if isinstance(export, dict) else None
            target = (
                _direct_target(output.get("Value"), info.artifact_id, keys) if isinstance(name, str) else None
            )
            if target is None:
                continue
            where = (info.account, info.region, str(name))
            if where in owner:
                raise AssemblyError(
                    f"export `{name}` is defined by stacks `{owner[where]}` and `{info.artifact_id}` in "
                    f"aws://{info.account}/{info.region}: export names must be unique per account and "
                    "region; rename one of the stacks"
                )
            owner[where], index[where] = info.artifact_id, target
    return index


def _direct_target(value: Any, stack: str, keys: set[str]) -> Target | None:
    """The resource an output's Value names with a Ref or Fn::GetAtt (CDK exports nothing else)."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    getatt = _getatt(value.get("Fn::GetAtt"))
    if isinstance(value.get("Ref"), str):
        target: Target = (f"{stack}/{value['Ref']}", "")
    elif getatt is not None:
        target = (f"{stack}/{getatt[0]}", getatt[1])
    else:
        return None
    return target if target[0] in keys else None


def resolve_exports(index: Mapping[ExportKey, Target]) -> dict[str, str]:
    """Export name -> resource key; a name exported in two accounts or regions is qualified with both."""
    names: dict[str, int] = {}
    for _, _, name in index:
        names[name] = names.get(name, 0) + 1
    resolved = {}
    for (account, region, name), (key, _) in sorted(index.items()):
        resolved[name if names[name] == 1 else f"aws://{account}/{region}/{name}"] = key
    return resolved


def _getatt(value: Any) -> tuple[str, str] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], str)
    ):
        return value[0], value[1]
    if isinstance(value, str) and "." in value:
        logical_id, attribute = value.split(".", 1)
        return logical_id, attribute
    return None


# --- references ------------------------------------------------------------------------------------


class References:
    """Finds Ref / Fn::GetAtt / Fn::Sub / Fn::ImportValue targets inside a property value."""

    def __init__(
        self, resources: Sequence[Resource], stacks: Sequence[StackInfo], exports: Mapping[ExportKey, Target]
    ) -> None:
        self.ids: dict[str, set[str]] = {}
        for resource in resources:
            self.ids.setdefault(resource.stack, set()).add(resource.logical_id)
        self.where = {s.artifact_id: (s.account, s.region) for s in stacks}
        self.exports = exports
        # A nested stack's parameters are set by its parent's AWS::CloudFormation::Stack resource: a Ref to one
        # points at what the parent passes (a subnet, a security group of the parent stack).
        by_key = {f"{r.stack}/{r.logical_id}": r for r in resources}
        self.parameters: dict[str, tuple[str, Mapping[str, Any]]] = {}
        for info in stacks:
            nest = (
                by_key.get(f"{info.parent}/{info.artifact_id[len(info.parent) + 1 :]}")
                if info.parent
                else None
            )
            passed = nest.properties.get("Parameters") if nest is not None else None
            if isinstance(passed, dict):
                self.parameters[info.artifact_id] = (info.parent, passed)

    def scan(self, value: Any, stack: str) -> list[tuple[str, str, str]]:
        """(kind, target key, detail) of every reference in `value`, in document order."""
        found: list[tuple[str, str, str]] = []
        self._scan(value, stack, self.ids.get(stack, set()), found)
        return found

    def keys(self, value: Any, stack: str) -> list[str]:
        return [key for _, key, _ in self.scan(value, stack)]

    def _scan(self, value: Any, stack: str, ids: set[str], found: list[tuple[str, str, str]]) -> None:
        if isinstance(value, list):
            for item in value:
                self._scan(item, stack, ids, found)
        elif isinstance(value, dict):
            if len(value) == 1 and self._intrinsic(value, stack, ids, found):
                return
            for item in value.values():
                self._scan(item, stack, ids, found)

    def _intrinsic(
        self, value: dict[str, Any], stack: str, ids: set[str], found: list[tuple[str, str, str]]
    ) -> bool:
        """Record the reference `value` makes, if it is one; False means: scan inside it like any mapping."""
        ((name, arg),) = value.items()
        if name == "Ref" and isinstance(arg, str):
            if arg in ids:  # pseudo parameters (AWS::Region, ...) are not resources
                found.append(("ref", f"{stack}/{arg}", ""))
            elif arg in self.parameters.get(stack, ("", {}))[1]:  # a nested stack's parameter: what is passed
                parent, passed = self.parameters[stack]
                self._scan(passed[arg], parent, self.ids.get(parent, set()), found)
            return True
        if name == "Fn::GetAtt":
            target = _getatt(arg)
            if target and target[0] in ids:
                found.append(("getatt", f"{stack}/{target[0]}", target[1]))
            return target is not None
        if name == "Fn::ImportValue" and isinstance(arg, str):
            account, region = self.where.get(stack, ("", ""))
            imported = self.exports.get((account, region, arg))
            if imported:  # an export of a stack outside this assembly is no edge
                found.append(("import", imported[0], imported[1]))
            return True
        if name == "Fn::Sub":
            self._sub(arg, stack, ids, found)
            return True
        return False

    def _sub(self, arg: Any, stack: str, ids: set[str], found: list[tuple[str, str, str]]) -> None:
        text, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
        if not isinstance(text, str):
            return
        for name in SUB_VARIABLE.findall(text):
            if isinstance(variables, dict) and name in variables:
                continue
            logical_id, _, attribute = name.partition(".")
            if logical_id in ids:
                found.append(("getatt" if attribute else "ref", f"{stack}/{logical_id}", attribute))
        self._scan(variables, stack, ids, found)
