"""Shared moves of every check: find a table by its header row, tell a row's environment, pair rows with resources."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import networkx as nx

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.report import Result
from tests.doccheck.values import words

Row = tuple[Table, dict[str, str], str]  # a table, one of its rows, the row's environment

T = TypeVar("T")
U = TypeVar("U")


def tables(
    doc: Doc, result: Result, what: str, columns: tuple[str, ...], *, needed: bool, region: str | None = None
) -> list[Table]:
    """Tables with these columns; a missing table is a mismatch only when the templates have rows for it."""
    found = doc.tables_with(*columns, region=region)
    if not found and needed:
        result.fact(
            False, "missing-table", what, "no table with columns " + ", ".join(columns), "rows", "templates"
        )
    return found


def row_env(row: dict[str, str], table: Table, stages: Iterable[str]) -> str:
    """A row's environment: its Environment column, else the nearest heading naming a stage."""
    column = table.column("environment")
    if column:
        return row[column].strip()
    names = sorted(stages, key=len, reverse=True)  # "platform/eu" before "platform"
    for heading in reversed(table.headings):
        for name in names:
            if re.fullmatch(rf"{re.escape(name)}\b.*", heading.strip()):
                return name
    return ""


def component_name(cell: str) -> str:
    """A cell naming a component, without decoration: `reporting (read replica)` -> `reporting`."""
    return re.sub(r"\s*\(.*?\)\s*", " ", cell).replace("`", "").strip()


def pair(
    result: Result,
    kind: str,
    where: str,
    doc_rows: Iterable[tuple[Hashable, T]],
    resources: Iterable[tuple[Hashable, U]],
) -> list[tuple[T, U]]:
    """Pairs doc rows and template things by key (duplicates in order); unpaired ones are mismatches."""
    by_key: dict[Hashable, list[T]] = defaultdict(list)
    for key, row in doc_rows:
        by_key[key].append(row)
    out: list[tuple[T, U]] = []
    for key, res in resources:
        rows = by_key.get(key)
        source = res.where() if isinstance(res, Resource) else str(getattr(res, "source", "templates"))
        if result.fact(
            bool(rows), f"{kind}-missing-row", f"{where}: {_show(key)}", "no row", "a resource", source
        ):
            assert rows is not None
            out.append((rows.pop(0), res))
    for key, rows in by_key.items():
        for _ in rows:
            result.fact(
                False, f"{kind}-extra-row", f"{where}: {_show(key)}", "a row", "no such resource", "templates"
            )
    return out


def compare_cells(
    result: Result,
    table: Table,
    row: dict[str, str],
    where: str,
    checks: Iterable[tuple[str, str, Callable[[str], object], object, str]],
) -> None:
    """For each (column word, mismatch kind, cell parser, template value, source): compare when the column exists."""
    for word, kind, parse, want, source in checks:
        column = table.column(word)
        if column:
            result.equal(kind, where, parse(row[column]), want, source)


def _show(key: Hashable) -> str:
    return " / ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


def stage_names(assembly: Assembly) -> list[str]:
    return list(assembly.stages)


def key(*parts: str) -> tuple[str, ...]:
    return tuple(words(p) for p in parts)


def each_row(tabs: list[Table], stages: Iterable[str]) -> Iterable[tuple[Table, dict[str, str], str]]:
    names = list(stages)
    for table in tabs:
        for row in table.rows:
            yield table, row, row_env(row, table, names)


def by(items: Iterable[T], fn: Callable[[T], Hashable]) -> dict[Hashable, list[T]]:
    out: dict[Hashable, list[T]] = defaultdict(list)
    for item in items:
        out[fn(item)].append(item)
    return out


