"""A Mermaid flowchart as the checker reads it: its nodes, each with its label and the subgraphs around it,
and which resource each node stands for (its label's first line names it, one node per resource)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import networkx as nx

from tests.doccheck.markdown import Mermaid

T = TypeVar("T")
SUBGRAPH = re.compile(r'^\s*subgraph\s+(\w+)\s*\["(.*?)"\]\s*$')
NODE = re.compile(r'^\s*(\w+)\s*[\[({]+"(.*?)"[\])}]+\s*$')


@dataclass(frozen=True)
class Node:
    id: str
    label: str  # `<br/>` as newlines
    groups: tuple[str, ...]  # titles of the subgraphs around it, outermost first

    @property
    def first(self) -> str:
        return self.label.split("\n")[0]

    @property
    def rest(self) -> str:
        return "\n".join(self.label.split("\n")[1:])


def nodes(diagram: Mermaid) -> list[Node]:
    out = []
    stack: list[str] = []
    for line in diagram.text.splitlines():
        if m := SUBGRAPH.match(line):
            stack.append(m.group(2))
        elif line.strip() == "end":
            if stack:
                stack.pop()
        elif m := NODE.match(line):
            out.append(Node(m.group(1), re.sub(r"<br\s*/?>", "\n", m.group(2)), tuple(stack)))
    return out


ARROW = re.compile(r"^\s*([\w\s&]+?)\s*(?:-->|-\.->|==>)\s*(?:\|[^|]*\|\s*)?([\w\s&]+?)\s*$")


def arrows(diagram: Mermaid) -> set[tuple[str, str]]:
    """Every (source id, target id) an arrow line draws, `a & b --> c` read as two arrows."""
    out = set()
    for line in diagram.text.splitlines():
        if m := ARROW.match(line):
            for a in m.group(1).split("&"):
                for b in m.group(2).split("&"):
                    out.add((a.strip(), b.strip()))
    return out


def assign(
    items: list[Node],
    things: Iterable[T],
    fits: Callable[[Node, T], bool],
    misfit: Callable[[Node, T], int] = lambda node, thing: 0,
) -> dict[int, Node]:
    """One node per thing (index -> node), as many as can be, where `fits(node, thing)`; among those pairings
    the one whose labels disagree least with their things (`misfit`: a count of false claims)."""
    things = list(things)
    graph = nx.Graph()
    for i, node in enumerate(items):
        for j, thing in enumerate(things):
            if fits(node, thing):
                graph.add_edge(("n", i), ("t", j), weight=1000 - misfit(node, thing))
    out = {}
    for a, b in nx.max_weight_matching(graph, maxcardinality=True):
        (_, i), (_, j) = sorted((a, b))
        out[j] = items[i]
    return out
