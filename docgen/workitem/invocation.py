"""The orchestrator's invocation context (mode, seq, short_name, requirements, existing_doc) and targets.

The context is exactly the specification's YAML:

    mode: create | update
    seq: 3
    short_name: read-replica
    requirements: [REQ-003-DEP-001, REQ-001-NFR-AVAIL-001]
    existing_doc: design-docs/60-infrastructure.md   # if mode=update

plus two optional extensions: `task_id` (copied into the log entry) and `targets`, the measurable targets of
requirements, keyed by requirement id (the same shape as `design-docs/requirements.yaml`):

    targets:
      REQ-001-NFR-AVAIL-001: {availability: 99.9, rpo_minutes: 15, rto_minutes: 60, environment: prod}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docgen.errors import InvocationError
from docgen.verify.targets import Target, load_yaml, requirement_id, targets

__all__ = ["Context", "InvocationError", "load_context", "parse_context"]

MODES = ("create", "update")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CONTEXT_KEYS = ("mode", "seq", "short_name", "requirements", "existing_doc", "task_id", "targets")


@dataclass(frozen=True)
class Context:
    mode: str
    seq: int
    short_name: str
    requirements: tuple[str, ...] = ()
    existing_doc: Path | None = None
    task_id: str | None = None
    targets: Mapping[str, Target] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The short name as a heading: `read-replica` -> `Read Replica`."""
        return " ".join(word.capitalize() for word in self.short_name.split("-"))

    @property
    def heading(self) -> str:
        return f"## Seq {self.seq}: {self.title} Infrastructure"

    @property
    def design_link(self) -> str:
        name = f"{self.seq}-design-{self.short_name}.md"
        return f"See [{name}]({name})"


def read_context_text(location: str) -> tuple[str, str]:
    """The context's text and a name for messages; `-` reads standard input."""
    if location == "-":
        import sys

        return sys.stdin.read(), "<stdin>"
    path = Path(location)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except FileNotFoundError:
        raise InvocationError(f"context file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvocationError(f"cannot read context file {path}: {exc}") from None


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def _mode(value: Any, source: str) -> str:
    if value not in MODES:
        raise InvocationError(f"{source}: at key `mode`: expected one of {_choices(MODES)}, got {value!r}")
    return str(value)


def _seq(value: Any, source: str) -> int:
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        value = int(value.strip(), 10)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvocationError(
            f"{source}: at key `seq`: expected a whole number ≥ 1 (the work item), got {value!r}"
        )
    return value


def _short_name(value: Any, source: str) -> str:
    if not isinstance(value, str) or not SLUG.fullmatch(value) or len(value) > 60:
        raise InvocationError(
            f"{source}: at key `short_name`: expected a slug of lowercase letters, digits and single hyphens"
            f" (e.g. `read-replica`), got {value!r}"
        )
    return value


def _requirements(value: Any, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list | tuple):
        raise InvocationError(
            f"{source}: at key `requirements`: expected a list of requirement ids, got {value!r}"
        )
    ids = [requirement_id(item, f"{source}: at key `requirements[{i}]`") for i, item in enumerate(value)]
    return tuple(dict.fromkeys(ids))  # first occurrence wins; order kept


def parse_context(data: Any, source: str) -> Context:
    """A validated Context from the loaded YAML; InvocationError names the key, the value and the choices."""
    if not isinstance(data, dict):
        raise InvocationError(
            f"{source}: expected a mapping with keys {_choices(CONTEXT_KEYS)}, got {data!r}"
        )
    unknown = sorted(str(k) for k in data if k not in CONTEXT_KEYS)
    if unknown:
        raise InvocationError(f"{source}: unknown key `{unknown[0]}`; valid keys: {_choices(CONTEXT_KEYS)}")
    for key in ("mode", "seq", "short_name"):
        if data.get(key) is None:
            raise InvocationError(f"{source}: key `{key}` is required")
    existing = data.get("existing_doc")
    if existing is not None and (not isinstance(existing, str) or not existing.strip()):
        raise InvocationError(f"{source}: at key `existing_doc`: expected a path, got {existing!r}")
    task_id = data.get("task_id")
    return Context(
        mode=_mode(data["mode"], source),
        seq=_seq(data["seq"], source),
        short_name=_short_name(data["short_name"], source),
        requirements=_requirements(data.get("requirements"), source),
        existing_doc=Path(existing) if existing else None,
        task_id=None if task_id is None else str(task_id),
        targets=targets(data.get("targets"), f"{source}: at key `targets`", "context"),
    )


def load_context(location: str | None, flags: Mapping[str, Any]) -> Context:
    """The context from a file (or stdin) with flags laid over it; flags alone are enough too."""
    data: dict[str, Any] = {}
    source = "flags"
    if location is not None:
        text, source = read_context_text(location)
        loaded = load_yaml(text, source)
        if loaded is not None and not isinstance(loaded, dict):
            raise InvocationError(
                f"{source}: expected a mapping with keys {_choices(CONTEXT_KEYS)}, got {loaded!r}"
            )
        data = dict(loaded or {})
    given = {k: v for k, v in flags.items() if v is not None}
    if given and location is not None:
        source = f"{source} (with flags)"
    return parse_context({**data, **given}, source)
