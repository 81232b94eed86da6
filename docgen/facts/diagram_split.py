"""Large architectures drawn readably: an overview in which workloads of one kind, tier and work item (Seq tag)
are one box with their count, and detail diagrams of at most about LIMIT boxes that show every component.

A diagram of a hundred boxes and two hundred arrows renders as a strip in which no name can be read. The overview
keeps every box that stands alone (load balancers, databases, caches, secrets, the VPC's tiers) and folds each
crowd (3+ services, functions or queues of the same kind, tier and seq) into one box; its arrows are the
originals redrawn between boxes, so nothing is claimed that the templates do not show. Each detail diagram
takes a run of one crowd's members with everything they link to, so every component and arrow of the full
diagram is drawn in some detail diagram.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from docgen.assembly.model import Assembly, resource_key
from docgen.facts.diagram import Component, DiagramModel, Link

__all__ = ["LIMIT", "Split", "seq_reader", "split"]

LIMIT = 30  # boxes per diagram: about what a page-wide rendering keeps legible
CROWD = 3  # this many of one kind, tier and seq become one box in the overview
NOUNS = {
    "ecs": ("ECS service", "ECS services"),
    "lambda": ("Lambda function", "Lambda functions"),
    "queue": ("SQS queue", "SQS queues"),
    "topic": ("SNS topic", "SNS topics"),
    "secret": ("secret", "secrets"),
    "bucket": ("S3 bucket", "S3 buckets"),
    "table": ("DynamoDB table", "DynamoDB tables"),
    "ec2": ("EC2 instance", "EC2 instances"),
    "asg": ("Auto Scaling group", "Auto Scaling groups"),
    "rule": ("EventBridge rule", "EventBridge rules"),
}
WORKLOADS = ("ecs", "lambda", "ec2", "asg")  # a detail diagram follows these, with what they link to


@dataclass(frozen=True)
class Crowd:
    id: str  # the overview box's id
    kind: str
    tier: str
    seq: str  # "" without a Seq tag
    members: tuple[Component, ...]

    @property
    def label(self) -> str:
        noun = NOUNS.get(self.kind, (self.kind, f"{self.kind}s"))[1]
        first, last = self.members[0].name, self.members[-1].name
        seq = f", seq {self.seq}" if self.seq else ""
        return f"{len(self.members)} {noun}{seq}\n{first} … {last}"


@dataclass(frozen=True)
class Split:
    overview: DiagramModel
    crowds: tuple[Crowd, ...]
    details: tuple[tuple[str, DiagramModel], ...]  # (title, diagram)


def seq_reader(assembly: Assembly, environment: str) -> Callable[[Component], str | None]:
    """A component's work item: the Seq tag of the first of its resources that has one."""
    by_key = {resource_key(r): r for r in assembly.in_environment(environment)}
    return lambda c: next((by_key[k].seq for k in c.resources if k in by_key and by_key[k].seq), None)


def split(model: DiagramModel, seq_of: Callable[[Component], str | None]) -> Split | None:
    """None when the diagram is small enough to draw whole."""
    if len(model.components) + bool(model.vpc_label) <= LIMIT:
        return None
    crowds = _crowds(model, seq_of)
    if not crowds:
        return None
    return Split(_overview(model, crowds), tuple(crowds), tuple(_details(model, crowds)))


def _crowds(model: DiagramModel, seq_of: Callable[[Component], str | None]) -> list[Crowd]:
    buckets: dict[tuple[str, str, str], list[Component]] = {}
    for c in model.components:
        if c.kind in NOUNS:
            buckets.setdefault((c.kind, c.tier, seq_of(c) or ""), []).append(c)
    return [
        Crowd(f"crowd_{kind}_{tier}_{seq or 'none'}".replace("-", "_"), kind, tier, seq, tuple(members))
        for (kind, tier, seq), members in buckets.items()
        if len(members) >= CROWD
    ]


def _overview(model: DiagramModel, crowds: list[Crowd]) -> DiagramModel:
    into = {m.id: crowd.id for crowd in crowds for m in crowd.members}
    components: list[Component] = []
    placed: set[str] = set()
    for c in model.components:
        box = into.get(c.id)
        if box is None:
            components.append(c)
        elif box not in placed:
            crowd = next(x for x in crowds if x.id == box)
            resources = tuple(r for m in crowd.members for r in m.resources)
            components.append(
                Component(box, crowd.label.split("\n")[0], c.kind, c.tier, crowd.label, resources)
            )
            placed.add(box)
    labels: dict[tuple[str, str, str], list[str]] = {}
    for x in model.links:
        key = (into.get(x.source, x.source), into.get(x.target, x.target), x.kind)
        if key[0] != key[1]:
            labels.setdefault(key, []).append(x.label)
    links = tuple(
        sorted(
            (Link(s, t, _merged_label(found), kind) for (s, t, kind), found in labels.items()),
            key=lambda x: (x.source, x.target, x.kind, x.label),
        )
    )
    return replace(model, components=tuple(components), links=links)


def _merged_label(labels: list[str]) -> str:
    """The arrows one overview arrow stands for: their label when they share it, else the first and last with
    the count (`tcp 8001 … tcp 8040 (40 arrows)`)."""
    unique = list(dict.fromkeys(label for label in labels if label))
    if len(unique) <= 1:
        return unique[0] if unique else ""
    if len(unique) == 2:
        return ", ".join(unique)
    return f"{unique[0]} … {unique[-1]} ({len(labels)} arrows)"


def _details(model: DiagramModel, crowds: list[Crowd]) -> list[tuple[str, DiagramModel]]:
    """Runs of each workload crowd's members with their neighbours, at most LIMIT boxes each; then whatever no
    detail drew yet (a crowd of queues no workload sends to, say)."""
    out: list[tuple[str, DiagramModel]] = []
    drawn: set[str] = set()
    for crowd in [c for c in crowds if c.kind in WORKLOADS] + [c for c in crowds if c.kind not in WORKLOADS]:
        pending = [m for m in crowd.members if m.id not in drawn]
        runs = _runs(model, pending)
        for i, run in enumerate(runs, 1):
            boxes = _with_neighbours(model, run)
            drawn |= boxes
            part = f" ({i} of {len(runs)})" if len(runs) > 1 else ""
            noun = NOUNS[crowd.kind][1]
            seq = f", seq {crowd.seq}" if crowd.seq else ""
            title = f"{noun}{seq}{part}: {run[0].name} … {run[-1].name}" if len(run) > 1 else run[0].name
            out.append((title, _subset(model, boxes)))
    return out


def _runs(model: DiagramModel, members: list[Component]) -> list[list[Component]]:
    runs: list[list[Component]] = []
    current: list[Component] = []
    for member in members:
        if current and len(_with_neighbours(model, [*current, member])) + bool(model.vpc_label) > LIMIT:
            runs.append(current)
            current = []
        current.append(member)
    return [*runs, current] if current else runs


def _with_neighbours(model: DiagramModel, members: list[Component]) -> set[str]:
    ids = {m.id for m in members}
    return (
        ids
        | {x.target for x in model.links if x.source in ids}
        | {x.source for x in model.links if x.target in ids}
    )


def _subset(model: DiagramModel, boxes: set[str]) -> DiagramModel:
    components = tuple(c for c in model.components if c.id in boxes)
    tiers = tuple(t for t in model.tiers if any(c.tier == t.id for c in components))
    links = tuple(x for x in model.links if x.source in boxes and x.target in boxes)
    return replace(model, components=components, tiers=tiers, links=links)
