"""Shared file systems (EFS), schedules (EventBridge Scheduler) and scheduled jobs, read back from the doc's
tables by their columns: every file system, schedule and job of the templates has a row saying what the template
sets (encryption, throughput mode, access point paths and POSIX users, mount targets; expression, time zone,
target, retries, DLQ; the job's task size, architecture, schedule and mount paths)."""

from __future__ import annotations

import re

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import Row, each_row, match, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.report import Result
from tests.doccheck.values import cpu_units, first_number, memory_mib, words, yes_no


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _file_systems(doc, assembly, result)
    _schedules(doc, assembly, result)
    _jobs(doc, assembly, result)
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


def _jobs(doc: Doc, assembly: Assembly, result: Result) -> None:
    """A schedule running a Fargate task is a job: its row gives the task's size and what it mounts."""
    jobs = []
    for s in assembly.resources("AWS::Scheduler::Schedule"):
        ecs = (s.props.get("Target") or {}).get("EcsParameters")
        task = assembly.resolve(s.stack, (ecs or {}).get("TaskDefinitionArn")) if ecs else None
        if task is not None:
            jobs.append((s, task))
    tabs = tables(doc, result, "Compute > Scheduled jobs", ("job", "task definition"), needed=bool(jobs))

    def fits(row: Row, job: tuple[Resource, Resource]) -> bool:
        table, cells, env = row
        return env == job[1].stack.stage and job[1].named(cells[table.column("job") or ""])

    def compare(res: Result, row: Row, job: tuple[Resource, Resource]) -> None:
        table, cells, _ = row
        schedule, task = job
        where = f"Compute > Scheduled jobs / {task.stack.stage} / {task.owner}"
        col = lambda name: cells.get(table.column(name) or "", "")  # noqa: E731
        res.equal("job-cpu", where, cpu_units(col("cpu")), float(task.props.get("Cpu", 0)), task.where("Cpu"))
        memory = float(task.props.get("Memory", 0))
        res.equal("job-memory", where, memory_mib(col("memory")), memory, task.where("Memory"))
        arch = (task.props.get("RuntimePlatform") or {}).get("CpuArchitecture", "X86_64")
        res.equal("job-arch", where, col("arch").upper(), arch, task.where("RuntimePlatform"))
        expression = schedule.props.get("ScheduleExpression")
        res.equal("job-schedule", where, col("schedule"), expression, schedule.where("ScheduleExpression"))
        paths = [
            str(m.get("ContainerPath"))
            for c in task.props.get("ContainerDefinitions", [])
            for m in c.get("MountPoints", [])
            if _efs_volume(task, str(m.get("SourceVolume")))
        ]
        shown = col("mounts")
        ok = all(p in shown for p in paths) and (bool(paths) or words(shown) == "none")
        res.fact(ok, "job-mounts", where, shown, paths or "none", task.where("MountPoints"))

    rows = list(each_row(tabs, assembly.stages))
    match(result, "job", "Compute > Scheduled jobs", rows, jobs, fits, compare)


def _efs_volume(task: Resource, name: str) -> bool:
    return any(
        v.get("Name") == name and v.get("EFSVolumeConfiguration") for v in task.props.get("Volumes", [])
    )
