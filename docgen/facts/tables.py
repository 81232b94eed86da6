"""DynamoDB facts: tables and global tables with their keys, billing mode and capacity, indexes, streams,
point-in-time recovery, encryption, replicas and deletion protection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, derived, exists, join, prop, yes_no
from docgen.facts.index import Index
from docgen.facts.names import component

TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
KEY_TYPES = {"HASH": "partition", "RANGE": "sort"}
ATTRIBUTE_TYPES = {"S": "string", "N": "number", "B": "binary"}


@dataclass(frozen=True)
class Table:
    resource: Resource
    name: Fact
    keys: Fact  # "pk (partition, string), sk (sort, string)"
    billing: Fact  # "on-demand" / "provisioned 5 RCU / 5 WCU"
    indexes: Fact
    stream: Fact
    pitr: Fact
    encryption: Fact
    replicas: Fact
    deletion_protection: Fact

    @property
    def global_table(self) -> bool:
        return self.resource.type == "AWS::DynamoDB::GlobalTable"


def tables(index: Index, env: str) -> list[Table]:
    out = [_table(r) for t in TABLE_TYPES for r in index.of_type(t, env)]
    return sorted(out, key=lambda t: t.name.text)


def _keys(resource: Resource, at: tuple[str | int, ...] = ()) -> Fact:
    types = {
        a.get("AttributeName"): ATTRIBUTE_TYPES.get(str(a.get("AttributeType")), str(a.get("AttributeType")))
        for a in resource.properties.get("AttributeDefinitions") or ()
        if isinstance(a, dict)
    }
    schema = prop(resource, *at, "KeySchema", default=[])
    parts = [
        f"{k.get('AttributeName')} ({KEY_TYPES.get(str(k.get('KeyType')), k.get('KeyType'))}, "
        f"{types.get(k.get('AttributeName'), '?')})"
        for k in schema.value or ()
        if isinstance(k, dict)
    ]
    return derived(
        schema.value, ", ".join(parts) or "-", [schema, prop(resource, "AttributeDefinitions", default=[])]
    )


def billing_mode(resource: Resource) -> str:
    return str(resource.properties.get("BillingMode") or "PROVISIONED").upper()


def _billing(resource: Resource) -> Fact:
    mode = prop(resource, "BillingMode", default="PROVISIONED")
    if billing_mode(resource) == "PAY_PER_REQUEST":
        return derived("PAY_PER_REQUEST", "on-demand", [mode])
    if resource.type == "AWS::DynamoDB::Table":
        reads = prop(resource, "ProvisionedThroughput", "ReadCapacityUnits", default=None)
        writes = prop(resource, "ProvisionedThroughput", "WriteCapacityUnits", default=None)
        return derived(
            "PROVISIONED", f"provisioned {reads.text} RCU / {writes.text} WCU", [mode, reads, writes]
        )
    return derived(
        "PROVISIONED",
        f"provisioned {read_capacity(resource)[1]} RCU / {write_capacity(resource)[1]} WCU",
        [
            mode,
            prop(resource, "Replicas", default=[]),
            prop(resource, "WriteProvisionedThroughputSettings", default={}),
        ],
    )


def read_capacity(resource: Resource) -> tuple[Any, str]:
    """A global table's read capacity: the first replica's fixed units, or its auto-scaling range."""
    for replica in resource.properties.get("Replicas") or ():
        settings = (replica or {}).get("ReadProvisionedThroughputSettings") or {}
        if "ReadCapacityUnits" in settings:
            return settings["ReadCapacityUnits"], str(settings["ReadCapacityUnits"])
        scaling = settings.get("ReadCapacityAutoScalingSettings") or {}
        if scaling:
            return scaling.get("MinCapacity"), f"{scaling.get('MinCapacity')}–{scaling.get('MaxCapacity')}"
    return None, "?"


def write_capacity(resource: Resource) -> tuple[Any, str]:
    settings = resource.properties.get("WriteProvisionedThroughputSettings") or {}
    scaling = settings.get("WriteCapacityAutoScalingSettings") or {}
    if scaling:
        return scaling.get("MinCapacity"), f"{scaling.get('MinCapacity')}–{scaling.get('MaxCapacity')}"
    return None, "?"


def _indexes(resource: Resource) -> Fact:
    found = []
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        kind = "GSI" if key.startswith("Global") else "LSI"
        for i, index in enumerate(resource.properties.get(key) or ()):
            if isinstance(index, dict):
                name = prop(resource, key, i, "IndexName")
                keys = _keys(resource, (key, i))
                found.append(derived(None, f"{kind} {name.text} on {keys.text}", [name, keys]))
    return join(found, "<br>", empty="none", none=resource)


def _stream(resource: Resource) -> Fact:
    return prop(
        resource,
        "StreamSpecification",
        "StreamViewType",
        default=None,
        fmt=lambda v: "off" if v is None else str(v).lower().replace("_", " "),
    )


def _pitr(resource: Resource) -> Fact:
    if resource.type == "AWS::DynamoDB::Table":
        return prop(
            resource,
            "PointInTimeRecoverySpecification",
            "PointInTimeRecoveryEnabled",
            default=False,
            fmt=yes_no,
        )
    replicas = resource.properties.get("Replicas") or []
    flags = [
        bool(((r or {}).get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled"))
        for r in replicas
    ]
    on = bool(flags) and all(flags)
    return derived(on, yes_no(on), [prop(resource, "Replicas", default=[])])


def _encryption(resource: Resource) -> Fact:
    spec = prop(resource, "SSESpecification", default={})
    value = spec.value if isinstance(spec.value, dict) else {}
    if value.get("SSEEnabled") in (True, "true"):
        kind = (
            "customer managed KMS key"
            if value.get("KMSMasterKeyId") or "KMSMasterKeyId" in str(resource.properties.get("Replicas"))
            else "AWS managed KMS key"
        )
        return derived(True, f"yes ({kind})", [spec])
    # DynamoDB always encrypts at rest; without SSESpecification it uses a key DynamoDB owns.
    return derived(True, "yes (AWS owned key)", [spec])


def _replicas(resource: Resource) -> Fact:
    if resource.type != "AWS::DynamoDB::GlobalTable":
        return exists(resource, "single region (not a global table)", 0)
    regions = prop(resource, "Replicas", default=[])
    names = [str((r or {}).get("Region")) for r in regions.value or ()]
    return derived(len(names), f"global table: {', '.join(names)}", [regions])


def _table(resource: Resource) -> Table:
    return Table(
        resource=resource,
        name=component(resource),
        keys=_keys(resource),
        billing=_billing(resource),
        indexes=_indexes(resource),
        stream=_stream(resource),
        pitr=_pitr(resource),
        encryption=_encryption(resource),
        replicas=_replicas(resource),
        deletion_protection=prop(resource, "DeletionProtectionEnabled", default=False, fmt=yes_no),
    )
