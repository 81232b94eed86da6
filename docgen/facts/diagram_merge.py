"""One architecture diagram per topology: environments whose diagrams have the same boxes, groups and arrows
(staging and prod differing only in sizes and counts) are drawn once, and what differs goes in a table.

A box whose label differs keeps the lines all environments share (at least its name); a subgraph keeps the
parts of its title they share (`public subnets (public)`); the VPC box keeps "VPC". Each difference names the
box as drawn and gives each environment's full label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from docgen.facts.diagram import DiagramModel

__all__ = ["Difference", "merge", "topologies"]


@dataclass(frozen=True)
class Difference:
    box: str  # the label as drawn in the shared diagram (lines separated by "\n")
    labels: tuple[str, ...]  # each environment's full label, in the order of the merged models
    component: str  # the component id, or "" for a subgraph or the VPC box


def shape(model: DiagramModel) -> tuple[object, ...]:
    """What must be equal for two environments to share a diagram: boxes, groups and arrows, not labels."""
    return (
        tuple((c.id, c.kind, c.tier) for c in model.components),
        tuple((t.id, t.in_vpc) for t in model.tiers),
        model.links,
        bool(model.vpc_label),
    )


def topologies(models: list[DiagramModel]) -> list[list[DiagramModel]]:
    """The environments grouped by shape, in the order of their first member."""
    groups: dict[tuple[object, ...], list[DiagramModel]] = {}
    for model in models:
        groups.setdefault(shape(model), []).append(model)
    return list(groups.values())


def merge(models: list[DiagramModel]) -> tuple[DiagramModel, list[Difference]]:
    """The shared diagram of models of one shape, and the boxes whose labels differ between them."""
    first = models[0]
    if len(models) == 1:
        return first, []
    diffs: list[Difference] = []
    components = []
    for i, component in enumerate(first.components):
        labels = tuple(m.components[i].label for m in models)
        if len(set(labels)) == 1:
            components.append(component)
            continue
        box = _common_box(labels) or component.name
        components.append(replace(component, label=box))
        diffs.append(Difference(box, labels, component.id))
    tiers = []
    for i, tier in enumerate(first.tiers):
        titles = tuple(m.tiers[i].label for m in models)
        if len(set(titles)) == 1:
            tiers.append(tier)
            continue
        box = _common_title(titles)
        tiers.append(replace(tier, label=box))
        diffs.append(Difference(box, titles, ""))
    vpc = first.vpc_label
    vpcs = tuple(m.vpc_label for m in models)
    if len(set(vpcs)) > 1:
        vpc = "\n".join(_common_lines(vpcs)) or _common_words(vpcs) or "VPC"
        diffs.append(Difference(vpc, vpcs, ""))
    merged = replace(first, environment=", ".join(m.environment for m in models))
    return replace(merged, components=tuple(components), tiers=tuple(tiers), vpc_label=vpc), diffs


def _common_box(labels: tuple[str, ...]) -> str:
    """The lines all labels share, then the words they share at the start of the first line that differs
    (`svc01` / `ECS Fargate 1× …` and `svc01` / `ECS Fargate 2× …` -> `svc01` / `ECS Fargate`)."""
    lines = _common_lines(labels)
    rest = tuple("\n".join(label.split("\n")[len(lines) :]) for label in labels)
    # up to the first figure: `ECS Fargate`, never `ECS Fargate 1×` (a count without what it counts)
    words = " ".join(_until_figure(_common_words(rest).split(" "))) if all(rest) else ""
    return "\n".join([*lines, words] if words else lines)


def _until_figure(words: list[str]) -> list[str]:
    out = []
    for word in words:
        if re.search(r"\d", word):
            break
        out.append(word)
    return out


def _common_lines(labels: tuple[str, ...]) -> list[str]:
    """The leading lines every label has, in order."""
    split = [label.split("\n") for label in labels]
    out = []
    for lines in zip(*split, strict=False):
        if len(set(lines)) > 1:
            break
        out.append(lines[0])
    return out


def _common_words(labels: tuple[str, ...]) -> str:
    """The words the first lines share from the start (`NAT gateway ×1` and `NAT gateway ×3` -> `NAT gateway`)."""
    firsts = [label.split("\n")[0].split(" ") for label in labels]
    out = []
    for words in zip(*firsts, strict=False):
        if len(set(words)) > 1:
            break
        out.append(words[0])
    return " ".join(out)


TITLE = re.compile(r"^(.*?) \((.*)\)$")


def _common_title(titles: tuple[str, ...]) -> str:
    """`public subnets (public, 2× /24)` and `(public, 3× /24)` -> `public subnets (public)`."""
    parsed = [TITLE.match(t) for t in titles]
    if not all(parsed) or len({m.group(1) for m in parsed if m}) > 1:
        return titles[0].split(" (")[0]
    parts = [m.group(2).split(", ") for m in parsed if m]
    kept = [p for p in parts[0] if all(p in other for other in parts[1:])]
    head = parsed[0].group(1) if parsed[0] else titles[0]
    return f"{head} ({', '.join(kept)})" if kept else head
