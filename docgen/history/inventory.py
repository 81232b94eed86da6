"""Compact per-seq resource inventories: the baseline each work item's infrastructure is diffed against.

`design-docs/inventory/seq-NNN.json` is written after every successful create or update for seq NNN:

    {"format": "docgen-inventory/1", "seq": 3, "short_name": "read-replica", "requirements": [...],
     "environments": {"prod": {"Data/appdb/Replica1/Resource": {
         "type": "AWS::RDS::DBInstance", "logical_id": "appdbReplica1…", "stack": "Data",
         "service": "appdb", "seq": "1", "digest": "<16 hex>",
         "properties": {"DBInstanceClass": "<8 hex>", …}, "facts": {"class": "db.t4g.medium", …}}}}}

`service`, `seq` and `facts` are left out when empty.

Keys are construct paths without the environment prefix. `digest` is the sha256 of the canonical JSON of all
properties, `properties` one short digest per top-level property (so a diff names the keys that changed);
asset hashes are scrubbed first, so rebuilding a Lambda bundle does not count as a change.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from docgen.assembly.model import Assembly, Resource
from docgen.errors import DocgenError

FORMAT = "docgen-inventory/1"
SEQ_FILE = re.compile(r"^seq-(\d{3,})\.json$")
ASSET_HASH = re.compile(r"[0-9a-f]{64}")
SKIPPED_TYPES = frozenset({"AWS::CDK::Metadata"})  # carries CDK's analytics blob, not infrastructure

# A few facts per type, read from literal property values: enough to say what was added or resized.
FACTS: Mapping[str, Mapping[str, str]] = {
    "AWS::ECS::Service": {"desired": "DesiredCount", "launch_type": "LaunchType"},
    "AWS::ECS::TaskDefinition": {"cpu": "Cpu", "memory": "Memory"},
    "AWS::ApplicationAutoScaling::ScalableTarget": {"min": "MinCapacity", "max": "MaxCapacity"},
    "AWS::RDS::DBInstance": {
        "class": "DBInstanceClass",
        "engine": "Engine",
        "multi_az": "MultiAZ",
        "storage_gb": "AllocatedStorage",
        "backup_days": "BackupRetentionPeriod",
    },
    "AWS::ElastiCache::ReplicationGroup": {
        "node_type": "CacheNodeType",
        "nodes": "NumCacheClusters",
        "multi_az": "MultiAZEnabled",
    },
    "AWS::SQS::Queue": {
        "visibility_s": "VisibilityTimeout",
        "retention_s": "MessageRetentionPeriod",
        "fifo": "FifoQueue",
    },
    "AWS::SecretsManager::Secret": {"description": "Description"},
    "AWS::Lambda::Function": {"runtime": "Runtime", "memory": "MemorySize"},
    "AWS::Logs::LogGroup": {"retention_days": "RetentionInDays"},
    "AWS::CloudWatch::Alarm": {"metric": "MetricName", "threshold": "Threshold"},
    "AWS::EC2::NatGateway": {},
    "AWS::CloudFront::Distribution": {},
}


def scrub(value: Any) -> Any:
    """The value with every 64-hex asset hash replaced, so asset rebuilds do not read as changes."""
    if isinstance(value, str):
        return ASSET_HASH.sub("<asset-hash>", value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value


def digest(value: Any, length: int) -> str:
    canonical = json.dumps(scrub(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:length]


def facts_of(resource: Resource) -> dict[str, Any]:
    props = resource.properties
    out: dict[str, Any] = {}
    for name, key in FACTS.get(resource.type, {}).items():
        value = props.get(key)
        if isinstance(value, str | int | float | bool):
            out[name] = value
    if resource.type == "AWS::RDS::DBInstance" and "SourceDBInstanceIdentifier" in props:
        out["read_replica"] = True
    if resource.type == "AWS::SQS::Queue":
        receives = (props.get("RedrivePolicy") or {}).get("maxReceiveCount")
        if isinstance(receives, int):
            out["max_receives"] = receives
    return out


def entry(resource: Resource, stack_path: str) -> dict[str, Any]:
    props = dict(resource.properties)
    out: dict[str, Any] = {
        "type": resource.type,
        "logical_id": resource.logical_id,
        "stack": stack_path,
        "digest": digest(props, 16),
        "properties": {key: digest(value, 8) for key, value in sorted(props.items())},
    }
    # Empty fields are left out: most resources (policies, routes, rules) have no tags or facts.
    optional = {"service": resource.service, "seq": resource.seq, "facts": facts_of(resource)}
    out.update({key: value for key, value in optional.items() if value})
    return out


def key_of(resource: Resource) -> str:
    return resource.path.removeprefix(resource.environment + "/")


def build(
    assembly: Assembly, *, seq: int, short_name: str, requirements: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The inventory of the whole assembly, every collection sorted."""
    stacks = {s.artifact_id: s.construct_path.removeprefix(s.environment + "/") for s in assembly.stacks}
    environments: dict[str, dict[str, Any]] = {}
    for resource in assembly.resources:
        if resource.type in SKIPPED_TYPES:
            continue
        env = environments.setdefault(resource.environment, {})
        key = key_of(resource)
        if key in env:  # two resources without distinct construct paths: the logical id tells them apart
            key = f"{key}#{resource.logical_id}"
        env[key] = entry(resource, stacks.get(resource.stack, resource.stack))
    return {
        "format": FORMAT,
        "seq": seq,
        "short_name": short_name,
        "requirements": list(requirements),
        "environments": {env: dict(sorted(items.items())) for env, items in sorted(environments.items())},
    }


def text(inventory: Mapping[str, Any]) -> str:
    """One resource per line: small, and a git diff of two inventories reads resource by resource."""
    lines = [
        "{",
        f' "format": {json.dumps(inventory["format"])},',
        f' "seq": {inventory["seq"]},',
        f' "short_name": {json.dumps(inventory["short_name"])},',
        f' "requirements": {json.dumps(inventory["requirements"])},',
        ' "environments": {',
    ]
    envs = list(inventory["environments"].items())
    for i, (env, items) in enumerate(envs):
        lines.append(f"  {json.dumps(env)}: {{")
        rows = list(items.items())
        for j, (key, body) in enumerate(rows):
            comma = "," if j < len(rows) - 1 else ""
            lines.append(
                f"   {json.dumps(key)}: {json.dumps(body, sort_keys=True, ensure_ascii=False)}{comma}"
            )
        lines.append("  }" + ("," if i < len(envs) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def path_for(folder: Path, seq: int) -> Path:
    return folder / f"seq-{seq:03d}.json"


def recorded(folder: Path) -> dict[int, Path]:
    """Seq -> inventory file, for every seq-NNN.json in folder."""
    if not folder.is_dir():
        return {}
    return dict(sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := SEQ_FILE.match(p.name))))


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DocgenError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DocgenError(f"{path}: not valid JSON at line {exc.lineno}: {exc.msg}") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT
        or not isinstance(data.get("environments"), dict)
    ):
        raise DocgenError(f'{path}: not a docgen inventory (expected "format": "{FORMAT}")')
    return data


def baseline(folder: Path, seq: int) -> tuple[int, dict[str, Any]] | None:
    """The inventory of the highest seq below `seq`, or None when there is none."""
    earlier = [n for n in recorded(folder) if n < seq]
    if not earlier:
        return None
    number = max(earlier)
    return number, load(path_for(folder, number))
