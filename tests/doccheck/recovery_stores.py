"""Disaster Recovery of EFS file systems, DynamoDB tables and application buckets, read back from the doc: every
such store of the templates (log buckets aside) has a row whose protection, RPO and RTO follow from what the
template sets (PITR and its window, versioning and noncurrent expiry, backup selections naming it) and from
the recovery figures of the dated data file docgen/data/slas.yaml."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import Row, each_row, match, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import first_number, numbers, words

SLAS = Path(__file__).resolve().parents[2] / "docgen" / "data" / "slas.yaml"
KINDS = {
    "AWS::EFS::FileSystem": "efs",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::DynamoDB::GlobalTable": "dynamodb",
    "AWS::S3::Bucket": "s3",
}


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    logs = _log_buckets(assembly)
    stores = [r for r in assembly.resources(*KINDS) if r not in logs]
    tabs = tables(
        doc, result, "Disaster Recovery > data stores", ("data store", "protection"), needed=bool(stores)
    )
    figures = (yaml.safe_load(SLAS.read_text()) or {}).get("recovery", {})

    def fits(row: Row, r: Resource) -> bool:
        table, cells, env = row
        kind, _, name = cells.get(table.column("data store") or "", "").partition(" ")
        return env == r.stack.stage and words(kind) == KINDS[r.type] and r.named(name)

    def compare(res: Result, row: Row, r: Resource) -> None:
        table, cells, _ = row
        col = lambda name: cells.get(table.column(name) or "", "")  # noqa: E731
        where = f"Disaster Recovery > data stores / {r.stack.stage} / {r.owner}"
        _protection(res, where, col("protection"), r, assembly)
        _objectives(res, where, col("rpo"), col("rto"), r, assembly, figures)

    rows = list(each_row(tabs, assembly.stages))
    match(result, "store-recovery", "Disaster Recovery > data stores", rows, stores, fits, compare)
    return result


def _log_buckets(assembly: Assembly) -> list[Resource]:
    """Buckets tagged as log buckets, and buckets other buckets send their access logs to."""
    out = [b for b in assembly.resources("AWS::S3::Bucket") if b.tags.get("LogType")]
    for b in assembly.resources("AWS::S3::Bucket"):
        target = assembly.resolve(
            b.stack, (b.props.get("LoggingConfiguration") or {}).get("DestinationBucketName")
        )
        if target is not None:
            out.append(target)
    return out


def _pitr(r: Resource) -> float | None:
    """The point-in-time recovery window in days, None when PITR is off."""
    if r.type == "AWS::DynamoDB::Table":
        spec = r.props.get("PointInTimeRecoverySpecification") or {}
        return float(spec.get("RecoveryPeriodInDays", 35)) if spec.get("PointInTimeRecoveryEnabled") else None
    replicas = r.props.get("Replicas") or []
    on = bool(replicas) and all(
        (x.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled") for x in replicas
    )
    return 35.0 if on and r.type == "AWS::DynamoDB::GlobalTable" else None


def _versioned(r: Resource) -> bool:
    return (r.props.get("VersioningConfiguration") or {}).get("Status") == "Enabled"


def _plans(r: Resource, assembly: Assembly) -> list[Resource]:
    """Backup plans whose selections list the resource (by Ref, GetAtt, or inside a Fn::Join building its ARN)."""
    refs = (f'{{"Ref": "{r.logical_id}"}}', f'{{"Fn::GetAtt": ["{r.logical_id}", "Arn"]}}')
    plans = []
    for sel in assembly.stages[r.stack.stage].resources("AWS::Backup::BackupSelection"):
        listed = json.dumps((sel.props.get("BackupSelection") or {}).get("Resources") or [])
        if sel.stack is r.stack and any(ref in listed for ref in refs):
            plan = assembly.resolve(sel.stack, sel.props.get("BackupPlanId"))
            plans += [plan] if plan is not None else []
    return plans


def _protection(res: Result, where: str, shown: str, r: Resource, assembly: Assembly) -> None:
    window = _pitr(r)
    pitr_ok = ("point-in-time" in shown.lower()) == (window is not None) and (
        window is None or window in numbers(shown)
    )
    res.fact(pitr_ok, "store-pitr", where, shown, f"PITR {window or 'off'}", r.where("PointInTimeRecovery"))
    keep = [
        float((rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays", 0))
        for rule in (r.props.get("LifecycleConfiguration") or {}).get("Rules") or []
    ]
    versioned = _versioned(r)
    version_ok = ("versioning" in shown.lower()) == versioned and (
        not versioned or not any(keep) or max(keep) in numbers(shown)
    )
    res.fact(version_ok, "store-versioning", where, shown, f"versioned {versioned}", r.where("Versioning"))
    plans = _plans(r, assembly)
    for plan in plans:
        body = plan.props.get("BackupPlan") or {}
        name = str(body.get("BackupPlanName", ""))
        for rule in body.get("BackupPlanRule") or []:
            want = f"{name} {rule.get('ScheduleExpression')}"
            res.fact(want in shown, "store-backup", where, shown, want, plan.where("BackupPlanRule"))
    res.fact(
        ("aws backup" in shown.lower()) == bool(plans),
        "store-backup-selected",
        where,
        shown,
        f"{len(plans)} plans",
        r.where("BackupSelection"),
    )


def _objectives(
    res: Result, where: str, rpo: str, rto: str, r: Resource, assembly: Assembly, figures: dict[str, Any]
) -> None:
    kind, plans = KINDS[r.type], _plans(r, assembly)
    if _versioned(r):
        want_rpo: float | None = 0.0
    elif _pitr(r) is not None:
        want_rpo = float(figures["dynamodb.pitr_rpo"]["minutes"])
    elif plans:
        want_rpo = _daily_hours(plans)
    else:
        want_rpo = None
    shown = None if "unbounded" in rpo else first_number(rpo)
    if want_rpo is None and plans:  # a schedule other than daily: only say it is bounded
        res.fact(
            shown is not None or "unbounded" not in rpo, "store-rpo", where, rpo, "bounded", "backup plan"
        )
    else:
        res.equal("store-rpo", where, shown, want_rpo, r.where("PITR / versioning / backup schedule"))
    restorable = not _versioned(r) and kind in ("efs", "dynamodb") and (plans or _pitr(r) is not None)
    want_rto = float(figures[f"{kind}.restore_rto"]["minutes"]) if restorable else None
    res.equal("store-rto", where, first_number(rto), want_rto, f"slas.yaml recovery.{kind}.restore_rto")


def _daily_hours(plans: list[Resource]) -> float | None:
    schedules = [
        str(rule.get("ScheduleExpression"))
        for p in plans
        for rule in (p.props.get("BackupPlan") or {}).get("BackupPlanRule") or []
    ]
    daily = [s for s in schedules if re.fullmatch(r"cron\(\d+ \d+ [*?] \* [*?] \*\)", s)]
    return 24.0 if daily else None
