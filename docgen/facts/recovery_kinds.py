"""Recovery of the application's own data stores (EFS file systems, DynamoDB tables, and S3 buckets that do not
hold logs): what protects each in the templates (point-in-time recovery, versioning, the AWS Backup rules whose
selections name it) and the copies it has outside its region. The section turns these into RPO and RTO."""

from __future__ import annotations

import re
from dataclasses import dataclass

from docgen.assembly.model import Resource
from docgen.facts import governance
from docgen.facts.fact import Fact, derived, join, prop, tag
from docgen.facts.index import Index
from docgen.facts.names import component
from docgen.facts.tables import TABLE_TYPES

FILE_SYSTEM = "AWS::EFS::FileSystem"
BUCKET = "AWS::S3::Bucket"
KINDS = {FILE_SYSTEM: "EFS", BUCKET: "S3", **{t: "DynamoDB" for t in TABLE_TYPES}}
DAILY_CRON = re.compile(r"^cron\(\d+ \d+ [*?] \* [*?] \*\)$")
RATE = re.compile(r"^rate\((\d+) (hour|hours|day|days)\)$")


@dataclass(frozen=True)
class Store:
    resource: Resource
    kind: str  # EFS, DynamoDB, S3
    name: Fact
    pitr_days: Fact | None  # DynamoDB with point-in-time recovery on: its window in days
    versioning: Fact | None  # S3 with versioning on: how long a replaced or deleted version is kept
    rules: tuple[governance.BackupRule, ...]  # the AWS Backup rules whose plan's selections name it
    elsewhere: Fact  # copies outside the region: backup copies, bucket replication, global table replicas

    @property
    def label(self) -> Fact:
        return derived(self.name.value, f"{self.kind} {self.name.text}", [self.name])


def stores(index: Index, env: str) -> list[Store]:
    logs = _log_buckets(index, env)
    found = [r for t in KINDS for r in index.of_type(t, env) if r not in logs]
    return sorted((_store(index, r, env) for r in found), key=lambda s: (s.kind, s.name.text))


def _store(index: Index, r: Resource, env: str) -> Store:
    rules = tuple(_rules(index, r, env))
    copies = [rule.copies for rule in rules if rule.copies.value]
    if r.type == BUCKET and r.properties.get("ReplicationConfiguration"):
        copies.append(prop(r, "ReplicationConfiguration", fmt=lambda _: "bucket replication"))
    if r.type == "AWS::DynamoDB::GlobalTable":
        copies.append(
            prop(r, "Replicas", fmt=lambda v: "replicas " + ", ".join(str(x.get("Region")) for x in v))
        )
    return Store(
        resource=r,
        kind=KINDS[r.type],
        name=component(r),
        pitr_days=_pitr_days(r),
        versioning=_versioning(r),
        rules=rules,
        elsewhere=join(copies, "; ", "none", none=r),
    )


def _rules(index: Index, r: Resource, env: str) -> list[governance.BackupRule]:
    """The rules of the plans whose backup selections list this resource."""
    plans = []
    for selection in index.of_type("AWS::Backup::BackupSelection", env):
        listed = (selection.properties.get("BackupSelection") or {}).get("Resources")
        if r in index.targets(selection, listed):
            plans += index.targets(selection, selection.properties.get("BackupPlanId"))
    return [rule for rule in governance.backup_rules(index, env) if rule.resource in plans]


def _pitr_days(r: Resource) -> Fact | None:
    if r.type == "AWS::DynamoDB::Table":
        spec = r.properties.get("PointInTimeRecoverySpecification") or {}
        if spec.get("PointInTimeRecoveryEnabled") is not True:
            return None
        # RecoveryPeriodInDays defaults to 35, the longest window DynamoDB keeps
        return prop(r, "PointInTimeRecoverySpecification", "RecoveryPeriodInDays", default=35)
    if r.type == "AWS::DynamoDB::GlobalTable":
        replicas = r.properties.get("Replicas") or []
        on = bool(replicas) and all(
            ((x or {}).get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled")
            for x in replicas
        )
        return derived(35, "35", [prop(r, "Replicas")]) if on else None
    return None


def _versioning(r: Resource) -> Fact | None:
    """A versioned bucket: how long a noncurrent version lives (its lifecycle's NoncurrentVersionExpiration)."""
    if r.type != BUCKET or (r.properties.get("VersioningConfiguration") or {}).get("Status") != "Enabled":
        return None
    status = prop(r, "VersioningConfiguration", "Status")
    rules = (r.properties.get("LifecycleConfiguration") or {}).get("Rules") or []
    for i, rule in enumerate(rules):
        if isinstance(rule, dict) and (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays"):
            keep = prop(
                r, "LifecycleConfiguration", "Rules", i, "NoncurrentVersionExpiration", "NoncurrentDays"
            )
            return derived(keep.value, f"{keep.text} d", [status, keep])
    return derived(None, "until deleted", [status])


def _log_buckets(index: Index, env: str) -> list[Resource]:
    """Buckets that hold logs (a LogType tag, or the destination of another bucket's access logs): they are
    records of traffic, not application data to recover."""
    out = []
    for b in index.of_type(BUCKET, env):
        if tag(b, "LogType", default="").value:
            out.append(b)
        logging = (b.properties.get("LoggingConfiguration") or {}).get("DestinationBucketName")
        out += [x for x in index.targets(b, logging) if x.type == BUCKET]
    return out


def interval_hours(rule: governance.BackupRule) -> int | None:
    """Hours between two runs of a daily cron or a rate in hours or days; None for any other schedule."""
    text = str(rule.schedule.value)
    if DAILY_CRON.match(text):
        return 24
    rate = RATE.match(text)
    if rate:
        return int(rate.group(1)) * (24 if rate.group(2).startswith("day") else 1)
    return None
