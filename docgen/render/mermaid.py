"""Mermaid flowchart source for the design doc: architecture, deployment progression, CI/CD pipeline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from docgen.assembly.model import Assembly, resource_key
from docgen.facts.diagram import DiagramModel, build_model, node_id
from docgen.facts.diagram_merge import merge, topologies
from docgen.facts.diagram_split import seq_reader, split
from docgen.facts.fact import Source, resource_source
from docgen.facts.index import env_sorted, phase

__all__ = ["architecture", "deployment_progression", "escape", "pipeline", "render_architecture"]

# Text labels only: icon packs (architecture-beta, fa:) do not render on GitHub.
SHAPES = {"users": ('(["', '"])'), "rds": ('[("', '")]'), "cache": ('[("', '")]'), "table": ('[("', '")]')}
# Secrets are read once at task start, not traffic: draw them dotted so the data paths stand out.
ARROWS = {"secret": "-.->"}
VPC_NODE = "vpc_info"  # not a component id: those all start with their kind
ENTITIES = (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;"))


def escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label: entity codes for what the parser would take as syntax."""
    for char, code in ENTITIES:  # "#" first: the codes themselves start with it
        text = text.replace(char, code)
    return text


def _label(text: str) -> str:
    return "<br/>".join(escape(line) for line in text.split("\n"))


def _node(node: str, text: str, kind: str = "") -> str:
    opening, closing = SHAPES.get(kind, ('["', '"]'))
    return f"{node}{opening}{_label(text)}{closing}"


def _edge(source: str, target: str, label: str = "", arrow: str = "-->") -> str:
    return f'{source} {arrow}|"{_label(label)}"| {target}' if label else f"{source} {arrow} {target}"


# --- architecture ------------------------------------------------------------------------------------


def architecture(assembly: Assembly, environment: str) -> str:
    """The architecture of one environment: Internet, Edge, the VPC by subnet tier, regional services."""
    return render_architecture(build_model(assembly, environment))


def render_architecture(model: DiagramModel) -> str:
    lines = ["flowchart LR"]
    if not model.components:  # an empty flowchart renders as nothing at all: say why instead
        return f'flowchart LR\n  none["{_label(f"No components in environment {model.environment}")}"]\n'
    vpc_tiers = [t for t in model.tiers if t.in_vpc]
    for tier in model.tiers:
        if tier.in_vpc and tier is vpc_tiers[0]:
            # A nested subgraph's title is drawn over its parent's (dagre puts both at the top edge), so the
            # VPC's CIDR and AZs go in a node of their own inside an untitled VPC box.
            lines.append('  subgraph grp_vpc[" "]')
            lines.append(f"    {_node(VPC_NODE, model.vpc_label or 'VPC')}")
        indent = "    " if tier.in_vpc else "  "
        lines.append(f'{indent}subgraph grp_{tier.id}["{_label(tier.label)}"]')
        lines += [f"{indent}  {_node(c.id, c.label, c.kind)}" for c in model.in_tier(tier.id)]
        lines.append(f"{indent}end")
        if tier.in_vpc and tier is vpc_tiers[-1]:
            lines.append("  end")
    lines += [f"  {edge}" for edge in _grouped_edges(model.links)]
    return "\n".join(lines) + "\n"


def _grouped_edges(links: Iterable[Any]) -> list[str]:
    """Arrows with the same label and target drawn as one line (`a & b -->|"tcp 5432"| db`), then those with the
    same source and label (`users -->|"HTTPS"| x & y`): the same arrows, fewer lines to read."""
    by_target: dict[tuple[str, str, str], list[str]] = {}
    for x in links:
        by_target.setdefault((x.target, x.label, ARROWS.get(x.kind, "-->")), []).append(x.source)
    singles: dict[tuple[str, str, str], list[str]] = {}
    out: list[tuple[str, str]] = []
    for (target, label, arrow), sources in by_target.items():
        if len(sources) > 1:
            out.append((sources[0], _edge(" & ".join(sources), target, label, arrow)))
        else:
            singles.setdefault((sources[0], label, arrow), []).append(target)
    for (source, label, arrow), targets in singles.items():
        out.append((source, _edge(source, " & ".join(targets), label, arrow)))
    return [edge for _, edge in sorted(out)]


# --- deployment progression ------------------------------------------------------------------------------


