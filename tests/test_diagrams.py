"""Diagrams of the committed default assembly: one node per component, edges from the tree, real rendering."""

from __future__ import annotations

import dataclasses
import html
import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from docgen.assembly.model import Assembly, Resource
from docgen.assembly.reader import read_assembly
from docgen.errors import DocgenError
from docgen.facts.diagram import DiagramModel, build_model, node_id
from docgen.facts.index import PHASES
from docgen.render import mermaid
from docgen.render.picture import draw_architecture
from tests.mermaid_render import render_many

FIXTURE = Path(__file__).parent / "fixtures" / "assemblies" / "default"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NODE = re.compile(r'^\s*([A-Za-z0-9_]+)(?:\["|\(\["|\[\("|\{\{")(.*?)(?:"\]|"\]\)|"\)\]|"\}\})$')
# `a & b -->|"label"| c & d`: Mermaid's shorthand for the arrows from each of a, b to each of c, d
EDGE = re.compile(r'^\s*(\w+(?: & \w+)*) (-->|-\.->)(?:\|"(.*?)"\|)? (\w+(?: & \w+)*)$')
PIPELINE = {
    "platform": "github-actions",
    "stages": [
        {"name": "lint", "needs": [], "trigger": "push", "environment": None, "approval": False},
        {"name": "test", "needs": ["lint"], "trigger": "push", "environment": None, "approval": False},
        {"name": "build-images", "needs": ["test"], "trigger": "push to main", "environment": None},
        {"name": "deploy-staging", "needs": ["build-images"], "environment": "staging", "approval": False},
        {"name": "deploy-prod", "needs": ["deploy-staging"], "environment": "prod", "approval": True},
    ],
}
# Names the Mermaid parser would take as syntax if they were not escaped; missing keys; an undefined need.
AWKWARD_PIPELINE = {
    "stages": [{"name": 'smoke "prod" #9; <all> | end'}, {"needs": "smoke-x"}, {"name": "end"}]
}
COMPOSE = {"services": {"backend": {}, "agent-research": {}, "agent-report": {}, "postgres": {}, "redis": {}}}


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    # No skip: a missing fixture or reader must fail this module.
    assert FIXTURE.is_dir(), f"{FIXTURE} missing: see tests/fixtures/assemblies/README.md"
    built = read_assembly(FIXTURE)
    assert built.environments, "the default assembly has no environments"
    return built


def _nodes(source: str) -> dict[str, list[str]]:
    """Node id -> label lines (entity codes decoded) of a flowchart written by docgen.mermaid."""
    nodes = {}
    for line in source.splitlines():
        if (m := NODE.match(line)) and not line.lstrip().startswith("subgraph"):
            assert m[1] not in nodes, f"node {m[1]} defined twice"
            nodes[m[1]] = [_decode(part) for part in m[2].split("<br/>")]
    return nodes


def _edges(source: str) -> list[tuple[str, str, str]]:
    return [
        (a, b, _decode(m[3] or ""))
        for line in source.splitlines()
        if (m := EDGE.match(line))
        for a in m[1].split(" & ")
        for b in m[4].split(" & ")
    ]


def _decode(text: str) -> str:
    for code, char in (("#quot;", '"'), ("#lt;", "<"), ("#gt;", ">"), ("#124;", "|"), ("#35;", "#")):
        text = text.replace(code, char)
    return text


def _named_edges(source: str) -> set[tuple[str, str, str]]:
    """Edges as (source name, target name, label): a node's name is its first label line."""
    names = {node: lines[0] for node, lines in _nodes(source).items()}
    return {(names[a], names[b], label) for a, b, label in _edges(source)}


def _dead_letter_queues(queues: tuple[Resource, ...]) -> set[str]:
    dead = set()
    for queue in queues:
        target = (queue.properties.get("RedrivePolicy") or {}).get("deadLetterTargetArn", {})
        if isinstance(target, dict) and isinstance(target.get("Fn::GetAtt"), list):
            dead.add(f"{queue.stack}/{target['Fn::GetAtt'][0]}")
    return dead


def _peer_name(assembly: Assembly, key: str) -> str | None:
    if key in ("cidr:0.0.0.0/0", "cidr:::/0"):
        return "Users"
    found = [r.service for r in assembly.resources if f"{r.stack}/{r.logical_id}" == key]
    return found[0] if found else None


def test_architecture_has_one_node_per_component(assembly: Assembly) -> None:
    for env in assembly.environments:
        nodes = _nodes(mermaid.architecture(assembly, env))
        assert all(re.fullmatch(r"[A-Za-z0-9_]+", node) for node in nodes)

        def labelled(kind: str, nodes: dict[str, list[str]] = nodes) -> list[str]:
            return sorted(lines[0] for lines in nodes.values() if any(kind in line for line in lines[1:]))

        queues = assembly.of_type("AWS::SQS::Queue", env)
        dead = _dead_letter_queues(queues)
        expected = {
            "ECS Fargate": assembly.of_type("AWS::ECS::Service", env),
            "RDS ": assembly.of_type("AWS::RDS::DBInstance", env)
            + assembly.of_type("AWS::RDS::DBCluster", env),
            "ElastiCache Redis": assembly.of_type("AWS::ElastiCache::ReplicationGroup", env),
            "SQS queue": tuple(q for q in queues if f"{q.stack}/{q.logical_id}" not in dead),
            "CloudFront distribution": assembly.of_type("AWS::CloudFront::Distribution", env),
        }
        for kind, resources in expected.items():
            assert resources, f"{env}: the default design has {kind!r} resources"
            assert labelled(kind) == sorted(r.service for r in resources if r.service), (env, kind)


