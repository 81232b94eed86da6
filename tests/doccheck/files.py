"""Shared file systems (EFS) and schedules (EventBridge Scheduler), read back from the doc's tables by their
columns: every file system and schedule of the templates has a row saying what the template sets (encryption,
throughput mode, access point paths and POSIX users, mount targets; expression, time zone, target, retries, DLQ)."""

from __future__ import annotations

import re

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import Row, each_row, match, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import first_number, words, yes_no


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _file_systems(doc, assembly, result)
    _schedules(doc, assembly, result)
    return result


def _of(assembly: Assembly, res: Resource, cfn_type: str) -> list[Resource]:
    stage = assembly.stages[res.stack.stage]
    return [
        r for r in stage.resources(cfn_type) if assembly.resolve(r.stack, r.props.get("FileSystemId")) is res
    ]


def _file_systems(doc: Doc, assembly: Assembly, result: Result) -> None:
    systems = assembly.resources("AWS::EFS::FileSystem")
    tabs = tables(
        doc, result, "Storage > File systems", ("file system", "mount targets"), needed=bool(systems)
    )

    def fits(row: Row, fs: Resource) -> bool:
        table, cells, env = row
        return env == fs.stack.stage and fs.named(cells[table.column("file system") or ""])

    def compare(res: Result, row: Row, fs: Resource) -> None:
        table, cells, _ = row
        where = f"Storage > File systems / {fs.stack.stage} / {fs.owner}"
        col = lambda name: cells.get(table.column(name) or "", "")  # noqa: E731
        res.equal(
            "efs-encrypted",
            where,
            yes_no(col("encrypted")),
            bool(fs.props.get("Encrypted")),
            fs.where("Encrypted"),
        )
        mode = fs.props.get("ThroughputMode", "bursting")
        res.fact(
            words(mode) in words(col("throughput")),
            "efs-throughput",
            where,
            col("throughput"),
            mode,
            fs.where("ThroughputMode"),
        )
        targets = _of(assembly, fs, "AWS::EFS::MountTarget")
        res.equal(
            "efs-mount-targets",
            where,
            first_number(col("mount targets")),
            float(len(targets)),
            fs.where("MountTarget"),
        )
        points = _of(assembly, fs, "AWS::EFS::AccessPoint")
        shown = col("access points")
        for p in points:
            path = (p.props.get("RootDirectory") or {}).get("Path", "/")
            uid = str((p.props.get("PosixUser") or {}).get("Uid", ""))
            ok = path in shown and (not uid or re.search(rf"\buid {re.escape(uid)}\b", shown) is not None)
            res.fact(
                ok,
                "efs-access-point",
                where,
                shown,
                f"{path} (uid {uid})",
                p.where("RootDirectory, PosixUser"),
            )

    match(
        result, "efs", "Storage > File systems", list(each_row(tabs, assembly.stages)), systems, fits, compare
    )


def _schedules(doc: Doc, assembly: Assembly, result: Result) -> None:
    schedules = assembly.resources("AWS::Scheduler::Schedule")
    tabs = tables(doc, result, "Schedules", ("expression", "time zone"), needed=bool(schedules))

    def fits(row: Row, s: Resource) -> bool:
        table, cells, env = row
        return env == s.stack.stage and cells.get(table.column("expression") or "", "") == s.props.get(
            "ScheduleExpression"
        )

    def compare(res: Result, row: Row, s: Resource) -> None:
        table, cells, _ = row
        where = f"Schedules / {s.stack.stage} / {s.props.get('ScheduleExpression')}"
        col = lambda name: cells.get(table.column(name) or "", "")  # noqa: E731
        zone = s.props.get("ScheduleExpressionTimezone", "UTC")
        res.equal("schedule-time-zone", where, col("time zone"), zone, s.where("ScheduleExpressionTimezone"))
        target = s.props.get("Target") or {}
        task = (target.get("EcsParameters") or {}).get("TaskDefinitionArn")
        hit = assembly.resolve(s.stack, task) or assembly.resolve(s.stack, target.get("Arn"))
        res.fact(
            hit is not None and hit.named(col("target").split(" ", 1)[-1]),
            "schedule-target",
            where,
            col("target"),
            hit.owner if hit else "?",
            s.where("Target"),
        )
        retry = target.get("RetryPolicy") or {}
        attempts = float(retry.get("MaximumRetryAttempts", 185))
        res.equal(
            "schedule-retry", where, first_number(col("retry")), attempts, s.where("Target.RetryPolicy")
        )
        dlq = assembly.resolve(s.stack, (target.get("DeadLetterConfig") or {}).get("Arn"))
        shown = col("dead-letter queue")
        ok = (dlq is None and words(shown) == "none") or (
            dlq is not None and dlq.named(shown.split(" ", 1)[-1])
        )
        res.fact(
            ok, "schedule-dlq", where, shown, dlq.owner if dlq else "none", s.where("Target.DeadLetterConfig")
        )

    match(result, "schedule", "Schedules", list(each_row(tabs, assembly.stages)), schedules, fits, compare)
