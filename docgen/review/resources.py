"""Resources added, removed and changed between two cloud assemblies, per environment and stack, with the old
and new value of every changed property and whether CloudFormation must replace the resource to apply it.

Resources are matched by construct path without the environment (`Data/appdb/Instance/Resource`), which the
project keeps stable (construct ids come from names in the spec); values read as people read them (intrinsics
as `${appdb.Endpoint.Address}`), cut to a line; asset hashes are ignored, so a rebuilt bundle is no change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from docgen.assembly import intrinsics
from docgen.assembly.model import Assembly, Resource
from docgen.review import schemas

SKIPPED_TYPES = frozenset({"AWS::CDK::Metadata"})
ASSET_HASH = re.compile(r"[0-9a-f]{64}")
VALUE_WIDTH = 80
# List items that carry their own name: matched by it, so inserting one is one change, not a shifted list.
ITEM_KEYS = ("Name", "Key", "ContainerPort", "Id", "PolicyName", "Sid")

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class PropertyChange:
    path: str  # `ContainerDefinitions[backend].Cpu`
    before: str  # readable, shortened; "" when absent
    after: str
    replaces: bool | None  # None: the type's schema is unknown


@dataclass(frozen=True)
class ResourceChange:
    environment: str
    stack: str  # the stack's construct path without the environment, e.g. `Data`
    path: str  # construct path without environment and stack, e.g. `appdb/Instance`
    type: str
    logical_id: str
    change: str  # added | removed | changed
    service: str | None
    properties: tuple[PropertyChange, ...] = ()

    @property
    def replacement(self) -> bool | None:
        """True when a change replaces the resource; None when that cannot be told (unknown schema)."""
        flags = [p.replaces for p in self.properties]
        if any(flags):
            return True
        return None if None in flags else False


def scrub(value: Any) -> Any:
    if isinstance(value, str):
        return ASSET_HASH.sub("<asset>", value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value


def shorten(text: str, width: int = VALUE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _relative(resource: Resource, stacks: Mapping[str, str]) -> tuple[str, str]:
    """(stack construct path, resource path within it), both without the environment."""
    stack = stacks.get(resource.stack, resource.stack)
    prefix = f"{resource.environment}/"
    stack = stack.removeprefix(prefix)
    path = resource.path.removeprefix(prefix).removeprefix(f"{stack}/") if resource.path else ""
    for tail in ("/Resource", "/Default"):
        path = path.removesuffix(tail)
    return stack, path or resource.logical_id


def index(assembly: Assembly) -> dict[tuple[str, str, str], Resource]:
    stacks = {s.artifact_id: s.construct_path for s in assembly.stacks}
    out = {}
    for r in assembly.resources:
        if r.type not in SKIPPED_TYPES:
            stack, path = _relative(r, stacks)
            out[(r.environment, stack, path)] = r
    return out


def regions(assembly: Assembly) -> dict[str, str]:
    return {s.environment: s.region for s in assembly.stacks if s.region}


def diff(base: Assembly, head: Assembly) -> list[ResourceChange]:
    """Every added, removed and changed resource, sorted by environment, stack, change and path."""
    old, new = index(base), index(head)
    where = {**regions(base), **regions(head)}
    out = []
    for key in sorted(set(old) | set(new)):
        env, stack, path = key
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            out.append(ResourceChange(env, stack, path, b.type, b.logical_id, "added", b.service))
        elif b is None and a is not None:
            out.append(ResourceChange(env, stack, path, a.type, a.logical_id, "removed", a.service))
        elif a is not None and b is not None:
            props = tuple(_property_changes(a, b, where.get(env, "")))
            if props or a.type != b.type:
                out.append(
                    ResourceChange(env, stack, path, b.type, b.logical_id, "changed", b.service, props)
                )
    order = {"added": 0, "changed": 1, "removed": 2}
    return sorted(out, key=lambda c: (c.environment, c.stack, order[c.change], c.path))


def _property_changes(a: Resource, b: Resource, region: str) -> Iterator[PropertyChange]:
    before, after = scrub(dict(a.properties)), scrub(dict(b.properties))
    for path, old, new in _leaves(before, after, ()):
        shown = around_difference(
            "" if old is _ABSENT else intrinsics.text(old), "" if new is _ABSENT else intrinsics.text(new)
        )
        yield PropertyChange(
            _path_text(path),
            *shown,
            schemas.replaces(b.type, region, tuple(0 if isinstance(p, _Named) else p for p in path)),
        )


def around_difference(old: str, new: str, width: int = VALUE_WIDTH) -> tuple[str, str]:
    """Both values cut to a line around where they first differ, so a long policy or dashboard body shows
    the part that changed rather than the same opening twice."""
    old, new = " ".join(old.split()), " ".join(new.split())
    if len(old) <= width and len(new) <= width:
        return old, new
    first = next(
        (i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y), min(len(old), len(new))
    )
    start = max(0, first - width // 4)

    def cut(text: str) -> str:
        if not text:
            return ""
        piece = text[start : start + width - 2]
        return ("…" if start else "") + piece + ("…" if start + width - 2 < len(text) else "")

    return cut(old), cut(new)


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


_ABSENT: Any = _Absent()


class _Named(str):
    """A list item found by its own name (`[backend]`), not by position."""


def _is_mapping(value: Any) -> bool:
    """A map of properties, not an intrinsic function (`{"Ref": …}`, `{"Fn::GetAtt": …}`)."""
    if not isinstance(value, dict):
        return False
    only = next(iter(value)) if len(value) == 1 else ""
    return not (only == "Ref" or only.startswith("Fn::"))


def _leaves(old: Any, new: Any, path: Path) -> Iterator[tuple[Path, Any, Any]]:
    """(path, old, new) of every differing leaf: maps by key, named list items by name, equal-length lists
    by position; anything else (an intrinsic, a list that grew) is one leaf."""
    if old == new:
        return
    if _is_mapping(old) and _is_mapping(new):
        for k in sorted(set(old) | set(new)):
            yield from _leaves(old.get(k, _ABSENT), new.get(k, _ABSENT), (*path, k))
        return
    if isinstance(old, list) and isinstance(new, list):
        named_old, named_new = _by_name(old), _by_name(new)
        if named_old is not None and named_new is not None:
            for k in sorted(set(named_old) | set(named_new)):
                yield from _leaves(named_old.get(k, _ABSENT), named_new.get(k, _ABSENT), (*path, _Named(k)))
            return
        if len(old) == len(new):
            for i, (x, y) in enumerate(zip(old, new, strict=True)):
                yield from _leaves(x, y, (*path, i))
            return
    yield path, old, new


def _by_name(items: list[Any]) -> dict[str, Any] | None:
    """The items keyed by their name field when every item has one and the names are unique."""
    for field in ITEM_KEYS:
        names = [item.get(field) for item in items if isinstance(item, dict)]
        named = len(names) == len(items) and all(isinstance(n, str | int) for n in names)
        if named and len(set(map(str, names))) == len(names):
            return {str(n): item for n, item in zip(names, items, strict=True)}
    return None


def _path_text(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, _Named | int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