def test_every_ingress_edge_is_drawn_with_its_port(assembly: Assembly) -> None:
    for env in assembly.environments:
        drawn = _named_edges(mermaid.architecture(assembly, env))
        keys = {f"{r.stack}/{r.logical_id}" for r in assembly.in_environment(env)}
        ingress = [e for e in assembly.edges if e.kind == "ingress" and e.target in keys]
        assert len(ingress) >= 5, f"{env}: expected ALB, database and cache ingress rules"
        for edge in ingress:
            source, target = _peer_name(assembly, edge.source), _peer_name(assembly, edge.target)
            if source is None or target is None:
                continue  # a peer with no component (a CIDR inside the VPC, a prefix list)
            assert (source, target, edge.detail) in drawn, f"{env}: no {source} -> {target} '{edge.detail}'"


def test_every_event_source_is_a_queue_to_worker_edge(assembly: Assembly) -> None:
    for env in assembly.environments:
        drawn = _named_edges(mermaid.architecture(assembly, env))
        keys = {f"{r.stack}/{r.logical_id}" for r in assembly.in_environment(env)}
        sources = [e for e in assembly.edges if e.kind == "event-source" and e.target in keys]
        assert sources, f"{env}: the default design has queue-driven workers"
        for edge in sources:
            queue, worker = _peer_name(assembly, edge.source), _peer_name(assembly, edge.target)
            assert (queue, worker, "event source") in drawn, f"{env}: no {queue} -> {worker}"


def test_edges_come_from_the_assembly_not_the_spec(assembly: Assembly) -> None:
    env = assembly.environments[0]
    without = dataclasses.replace(assembly, edges=tuple(e for e in assembly.edges if e.kind != "ingress"))
    labels = {label for _, _, label in _edges(mermaid.architecture(without, env))}
    assert not {label for label in labels if label.startswith("tcp ")}


def test_model_and_mermaid_agree(assembly: Assembly) -> None:
    for env in assembly.environments:
        model, source = build_model(assembly, env), mermaid.architecture(assembly, env)
        assert set(_nodes(source)) - {mermaid.VPC_NODE} == {c.id for c in model.components}
        assert _nodes(source)[mermaid.VPC_NODE][0].startswith("VPC 10.")
        assert sorted((a, b) for a, b, _ in _edges(source)) == sorted(
            (x.source, x.target) for x in model.links
        )


def test_mermaid_is_deterministic(assembly: Assembly) -> None:
    again = read_assembly(FIXTURE)
    for env in assembly.environments:
        assert mermaid.architecture(assembly, env) == mermaid.architecture(again, env)
    assert mermaid.deployment_progression(assembly, COMPOSE) == mermaid.deployment_progression(again, COMPOSE)
    assert mermaid.pipeline(PIPELINE) == mermaid.pipeline(PIPELINE)


def test_progression_orders_environments_and_counts_services(assembly: Assembly) -> None:
    text = mermaid.deployment_progression(assembly, COMPOSE)
    nodes = list(_nodes(text).values())
    assert nodes[0][:2] == ["Development", "Docker Compose (local)"]
    assert nodes[0][2].startswith(f"{len(COMPOSE['services'])} services")
    order = [env for env in ("dev", "staging", "prod") if env in assembly.environments]
    assert [lines[0] for lines in nodes[1:]][: len(order)] == [f"{PHASES[env]} ({env})" for env in order]
    for lines in nodes[1:]:
        env = lines[0].split("(")[-1].rstrip(")")
        count = len({s.service for s in assembly.of_type("AWS::ECS::Service", env)})
        assert lines[2].startswith(f"{count} services"), lines
    assert len(_edges(text)) == len(nodes) - 1
    assert "Docker Compose" not in mermaid.deployment_progression(assembly, None)


def test_pipeline_marks_approval_gates_and_needs() -> None:
    text = mermaid.pipeline(PIPELINE)
    edges = _edges(text)
    assert ("gate_stage_deploy_prod", "stage_deploy_prod", "approved") in edges
    assert ("stage_deploy_staging", "gate_stage_deploy_prod", "") in edges
    assert ("stage_lint", "stage_test", "") in edges
    assert len(edges) == sum(len(s["needs"]) for s in PIPELINE["stages"]) + 1  # +1: gate -> stage
    awkward = mermaid.pipeline(AWKWARD_PIPELINE)
    name = AWKWARD_PIPELINE["stages"][0]["name"]
    assert _nodes(awkward)[f"stage_{node_id(name)}"][0] == name
    assert "smoke-x" in _nodes(awkward)["stage_smoke_x_undefined"][0]
    assert mermaid.pipeline({}).startswith("flowchart LR")