def match(
    result: Result,
    kind: str,
    where: str,
    rows: Iterable[Row],
    things: Iterable[T],
    fits: Callable[[Row, T], bool],
    compare: Callable[[Result, Row, T], None] | None = None,
    excused: Callable[[T, list[T]], bool] | None = None,
) -> list[tuple[Row, T]]:
    """Pairs doc rows with template things one to one where `fits(row, thing)` (a row's name may fit several
    things: `Service` fits each service made by ecs_patterns); among all such pairings the one whose rows agree
    best with their things (fewest `compare` mismatches) is taken, then compared for real. Unpaired things and
    rows are mismatches, and so are two identical rows standing for two different things (a reader cannot tell
    them apart). `excused(thing, paired things)` lets a thing go without a row of its own (described by others)."""
    rows, things = list(rows), list(things)
    graph = nx.Graph()
    graph.add_nodes_from(("r", i) for i in range(len(rows)))
    graph.add_nodes_from(("t", j) for j in range(len(things)))
    for i, row in enumerate(rows):
        for j, thing in enumerate(things):
            if fits(row, thing):
                scratch = Result()
                if compare is not None:
                    compare(scratch, row, thing)
                weight = 1000 - 10 * len(scratch.mismatches) + _exact(row, thing)
                graph.add_edge(("r", i), ("t", j), weight=weight)
    paired = {}
    for a, b in nx.max_weight_matching(graph, maxcardinality=True):
        (_, i), (_, j) = sorted((a, b))  # ("r", i) sorts before ("t", j)
        paired[j] = i
    out = []
    chosen = [things[j] for j in sorted(paired)]
    for j, thing in enumerate(things):
        if j not in paired and excused is not None and excused(thing, chosen):
            result.facts += 1
            continue
        if result.fact(
            j in paired,
            f"{kind}-missing-row",
            f"{where}: {_name(thing)}",
            "no row",
            "a resource",
            _source(thing),
        ):
            out.append((rows[paired[j]], thing))
    used = set(paired.values())
    for i, (_table, row, env) in enumerate(rows):
        if i not in used:
            text = " | ".join(row.values())
            result.fact(False, f"{kind}-extra-row", f"{where} / {env}", text, "no such resource", "templates")
    for row, thing in out:
        if compare is not None:
            compare(result, row, thing)
    _indistinguishable(result, kind, where, out)
    return out


def _exact(row: Row, thing: object) -> int:
    """A tie-break: a row naming the thing by its own construct id (`Orders`, the cluster) rather than by an
    ancestor's (`Orders` for `Orders/writer`) is the better pair."""
    res = (
        thing
        if isinstance(thing, Resource)
        else getattr(thing, "res", None) or getattr(thing, "service", None)
    )
    if not isinstance(res, Resource):
        return 0
    own = words(res.tags.get("Service") or res.construct_id)
    return int(any(words(component_name(cell)) == own for cell in row[1].values()))


def _indistinguishable(result: Result, kind: str, where: str, pairs: list[tuple[Row, Any]]) -> None:
    groups = by(pairs, lambda p: (id(p[0][0]), p[0][2], tuple(p[0][1].values())))
    for group in groups.values():
        if len(group) > 1:
            (_, row, env), _ = group[0]
            result.fact(
                False,
                f"{kind}-indistinguishable-rows",
                f"{where} / {env}",
                f"{len(group)} identical rows: " + " | ".join(row.values()),
                "; ".join(_source(t) for _, t in group),
                "templates",
            )
        else:
            result.facts += 1


def _name(thing: object) -> str:
    if isinstance(thing, Resource):
        return f"{thing.stack.stage} / {thing.title}"
    return str(getattr(thing, "name", thing))


def _source(thing: object) -> str:
    if isinstance(thing, Resource):
        return thing.where()
    return str(getattr(thing, "source", None) or getattr(thing, "where", lambda: "templates")())


def named(row: Row, column: str, res: Resource, env_of: Callable[[Resource], str] | None = None) -> bool:
    """The row is in the resource's environment and its `column` cell (decoration aside) names it."""
    table, cells, env = row
    col = table.column(column)
    stage = env_of(res) if env_of else res.stack.stage
    return env == stage and col is not None and res.named(component_name(cells[col]))
