"""What changed between two inventories: resources added, changed and removed per environment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CHANGE_ORDER = {"added": 0, "changed": 1, "removed": 2}
SIGN = {"added": "[+]", "changed": "[~]", "removed": "[-]"}


@dataclass(frozen=True)
class Change:
    environment: str
    key: str  # construct path without the environment
    change: str  # added | changed | removed
    type: str
    component: str  # Service tag (or the nearest tagged resource's), else "stack <id>"
    logical_id: str
    changed_keys: tuple[str, ...]  # top-level properties that differ (changed only)
    before: Mapping[str, Any]  # facts
    after: Mapping[str, Any]


def _component_of(key: str, body: Mapping[str, Any], tagged: Mapping[str, str]) -> str:
    """The Service tag; for untaggable resources (policies, rules) that of the nearest tagged neighbour."""
    if body.get("service"):
        return str(body["service"])
    parts = key.split("/")
    for depth in range(len(parts), 1, -1):  # a shared stack prefix alone (depth 1) says nothing
        service = tagged.get("/".join(parts[:depth]))
        if service is not None:
            return service
    return f"stack {body.get('stack', parts[0])}"


def _tagged(items: Mapping[str, Any]) -> dict[str, str]:
    """Each path prefix (of two segments or more) of a tagged resource -> the first one's Service tag."""
    prefixes: dict[str, str] = {}
    for key, body in items.items():
        if body.get("service"):
            parts = key.split("/")
            for depth in range(2, len(parts) + 1):
                prefixes.setdefault("/".join(parts[:depth]), str(body["service"]))
    return prefixes


def diff(base: Mapping[str, Any] | None, current: Mapping[str, Any]) -> list[Change]:
    """Added, changed and removed resources per environment; a missing base means everything is new."""
    before_envs = (base or {}).get("environments", {})
    after_envs = current.get("environments", {})
    out: list[Change] = []
    for env in sorted(set(before_envs) | set(after_envs)):
        old, new = before_envs.get(env, {}), after_envs.get(env, {})
        old_tags, new_tags = _tagged(old), _tagged(new)
        for key in sorted(set(old) | set(new)):
            a, b = old.get(key), new.get(key)
            if a is None and b is not None:
                out.append(
                    Change(
                        env,
                        key,
                        "added",
                        b["type"],
                        _component_of(key, b, new_tags),
                        b["logical_id"],
                        (),
                        {},
                        b.get("facts", {}),
                    )
                )
            elif b is None and a is not None:
                out.append(
                    Change(
                        env,
                        key,
                        "removed",
                        a["type"],
                        _component_of(key, a, old_tags),
                        a["logical_id"],
                        (),
                        a.get("facts", {}),
                        {},
                    )
                )
            elif a is not None and b is not None and (a["digest"] != b["digest"] or a["type"] != b["type"]):
                pa, pb = a.get("properties", {}), b.get("properties", {})
                keys = tuple(sorted(k for k in set(pa) | set(pb) if pa.get(k) != pb.get(k)))
                out.append(
                    Change(
                        env,
                        key,
                        "changed",
                        b["type"],
                        _component_of(key, b, new_tags),
                        b["logical_id"],
                        keys,
                        a.get("facts", {}),
                        b.get("facts", {}),
                    )
                )
    return sorted(out, key=lambda c: (c.environment, c.component, CHANGE_ORDER[c.change], c.key))


def by_seq_tag(current: Mapping[str, Any], seq: int) -> list[Change]:
    """Without a baseline: the resources whose Seq tag is this work item count as added."""
    mine = {
        env: {k: v for k, v in items.items() if v.get("seq") == str(seq)}
        for env, items in current.get("environments", {}).items()
    }
    return diff(None, {"environments": mine})


def construct_name(change: Change) -> str:
    """The construct's own id: `Messaging/x/DeadLetterQueue/Resource` -> `DeadLetterQueue`."""
    parts = [p for p in change.key.split("/") if p not in ("Resource", "Default")]
    return parts[-1] if parts else change.key


def counts(changes: Iterable[Change]) -> Counter[str]:
    return Counter(c.change for c in changes)