def _label_lines(source: str) -> set[str]:
    return {line for lines in _nodes(source).values() for line in lines if line}


@pytest.mark.render
def test_every_diagram_renders_with_mermaid_cli(assembly: Assembly, tmp_path: Path) -> None:
    sources = {f"architecture-{env}": mermaid.architecture(assembly, env) for env in assembly.environments}
    sources["progression"] = mermaid.deployment_progression(assembly, COMPOSE)
    sources["pipeline"] = mermaid.pipeline(PIPELINE)
    sources["pipeline-awkward"] = mermaid.pipeline(AWKWARD_PIPELINE)
    svgs = render_many(sources, tmp_path)
    for name, svg in svgs.items():
        text = svg.read_text(encoding="utf-8")
        missing = [line for line in _label_lines(sources[name]) if html.escape(line, quote=False) not in text]
        assert not missing, f"{name}: labels missing from the SVG: {missing}"


def test_png_is_drawn_deterministically(assembly: Assembly, tmp_path: Path) -> None:
    env = "prod" if "prod" in assembly.environments else assembly.environments[0]
    first = draw_architecture(assembly, env, tmp_path / "a" / "architecture.png")
    second = draw_architecture(assembly, env, tmp_path / "b" / "architecture.png")
    data = first.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 50_000, "an architecture with a dozen icons is not a few bytes"
    assert second.read_bytes() == data
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["architecture.png"]  # no dot source left


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])  # the IHDR chunk follows the signature
    return width, height


def test_each_environment_picture_is_at_most_two_to_one(assembly: Assembly, tmp_path: Path) -> None:
    """The icon picture lays its columns out left to right: not the 1:3.6 strip the secrets and topics made
    when they hung below the VPC box."""
    for env in assembly.environments:
        width, height = _png_size(draw_architecture(assembly, env, tmp_path / f"{env}.png"))
        assert max(width, height) <= 2 * min(width, height), (env, width, height)


def test_missing_dot_is_a_one_line_error(assembly: Assembly, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("docgen.render.picture.shutil.which", lambda _: None)
    with pytest.raises(DocgenError) as error:
        draw_architecture(assembly, assembly.environments[0], tmp_path / "x.png")
    assert str(error.value) == "graphviz 'dot' not found: run make setup (installs Debian's graphviz)"
    assert not (tmp_path / "x.png").exists()


def test_diagram_modules_do_not_import_cdk() -> None:
    code = (
        "import sys, docgen.render.mermaid, docgen.render.picture, docgen.facts.diagram; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('aws_cdk', 'constructs', 'jsii', 'stacks', 'designspec')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert out.stdout.strip() == "[]"


# --- large architectures: overview plus details --------------------------------------------------------


def _crowded_model(services: int) -> DiagramModel:
    from docgen.facts.diagram import Component, Link, Tier

    tiers = (
        Tier("edge", "Edge", False),
        Tier("app", "app subnets", True),
        Tier("data", "data subnets", True),
    )
    comps = [Component("alb_a", "a", "alb", "edge", "a\nALB", ("k/alb",))]
    comps += [
        Component(f"ecs_s{i:02d}", f"s{i:02d}", "ecs", "app", f"s{i:02d}", (f"k/s{i}",))
        for i in range(services)
    ]
    comps.append(Component("rds_db", "db", "rds", "data", "db\nRDS", ("k/db",)))
    links = [Link("alb_a", f"ecs_s{i:02d}", f"tcp {8000 + i}", "ingress") for i in range(services)]
    links += [Link(f"ecs_s{i:02d}", "rds_db", "tcp 5432", "ingress") for i in range(0, services, 2)]
    return DiagramModel("prod", "VPC", tiers, tuple(comps), tuple(links))


def test_a_large_architecture_splits_into_an_overview_and_details_that_draw_everything() -> None:
    from docgen.facts.diagram_split import LIMIT, split

    model = _crowded_model(45)
    large = split(model, lambda c: "1" if c.kind == "ecs" else None)
    assert large is not None
    crowd = next(c for c in large.overview.components if c.id.startswith("crowd_"))
    assert crowd.label == "45 ECS services, seq 1\ns00 … s44"
    assert {(x.source, x.target) for x in large.overview.links} == {
        ("alb_a", crowd.id),
        (crowd.id, "rds_db"),
    }
    assert (
        next(x.label for x in large.overview.links if x.source == "alb_a")
        == "tcp 8000 … tcp 8044 (45 arrows)"
    )
    assert all(len(d.components) + 1 <= LIMIT for _, d in large.details)
    assert {c.id for _, d in large.details for c in d.components} == {c.id for c in model.components}
    assert {x for _, d in large.details for x in d.links} == set(model.links)
    assert split(_crowded_model(20), lambda c: None) is None  # small enough to draw whole
