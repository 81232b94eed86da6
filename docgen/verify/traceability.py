"""Requirement traceability: each requirement id to the components, constructs and logical ids that carry it.

Read from the `Requirements` tags (space-separated ids) and the `Service` tags in the synthesized templates:
a requirement is satisfied when at least one resource of the design carries its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from docgen.assembly.model import Assembly, Resource


@dataclass(frozen=True)
class Trace:
    """Where one requirement is satisfied by one component, across every environment that has it."""

    requirement: str
    component: str  # the Service tag
    seqs: tuple[str, ...]  # Seq tags of its resources
    environments: tuple[str, ...]
    constructs: tuple[str, ...]  # construct paths without the environment prefix (L2 where known)
    logical_ids: tuple[str, ...]
    types: tuple[str, ...]
    resources: tuple[Resource, ...] = ()  # the resources whose Requirements tag carries it


def _without_env(path: str, environment: str) -> str:
    return path.removeprefix(environment + "/")


def construct_of(resource: Resource) -> str:
    """The construct a resource belongs to: its L2 path, else its own path without a trailing `/Resource`."""
    path = resource.l2_path or resource.path.removesuffix("/Resource")
    return _without_env(path, resource.environment)


def build(assembly: Assembly, order: Iterable[str] = ()) -> list[Trace]:
    """Every (requirement, component) pair the tags show, sorted by requirement then component."""
    groups: dict[tuple[str, str], list[Resource]] = {}
    for resource in assembly.resources:
        for requirement in resource.requirements:
            if requirement == "none":
                continue
            groups.setdefault((requirement, resource.service or "(untagged)"), []).append(resource)
    env_rank = {env: i for i, env in enumerate(order)}
    traces = []
    for (requirement, component), members in sorted(groups.items()):
        traces.append(
            Trace(
                requirement=requirement,
                component=component,
                seqs=tuple(sorted({r.seq for r in members if r.seq}, key=lambda s: (len(s), s))),
                environments=tuple(
                    sorted(
                        {r.environment for r in members}, key=lambda e: (env_rank.get(e, len(env_rank)), e)
                    )
                ),
                constructs=tuple(sorted({construct_of(r) for r in members})),
                logical_ids=tuple(sorted({r.logical_id for r in members})),
                types=tuple(sorted({r.type for r in members})),
                resources=tuple(members),
            )
        )
    return traces


def satisfied(traces: Iterable[Trace]) -> dict[str, list[str]]:
    """Requirement id -> the components that carry it."""
    out: dict[str, list[str]] = {}
    for trace in traces:
        out.setdefault(trace.requirement, []).append(trace.component)
    return out


def unsatisfied(requested: Iterable[str], traces: Iterable[Trace]) -> list[str]:
    """The requested ids nothing in the design carries, in the order they were asked for."""
    have = satisfied(traces)
    return [rid for rid in requested if rid not in have]


def rows(traces: Iterable[Trace], verdicts: Mapping[str, str]) -> list[list[str]]:
    """Table rows: requirement, component, seq, environments, constructs, logical ids, verification."""
    return [
        [
            t.requirement,
            t.component,
            ", ".join(t.seqs) or "-",
            ", ".join(t.environments),
            "<br>".join(t.constructs),
            ", ".join(t.logical_ids),
            verdicts.get(t.requirement, "-"),
        ]
        for t in traces
    ]


HEADERS = [
    "Requirement",
    "Component",
    "Seq",
    "Environments",
    "Constructs",
    "CloudFormation logical ids",
    "Verification",
]
