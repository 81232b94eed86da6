"""Mermaid, for the kinds of issue 18: every EFS file system and every scheduled Fargate job of an environment is
a node of its architecture diagram, its label's claims hold (throughput mode, encryption, mount targets; task
size, schedule expression and time zone), and it is drawn in the subnet group its mount targets or task use."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.mermaid import Node
from tests.doccheck.report import Result
from tests.doccheck.values import numbers

Placed = Callable[[Node, Resource, "list[Resource | None] | None"], None]


def check(
    result: Result, where: str, found: list[Node], stage: Stage, assembly: Assembly, placed: Placed
) -> None:
    for fs in stage.resources("AWS::EFS::FileSystem"):
        node = _node(found, fs, r"\befs\b")
        if result.fact(
            node is not None, "diagram-node-efs", f"{where} / {fs.owner}", "no node", fs.owner, fs.where()
        ):
            assert node is not None
            targets = _mount_targets(fs, stage, assembly)
            _efs_label(result, f"{where} / {node.first}", node, fs, len(targets))
            placed(node, fs, [assembly.resolve(t.stack, t.props.get("SubnetId")) for t in targets])
    for schedule in stage.resources("AWS::Scheduler::Schedule"):
        ecs = (schedule.props.get("Target") or {}).get("EcsParameters")
        task = assembly.resolve(schedule.stack, (ecs or {}).get("TaskDefinitionArn"))
        if ecs is None or task is None:
            continue
        node = _node(found, task, r"fargate|\becs\b")
        here = f"{where} / job {task.owner}"
        if result.fact(node is not None, "diagram-node-job", here, "no node", task.owner, schedule.where()):
            assert node is not None
            _job_label(result, here, node, schedule, task)
            config = (ecs.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or {}
            subnets = config.get("Subnets")
            resolved = [assembly.resolve(schedule.stack, s) for s in subnets] if subnets else None
            placed(node, schedule, resolved)


def _node(found: list[Node], res: Resource, kind: str) -> Node | None:
    return next((n for n in found if res.named(n.first) and re.search(kind, n.rest, re.I)), None)


def _mount_targets(fs: Resource, stage: Stage, assembly: Assembly) -> list[Resource]:
    return [
        t
        for t in stage.resources("AWS::EFS::MountTarget")
        if assembly.resolve(t.stack, t.props.get("FileSystemId")) is fs
    ]


def _efs_label(result: Result, where: str, node: Node, fs: Resource, targets: int) -> None:
    text = node.rest.lower()
    mode = str(fs.props.get("ThroughputMode", "bursting")).lower()
    result.fact(mode in text, "diagram-efs-throughput", where, node.rest, mode, fs.where("ThroughputMode"))
    shown = "encrypted" in text
    result.equal(
        "diagram-efs-encrypted", where, shown, fs.props.get("Encrypted") is True, fs.where("Encrypted")
    )
    m = re.search(r"(\d+) mount targets?", text)
    if m:
        result.equal(
            "diagram-efs-mount-targets", where, float(m.group(1)), float(targets), fs.where("MountTarget")
        )


def _job_label(result: Result, where: str, node: Node, schedule: Resource, task: Resource) -> None:
    text = node.rest
    expression = str(schedule.props.get("ScheduleExpression"))
    zone = str(schedule.props.get("ScheduleExpressionTimezone", "UTC"))
    ok = expression in text and zone in text
    result.fact(
        ok, "diagram-job-schedule", where, text, f"{expression} {zone}", schedule.where("ScheduleExpression")
    )
    m = re.search(r"([\d.]+) vCPU/([\d.]+) GiB", text)
    if m:
        want: Any = [float(task.props.get("Cpu", 0)) / 1024, float(task.props.get("Memory", 0)) / 1024]
        result.equal("diagram-job-size", where, numbers(m.group(0)), want, task.where("Cpu, Memory"))
