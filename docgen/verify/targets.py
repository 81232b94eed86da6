"""Measurable targets of requirements (availability %, RPO, RTO), from a requirements file or a work item.

A requirements file (`design-docs/requirements.yaml`) maps requirement ids to targets:

    REQ-001-NFR-AVAIL-001: {availability: 99.9, rpo_minutes: 15, rto_minutes: 60, environment: prod}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from docgen.errors import InvocationError

REQUIREMENT_ID = re.compile(r"^REQ-\d{1,6}-[A-Z][A-Z0-9-]*-\d{1,4}$")
TARGET_KEYS = ("availability", "rpo_minutes", "rto_minutes", "environment")


def _choices(values: tuple[str, ...]) -> str:
    return ", ".join(values)


@dataclass(frozen=True)
class Target:
    """What a requirement promises: availability in percent, RPO and RTO in minutes; None when not stated."""

    availability: Decimal | None = None
    rpo_minutes: Decimal | None = None
    rto_minutes: Decimal | None = None
    environment: str | None = (
        None  # None: the production environment (the last one in dev→staging→prod order)
    )
    source: str = ""  # where it was read: "context" or the file


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads `seq: 010` as octal 8; a work-item number is decimal whatever its leading zeros."""


def _decimal_int(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    if re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text, 10)
    return loader.construct_yaml_int(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:int", _decimal_int)


def load_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InvocationError(f"{source}: not valid YAML{where}: {problem}") from None


def requirement_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not REQUIREMENT_ID.fullmatch(value):
        raise InvocationError(
            f"{where}: expected a requirement id like REQ-003-NFR-AVAIL-001"
            f" (pattern {REQUIREMENT_ID.pattern}), got {value!r}"
        )
    return value


def _number(value: Any, where: str, *, low: Decimal, high: Decimal | None) -> Decimal:
    text = value.strip().removesuffix("%").strip() if isinstance(value, str) else value
    if isinstance(text, bool) or not isinstance(text, int | float | str):
        raise InvocationError(f"{where}: expected a number, got {value!r}")
    try:
        number = Decimal(str(text))  # str(): 99.9 stays 99.9, not its binary approximation
    except InvalidOperation:
        raise InvocationError(f"{where}: expected a number, got {value!r}") from None
    if not number.is_finite() or number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f"≥ {low}"
        raise InvocationError(f"{where}: expected a number {bound}, got {value!r}")
    return number


def target(value: Any, where: str, source: str) -> Target:
    if not isinstance(value, dict):
        raise InvocationError(f"{where}: expected a mapping with keys {_choices(TARGET_KEYS)}, got {value!r}")
    unknown = sorted(str(k) for k in value if k not in TARGET_KEYS)
    if unknown:
        raise InvocationError(f"{where}: unknown key `{unknown[0]}`; valid keys: {_choices(TARGET_KEYS)}")
    env = value.get("environment")
    if env is not None and (not isinstance(env, str) or not env):
        raise InvocationError(f"{where}.environment: expected an environment name, got {env!r}")
    return Target(
        availability=None
        if value.get("availability") is None
        else _number(value["availability"], f"{where}.availability", low=Decimal(0), high=Decimal(100)),
        rpo_minutes=None
        if value.get("rpo_minutes") is None
        else _number(value["rpo_minutes"], f"{where}.rpo_minutes", low=Decimal(0), high=None),
        rto_minutes=None
        if value.get("rto_minutes") is None
        else _number(value["rto_minutes"], f"{where}.rto_minutes", low=Decimal(0), high=None),
        environment=env,
        source=source,
    )


def targets(value: Any, where: str, source: str) -> dict[str, Target]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvocationError(f"{where}: expected a mapping of requirement id -> target, got {value!r}")
    out = {}
    for key, body in value.items():
        rid = requirement_id(key, f"{where}: key")
        out[rid] = target(body, f"{where}.{rid}", source)
    return out


def load_targets(path: Path) -> dict[str, Target]:
    """Targets from a requirements file (`{REQ-…: {availability, rpo_minutes, …}}`); {} if it is absent."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvocationError(f"cannot read {path}: {exc}") from None
    data = load_yaml(text, str(path))
    if isinstance(data, dict) and "targets" in data and len(data) == 1:
        data = data["targets"]
    return targets(data, str(path), str(path))


def merged_targets(from_file: Mapping[str, Target], from_context: Mapping[str, Target]) -> dict[str, Target]:
    """File targets with the context's laid over them, field by field (a context value wins)."""
    out = dict(from_file)
    for rid, new in from_context.items():
        old = out.get(rid)
        if old is None:
            out[rid] = new
            continue
        out[rid] = replace(
            old,
            availability=new.availability if new.availability is not None else old.availability,
            rpo_minutes=new.rpo_minutes if new.rpo_minutes is not None else old.rpo_minutes,
            rto_minutes=new.rto_minutes if new.rto_minutes is not None else old.rto_minutes,
            environment=new.environment or old.environment,
            source="context",
        )
    return dict(sorted(out.items()))


def targets_yaml(all_targets: Mapping[str, Target]) -> str:
    """The requirements file text for `all_targets`: sorted, numbers as written, no source field."""
    body: dict[str, dict[str, Any]] = {}
    for rid, tgt in sorted(all_targets.items()):
        entry: dict[str, Any] = {}
        for key in ("availability", "rpo_minutes", "rto_minutes"):
            number = getattr(tgt, key)
            if number is not None:
                entry[key] = int(number) if number == number.to_integral_value() else float(number)
        if tgt.environment:
            entry["environment"] = tgt.environment
        body[rid] = entry
    header = (
        "# Measurable targets of requirements (availability %, RPO and RTO in minutes) by requirement id.\n"
        "# docgen verifies them against the synthesized design; work items may add targets through their\n"
        "# invocation context (`targets:`), which docgen records here so regeneration stays reproducible.\n"
    )
    return header + yaml.safe_dump(body, sort_keys=True, default_flow_style=False, allow_unicode=True)
