"""Shared moves of every check: find a table by its header row, tell a row's environment, pair rows with resources."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.report import Result
from tests.doccheck.values import words

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
    names = list(stages)
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