def deployment_progression(assembly: Assembly, compose: Mapping[str, Any] | None) -> str:
    """Development (Docker Compose) → the synthesized environments in promotion order, with their services."""
    lines, nodes = ["flowchart LR"], []
    if compose is not None:
        services = compose.get("services") or []  # generated/compose.json: a list of {name, role, ...}
        names = sorted(str(s.get("name")) if isinstance(s, Mapping) else str(s) for s in services)
        text = "Development\nDocker Compose (local)"
        if names:
            text += f"\n{len(names)} services: " + ", ".join(names)
        nodes.append(("local_compose", text))
    counted = Counter((s.environment, s.region) for s in assembly.stacks)
    regions: dict[str, str] = {}
    for (env, region), _ in counted.most_common():  # an environment's primary region: most of its stacks
        regions.setdefault(env, region)
    for environment in env_sorted(assembly.environments):
        ecs = assembly.of_type("AWS::ECS::Service", environment)
        names = sorted({s.service or s.label or s.logical_id for s in ecs})
        fargate = any(
            s.properties.get("LaunchType") == "FARGATE"
            or "FARGATE" in str(s.properties.get("CapacityProviderStrategy", ""))
            for s in ecs
        )
        platform = "ECS Fargate" if fargate else "ECS" if ecs else "AWS"
        tasks = sum(
            int(d)
            for s in ecs
            if isinstance(d := s.properties.get("DesiredCount"), int | str) and str(d).isdigit()
        )
        text = f"{phase(environment)} ({environment})\n{platform}, {regions.get(environment) or 'any region'}"
        text += (
            f"\n{len(names)} services, {tasks} tasks: {', '.join(names)}" if names else "\nno ECS services"
        )
        nodes.append((f"env_{node_id(environment)}", text))
    if not nodes:
        return 'flowchart LR\n  none["No environments: run make synth"]\n'
    lines += [f"  {_node(node, text)}" for node, text in nodes]
    stacks = {
        f"env_{node_id(env)}": {
            s.construct_path.removeprefix(env + "/") for s in assembly.stacks if s.environment == env
        }
        for env in assembly.environments
    }
    # A promotion joins environments that deploy the same stacks; independent Stages are not a pipeline.
    lines += [
        f"  {_edge(a, b, 'promote')}"
        for (a, _), (b, _) in pairwise(nodes)
        if a == "local_compose" or stacks.get(a, set()) & stacks.get(b, set())
    ]
    return "\n".join(lines) + "\n"


# --- CI/CD pipeline ------------------------------------------------------------------------------------


def _stages(raw: Any) -> list[dict[str, Any]]:
    """Stages as dicts with a name, from a list or a {name: stage} mapping; anything else is skipped."""
    if isinstance(raw, Mapping):
        raw = [{"name": name, **(body if isinstance(body, Mapping) else {})} for name, body in raw.items()]
    stages = []
    for index, stage in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(stage, Mapping):
            stages.append({**stage, "name": str(stage.get("name") or f"stage-{index + 1}")})
        elif isinstance(stage, str):
            stages.append({"name": stage})
    return stages


def _needs(stage: Mapping[str, Any]) -> list[str]:
    needs = stage.get("needs") or []
    return [needs] if isinstance(needs, str) else [str(n) for n in needs if n]


def pipeline(pipeline: Mapping[str, Any]) -> str:
    """The CI/CD pipeline: one node per stage, `needs` edges, a gate before each stage needing approval."""
    stages = _stages(pipeline.get("stages"))
    ids: dict[str, str] = {}
    for stage in stages:
        base, node, n = f"stage_{node_id(stage['name'])}", f"stage_{node_id(stage['name'])}", 2
        while node in ids.values():  # two names that sanitize alike keep distinct nodes
            node, n = f"{base}_{n}", n + 1
        ids.setdefault(stage["name"], node)
        if stage.get("id"):  # `needs` may name a stage by its id (generated/pipeline.json does)
            ids.setdefault(str(stage["id"]), node)
    platform = str(pipeline.get("platform") or "CI/CD pipeline")
    # Edges stay inside the subgraph: a subgraph linked from outside ignores its direction and runs top-down.
    lines = ["flowchart LR", f'  subgraph grp_pipeline["{_label(platform)}"]', "    direction LR"]
    if not stages:
        lines.append('    none["no stages"]')
    edges: list[str] = []
    for stage in stages:
        node, details = ids[stage["name"]], [stage["name"]]
        if stage.get("trigger"):
            details.append(f"on: {stage['trigger']}")
        if stage.get("environment"):
            details.append(f"environment: {stage['environment']}")
        lines.append(f"    {_node(node, chr(10).join(details))}")
        sources = []
        for need in _needs(stage):
            if need not in ids:  # a need the model does not define still shows, marked as such
                ids[need] = f"stage_{node_id(need)}_undefined"
                lines.append(f"    {_node(ids[need], need + chr(10) + '(not defined)')}")
            sources.append(ids[need])
        if stage.get("approval"):
            gate = f"gate_{node}"
            lines.append(f'    {gate}{{{{"{_label("manual approval")}"}}}}')
            edges += [_edge(s, gate) for s in sources] + [_edge(gate, node, "approved")]
        else:
            edges += [_edge(s, node) for s in sources]
    lines += [f"    {e}" for e in edges]
    lines.append("  end")
    return "\n".join(lines) + "\n"


# --- the same diagrams with the sources of their labels (the doc's source map) ------------------------

Labels = list[tuple[str, list[Source]]]


