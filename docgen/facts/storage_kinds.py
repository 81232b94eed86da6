"""Shared file systems (EFS), schedules (EventBridge Scheduler) and scheduled jobs: for each file system its
encryption, throughput and performance modes, lifecycle, access points, mount targets and whether a backup plan
selects it; for each schedule its expression, time zone, target, retry policy and dead-letter queue; for each
job (a schedule that runs a Fargate task) its task's size, architecture and mounted file systems."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, derived, exists, gib_from_mib, join, prop, vcpu_from_units, yes_no
from docgen.facts.index import Index
from docgen.facts.names import component, labelled

FILE_SYSTEM = "AWS::EFS::FileSystem"
SCHEDULE = "AWS::Scheduler::Schedule"
TASK = "AWS::ECS::TaskDefinition"


@dataclass(frozen=True)
class FileSystem:
    resource: Resource
    name: Fact
    encrypted: Fact
    throughput: Fact
    performance: Fact
    lifecycle: Fact
    access_points: Fact  # "/reports (uid 1001, gid 1001)"
    mount_targets: Fact  # how many, one per subnet
    backup: Fact  # the backup plans whose selections name it


def file_systems(index: Index, env: str) -> list[FileSystem]:
    out = []
    for fs in index.of_type(FILE_SYSTEM, env):
        points = index.referring(fs, "AWS::EFS::AccessPoint", "FileSystemId")
        targets = index.referring(fs, "AWS::EFS::MountTarget", "FileSystemId")
        out.append(
            FileSystem(
                resource=fs,
                name=component(fs),
                encrypted=prop(fs, "Encrypted", default=False, fmt=yes_no),
                throughput=prop(fs, "ThroughputMode", default="bursting"),
                performance=prop(fs, "PerformanceMode", default="generalPurpose"),
                lifecycle=_lifecycle(fs),
                access_points=join([_access_point(p) for p in points], "<br>", "none", none=fs),
                mount_targets=derived(
                    len(targets), str(len(targets)), [exists(t, "mount target") for t in targets]
                )
                if targets
                else exists(fs, "0", 0),
                backup=_backup(index, fs, env),
            )
        )
    return sorted(out, key=lambda f: f.name.text)


def _lifecycle(fs: Resource) -> Fact:
    policies = prop(fs, "LifecyclePolicies", default=[])
    moves = [
        p.get("TransitionToIA")
        for p in policies.value or []
        if isinstance(p, dict) and p.get("TransitionToIA")
    ]
    text = (
        "IA " + moves[0].replace("AFTER_", "after ").replace("_DAYS", " days").replace("_DAY", " day").lower()
        if moves
        else "none"
    )
    return derived(policies.value, text, [policies])


def _access_point(point: Resource) -> Fact:
    path = prop(point, "RootDirectory", "Path", default="/")
    uid = prop(point, "PosixUser", "Uid", default="-")
    gid = prop(point, "PosixUser", "Gid", default="-")
    return derived(path.value, f"{path.text} (uid {uid.text}, gid {gid.text})", [path, uid, gid])


def _backup(index: Index, fs: Resource, env: str) -> Fact:
    """The plans of the backup selections that name this file system."""
    plans = []
    for selection in index.of_type("AWS::Backup::BackupSelection", env):
        resources = (selection.properties.get("BackupSelection") or {}).get("Resources")
        if fs in index.targets(selection, resources):
            plan = index.targets(selection, selection.properties.get("BackupPlanId"))
            plans.append(
                prop(plan[0], "BackupPlan", "BackupPlanName") if plan else exists(selection, "a plan")
            )
    return join(plans, ", ", "not in a backup plan", none=fs)


@dataclass(frozen=True)
class Schedule:
    resource: Resource
    name: Fact
    expression: Fact
    time_zone: Fact
    target: Fact
    retry: Fact
    dead_letter: Fact
    state: Fact


def schedules(index: Index, env: str) -> list[Schedule]:
    out = []
    for s in index.of_type(SCHEDULE, env):
        target = s.properties.get("Target") or {}
        arn = target.get("Arn")
        hits = index.targets(
            s, (target.get("EcsParameters") or {}).get("TaskDefinitionArn")
        ) or index.targets(s, arn)
        what = labelled(hits[0]) if hits else prop(s, "Target", "Arn")
        attempts = prop(s, "Target", "RetryPolicy", "MaximumRetryAttempts", default=185)
        age = prop(s, "Target", "RetryPolicy", "MaximumEventAgeInSeconds", default=86400)
        retry = derived(attempts.value, f"{attempts.text} attempts within {age.text} s", [attempts, age])
        dlq = index.targets(s, (target.get("DeadLetterConfig") or {}).get("Arn"))
        out.append(
            Schedule(
                resource=s,
                name=component(hits[0]) if hits else component(s),
                expression=prop(s, "ScheduleExpression"),
                time_zone=prop(s, "ScheduleExpressionTimezone", default="UTC"),
                target=what,
                retry=retry,
                dead_letter=labelled(dlq[0]) if dlq else exists(s, "none", ""),
                state=prop(s, "State", default="ENABLED", fmt=lambda v: str(v).lower()),
            )
        )
    return sorted(out, key=lambda x: (x.name.text, x.expression.text))


@dataclass(frozen=True)
class Job:
    schedule: Resource
    task: Resource
    name: Fact
    family: Fact
    cpu: Fact
    memory: Fact
    architecture: Fact
    expression: Fact
    mounts: Fact  # "/mnt/reports ← shared-files (read-write)"


def jobs(index: Index, env: str) -> list[Job]:
    out = []
    for s in index.of_type(SCHEDULE, env):
        ecs = (s.properties.get("Target") or {}).get("EcsParameters")
        tasks = [t for t in index.targets(s, (ecs or {}).get("TaskDefinitionArn")) if t.type == TASK]
        if ecs is None or not tasks:
            continue
        task = tasks[0]
        out.append(
            Job(
                schedule=s,
                task=task,
                name=component(task),
                family=prop(task, "Family", default=task.logical_id),
                cpu=prop(task, "Cpu", fmt=vcpu_from_units),
                memory=prop(task, "Memory", fmt=gib_from_mib),
                architecture=prop(task, "RuntimePlatform", "CpuArchitecture", default="X86_64"),
                expression=prop(s, "ScheduleExpression"),
                mounts=_mounts(index, task),
            )
        )
    return sorted(out, key=lambda j: j.name.text)


def _mounts(index: Index, task: Resource) -> Fact:
    """The app container's mount points on EFS volumes, with the file system each volume names."""
    volumes = {
        str(v.get("Name")): (i, v)
        for i, v in enumerate(task.properties.get("Volumes") or ())
        if isinstance(v, dict) and v.get("EFSVolumeConfiguration")
    }
    found = []
    for c, container in enumerate(task.properties.get("ContainerDefinitions") or ()):
        for m, mount in enumerate((container or {}).get("MountPoints") or ()):
            if not isinstance(mount, dict) or str(mount.get("SourceVolume")) not in volumes:
                continue
            i, volume = volumes[str(mount.get("SourceVolume"))]
            fs = index.targets(task, volume["EFSVolumeConfiguration"].get("FilesystemId"))
            path = prop(task, "ContainerDefinitions", c, "MountPoints", m, "ContainerPath")
            ro = prop(task, "ContainerDefinitions", c, "MountPoints", m, "ReadOnly", default=False)
            what = component(fs[0]) if fs else prop(task, "Volumes", i, "Name")
            mode = "read-only" if ro.value is True else "read-write"
            found.append(derived(path.value, f"{path.text} ← {what.text} ({mode})", [path, ro, what]))
    return join(found, "<br>", "none", none=task)
