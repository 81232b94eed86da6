"""Each fact once: rows that describe the same thing in several environments become one row.

A table whose first column is `Environment` usually repeats every row per environment with the same values
(the same queue, the same alarm, a bigger size in prod). Rows that name the same thing (the same key cells) are
merged: the Environment cell lists the environments (`staging, prod`), a cell equal in all of them is printed
once, and a cell that differs gives each environment its own value on a line of its own
(`staging: 0.25 vCPU` / `prod: 1 vCPU`). The merged cell's sources are those of every cell it stands for, so
the source map still names each fact. The template's header states the convention for readers and checkers.
"""

from __future__ import annotations

from collections.abc import Sequence

from docgen.facts.fact import Fact
from docgen.sections.model import DocModel, Table

# Tables about the environments themselves (one row each by design), or already one row per environment pair.
KEEP = frozenset({"environments", "progression", "summary", "stacks", "variations"})
ENVIRONMENT = "Environment"


def compact(model: DocModel) -> None:
    """Merge the per-environment rows of every table that has them (in place)."""
    order = {env: i for i, env in enumerate(model.environments)}
    for name, table in list(model.tables.items()):
        if name in KEEP or not table.headers or table.headers[0] != ENVIRONMENT:
            continue
        model.tables[name] = merge_environments(table, order)


def merge_environments(table: Table, order: dict[str, int]) -> Table:
    """The table with rows of the same thing in several environments merged (see the module docstring)."""
    key = _key_width(table)
    if key is None:
        return table
    groups: dict[tuple[str, ...], list[tuple[Fact, ...]]] = {}
    for row in table.rows:
        groups.setdefault(tuple(c.text for c in row[1 : 1 + key]), []).append(row)
    rows = [_merged(group, order) if len(group) > 1 else group[0] for group in groups.values()]
    return Table(table.headers, tuple(rows))


def _key_width(table: Table) -> int | None:
    """How many columns after Environment name a row's thing: the fewest that are unique per environment."""
    for width in range(1, len(table.headers)):
        seen = set()
        for row in table.rows:
            seen_key = (row[0].text, *(c.text for c in row[1 : 1 + width]))
            if seen_key in seen:
                break
            seen.add(seen_key)
        else:
            return width
    return None  # identical rows in one environment: nothing to merge by


def _merged(group: Sequence[tuple[Fact, ...]], order: dict[str, int]) -> tuple[Fact, ...]:
    group = sorted(group, key=lambda r: order.get(r[0].text, len(order)))
    envs = [r[0] for r in group]
    env_cell = Fact([e.value for e in envs], ", ".join(e.text for e in envs), _sources(envs))
    cells = [env_cell]
    for column in range(1, len(group[0])):
        facts = [r[column] for r in group]
        same = len({f.text for f in facts}) == 1
        text = (
            facts[0].text
            if same
            else "\n".join(f"{e.text}: {f.text}" for e, f in zip(envs, facts, strict=True))
        )
        cells.append(Fact([f.value for f in facts], text, _sources(facts)))
    return tuple(cells)


def _sources(facts: Sequence[Fact]) -> tuple:
    out: list = []
    for f in facts:
        out += [s for s in f.sources if s not in out]
    return tuple(out)
