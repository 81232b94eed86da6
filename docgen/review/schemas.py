"""CloudFormation's own resource schemas, as cfn-lint ships them: which property changes replace a resource.

A property listed in a type's `createOnlyProperties` cannot be updated in place: CloudFormation creates a new
resource and deletes the old one (a new database, a new queue URL). docgen reads the lists from the schema
files inside the installed cfn-lint package (`cfnlint/data/schemas`: one provider index per region naming the
schema file of each type) without importing cfn-lint. Without cfn-lint, or for a type the index lacks, the
answer is "unknown", never "no replacement".
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_REGION = "us-east-1"


def schema_dir() -> Path | None:
    """`cfnlint/data/schemas` of the installed cfn-lint, or None when it is not installed."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"
    return folder if (folder / "providers" / f"{DEFAULT_REGION}.json").is_file() else None


@cache
def _provider(region: str) -> dict[str, str]:
    folder = schema_dir()
    if folder is None:
        return {}
    path = folder / "providers" / f"{region}.json"
    if not path.is_file():
        path = folder / "providers" / f"{DEFAULT_REGION}.json"
    index: Any = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in index.items()} if isinstance(index, dict) else {}


@cache
def create_only(cfn_type: str, region: str = DEFAULT_REGION) -> tuple[tuple[str, ...], ...] | None:
    """The create-only property paths of a type (each a tuple of segments, `*` for any list item), or None
    when the type's schema is not available."""
    name = _provider(region or DEFAULT_REGION).get(cfn_type)
    folder = schema_dir()
    if name is None or folder is None:
        return None
    path = folder / "resources" / f"{name}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    pointers = schema.get("createOnlyProperties") or [] if isinstance(schema, dict) else []
    return tuple(
        tuple(p.removeprefix("/properties/").split("/"))
        for p in pointers
        if isinstance(p, str) and p.startswith("/properties/")
    )


def replaces(cfn_type: str, region: str, path: tuple[str | int, ...]) -> bool | None:
    """Whether changing the property at `path` (segments from the top-level property) replaces the resource."""
    paths = create_only(cfn_type, region)
    if paths is None:
        return None
    return any(_covers(pattern, path) for pattern in paths)


def _covers(pattern: tuple[str, ...], path: tuple[str | int, ...]) -> bool:
    """A create-only property covers a change at it, inside it, or around it (a whole list replaced)."""
    return all(want in ("*", str(got)) for want, got in zip(pattern, path, strict=False))