def architecture_labelled(assembly: Assembly, environment: str) -> tuple[str, Labels]:
    """The architecture text, and per box its label with the resources it stands for."""
    model = build_model(assembly, environment)
    by_key = {resource_key(r): r for r in assembly.in_environment(environment)}
    members = {
        c.id: [resource_source(by_key[k]) for k in c.resources if k in by_key] for c in model.components
    }
    # "Users" stands for no resource: it is there because these components accept traffic from the internet.
    members["users"] = [s for x in model.links if x.source == "users" for s in members.get(x.target, [])]
    labels = [(c.label.replace("\n", " / "), members[c.id]) for c in model.components]
    return render_architecture(model), labels


@dataclass(frozen=True)
class ArchitectureGroup:
    """Environments drawn as one diagram: its text and label sources, and the boxes whose labels differ."""

    environments: tuple[str, ...]
    text: str
    labels: Labels
    # (box as drawn, each environment's full label, the sources of each environment's box)
    differences: tuple[tuple[str, tuple[str, ...], tuple[list[Source], ...]], ...]
    # a large diagram's detail diagrams (the text above is then its overview): (title, text, labels)
    details: tuple[tuple[str, str, Labels], ...] = ()


def architecture_groups(assembly: Assembly, environments: Iterable[str]) -> list[ArchitectureGroup]:
    """One diagram per topology: environments with the same boxes and arrows share one (see diagram_merge)."""
    models = [build_model(assembly, env) for env in environments]
    out = []
    for group in topologies(models):
        merged, diffs = merge(group)
        sources = [_component_sources(assembly, m) for m in group]
        labels = [
            (c.label.replace("\n", " / "), [s for src in sources for s in src.get(c.id, [])])
            for c in merged.components
        ]
        rows = tuple(
            (
                d.box,
                d.labels,
                tuple(
                    _difference_sources(assembly, m, d.component, src)
                    for m, src in zip(group, sources, strict=True)
                ),
            )
            for d in diffs
        )
        envs = tuple(m.environment for m in group)
        large = split(merged, seq_reader(assembly, group[0].environment))
        if large is None:
            out.append(ArchitectureGroup(envs, render_architecture(merged), labels, rows))
            continue
        # A crowd member's sizes are in the Compute tables; its box in a detail diagram shows only its name, so
        # a row per member here would repeat them sixty times.
        members = {m.id for crowd in large.crowds for m in crowd.members}
        rows = tuple(r for r, d in zip(rows, diffs, strict=True) if d.component not in members)
        mine = dict(zip((c.id for c in merged.components), labels, strict=True))
        overview = [mine[c.id] for c in large.overview.components if c.id in mine]
        for crowd in large.crowds:
            found = [s for m in crowd.members for s in mine[m.id][1]]
            overview.append((crowd.label.replace("\n", " / "), found))
        details = tuple(
            (title, render_architecture(detail), [mine[c.id] for c in detail.components])
            for title, detail in large.details
        )
        out.append(ArchitectureGroup(envs, render_architecture(large.overview), overview, rows, details))
    return out


def _component_sources(assembly: Assembly, model: DiagramModel) -> dict[str, list[Source]]:
    by_key = {resource_key(r): r for r in assembly.in_environment(model.environment)}
    members = {
        c.id: [resource_source(by_key[k]) for k in c.resources if k in by_key] for c in model.components
    }
    members["users"] = [s for x in model.links if x.source == "users" for s in members.get(x.target, [])]
    return members


def _difference_sources(
    assembly: Assembly, model: DiagramModel, component: str, members: dict[str, list[Source]]
) -> list[Source]:
    """A box's resources; for a subgraph or the VPC box, the environment's VPCs and subnets."""
    if component:
        return members.get(component, [])
    network = ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway")
    return [resource_source(r) for r in assembly.in_environment(model.environment) if r.type in network]


def progression_labelled(assembly: Assembly, compose: Mapping[str, Any] | None) -> tuple[str, Labels]:
    labels: Labels = []
    for env in env_sorted(assembly.environments):
        services = assembly.of_type("AWS::ECS::Service", env)
        stacks = [s for s in assembly.stacks if s.environment == env]
        # An environment without ECS services is there because its stacks are.
        fallback = [Source("keys", s.template_file, "/Resources", None) for s in stacks[:1]]
        labels.append((env, [resource_source(s) for s in services] or fallback))
    if compose is not None:
        names = [s for s in compose.get("services") or [] if isinstance(s, Mapping)]
        labels.append(
            (
                "Development",
                [
                    Source("generated", "generated/compose.json", f"/services/{i}/name", s.get("name"))
                    for i, s in enumerate(names)
                ],
            )
        )
    return deployment_progression(assembly, compose), labels


def pipeline_labelled(model: Mapping[str, Any]) -> tuple[str, Labels]:
    stages = _stages(model.get("stages"))
    labels: Labels = [
        (s["name"], [Source("generated", "generated/pipeline.json", f"/stages/{i}/name", s["name"])])
        for i, s in enumerate(stages)
    ]
    return pipeline(model), labels
