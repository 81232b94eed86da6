"""Mermaid flowcharts of the collector sidecars' pipelines: receivers -> pipeline (its processors) -> exporters,
each exporter labelled with where it sends. Workloads whose collectors are configured alike, in any environment,
share one diagram; its title names them."""

from __future__ import annotations

from docgen.assembly.model import Assembly
from docgen.facts import telemetry as tm
from docgen.facts.fact import Fact, Source, derived
from docgen.facts.index import Index
from docgen.render.mermaid import _edge, _node

Labels = list[tuple[str, list[Source]]]


def _id(kind: str, name: str) -> str:
    return f"{kind}_" + "".join(ch if ch.isalnum() else "_" for ch in name)


def diagram(collector: tm.Collector) -> tuple[str, Labels]:
    """One collector's pipelines, and each label with the configuration it was read from."""
    lines = ["flowchart LR", '  app["app container"]']
    labels: Labels = [("app container", [*collector.workload.sources])]
    drawn: set[str] = set()
    edges: list[str] = []
    for pipeline in collector.pipelines:
        node = _id("pipeline", pipeline.name)
        text = f"{pipeline.name} pipeline\n{' → '.join(pipeline.processors) or 'no processors'}"
        lines.append(f"  {_node(node, text)}")
        labels.append((text.replace("\n", " / "), [collector.source]))
        for receiver in pipeline.receivers:
            rid = _id("receiver", receiver)
            if rid not in drawn:
                label = f"{receiver}\n{tm.receiver_label(collector, receiver)}"
                lines.append(f"  {_node(rid, label)}")
                labels.append((label.replace("\n", " / "), [collector.source]))
                edges.append(_edge("app", rid))
                drawn.add(rid)
            edges.append(_edge(rid, node))
        for exporter in pipeline.exporters:
            eid = _id("exporter", exporter)
            if eid not in drawn:
                label = f"{exporter}\n{tm.destination(collector, exporter).brief}"
                lines.append(f"  {_node(eid, label)}")
                labels.append((label.replace("\n", " / "), [collector.source]))
                drawn.add(eid)
            edges.append(_edge(node, eid))
    lines += [f"  {e}" for e in dict.fromkeys(edges)]
    return "\n".join(lines) + "\n", labels


def _unique(sources: list[Source]) -> list[Source]:
    out: list[Source] = []
    for s in sources:  # Sources hold dicts (unhashable): compare, do not hash
        if s not in out:
            out.append(s)
    return out


def diagrams(assembly: Assembly) -> list[tuple[Fact, tuple[str, Labels]]]:
    """One (title, diagram) per distinct pipeline structure, in environment order."""
    index = Index(assembly)
    groups: dict[str, list[tuple[str, tm.Collector, tuple[str, Labels]]]] = {}
    for env in index.environments:
        for c in tm.collectors(index, env):
            drawn = diagram(c)
            groups.setdefault(drawn[0], []).append((env, c, drawn))
    out = []
    for members in groups.values():
        envs = list(dict.fromkeys(env for env, _, _ in members))
        workloads = list(dict.fromkeys(c.workload.text for _, c, _ in members))
        title = f"{', '.join(envs)}: {', '.join(workloads)}"
        fact = derived(title, title, [c.source for _, c, _ in members])
        text, labels = members[0][2]
        every = [s for _, c, _ in members for s in (c.source, *c.workload.sources)]
        out.append((fact, (text, [(label, _unique([*sources, *every])) for label, sources in labels])))
    return out
