"""Appendix: Resource Inventory and the summary's coverage line. Every row lists resources that exist (type,
environment, construct path), its count is the paths it lists, no resource is listed twice, and the summary's
"N of N (CDK metadata aside): S in the sections, I in the resource inventory" adds up to the templates."""

from __future__ import annotations

import re
from collections import Counter

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import each_row, tables
from tests.doccheck.markdown import Doc, cell_lines
from tests.doccheck.report import Result
from tests.doccheck.values import first_number, words

METADATA = "AWS::CDK::Metadata"


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    listed = _inventory(doc, assembly, result)
    _coverage(doc, assembly, listed, result)
    return result


def _paths(assembly: Assembly) -> dict[tuple[str, str], Resource]:
    """(environment, construct path) -> resource; a path may leave out its environment's Stage (the row names
    it): "Platform/Vpc/IGW" in prod."""
    every = [r for r in assembly.resources() if r.full_path]
    by_path = {(r.stack.stage, r.full_path): r for r in every}
    by_path |= {(r.stack.stage, r.full_path.removeprefix(r.stack.stage + "/")): r for r in every}
    return by_path


def inventory_listed(doc: Doc, assembly: Assembly) -> set[int]:
    """id() of every resource the resource inventory appendix lists."""
    by_path = _paths(assembly)
    out = set()
    for table, row, env in each_row(doc.tables_with("type", "count", "construct path"), assembly.stages):
        for path in cell_lines(row[table.column("construct path") or ""]):
            if (res := by_path.get((env, path.strip("`")))) is not None:
                out.add(id(res))
    return out


def _inventory(doc: Doc, assembly: Assembly, result: Result) -> int:
    """Checks each inventory row; returns how many resources the inventory lists."""
    tabs = tables(doc, result, "Resource Inventory", ("type", "count", "construct path"), needed=False)
    by_path = _paths(assembly)
    seen: Counter[int] = Counter()
    total = 0
    for table, row, env in each_row(tabs, assembly.stages):
        kind = row[table.column("type") or ""].strip("` ")
        paths = cell_lines(row[table.column("construct path") or ""])
        where = f"Appendix: Resource Inventory / {env} / {kind}"
        result.equal(
            "inventory-count",
            where,
            first_number(row[table.column("count") or ""]),
            len(paths),
            "paths listed",
        )
        total += len(paths)
        for path in paths:
            res = by_path.get((env, path.strip("`")))
            ok = res is not None and res.type == kind
            result.fact(
                ok, "inventory-path", where, path, f"a {kind} at this construct path in {env}", "templates"
            )
            if res is not None:
                seen[id(res)] += 1
        service = table.column("aws service")
        if service and kind.startswith("AWS::"):
            namespace = kind.split("::")[1]
            result.fact(
                _service_named(row[service], namespace),
                "inventory-service",
                where,
                row[service],
                namespace,
                "the type's namespace",
            )
    twice = [i for i, n in seen.items() if n > 1]
    result.fact(
        not twice,
        "inventory-duplicate",
        "Appendix: Resource Inventory",
        f"{len(twice)} listed twice",
        0,
        "templates",
    )
    return total


def _service_named(cell: str, namespace: str) -> bool:
    """The AWS service column names the type's namespace (`ApiGatewayV2` is "API Gateway", `Events` EventBridge)."""
    aliases = {
        "events": "eventbridge",
        "elasticloadbalancingv2": "elastic load balancing",
        "logs": "cloudwatch logs",
    }
    text = words(cell).replace(" ", "")
    name = namespace.lower()
    return name in text or aliases.get(name, "\0").replace(" ", "") in text or text in name


def _coverage(doc: Doc, assembly: Assembly, listed: int, result: Result) -> None:
    rows = [r for t in doc.tables_with("fact", "value") for r in t.rows]
    cell = next((r[k] for r in rows for k in r if words(k) == "value" and "described" in words(str(r))), None)
    line = next((" ".join(r.values()) for r in rows if "described" in words(" ".join(r.values()))), None)
    if line is None or cell is None:
        return
    every: list[Resource] = [r for r in assembly.resources() if r.type != METADATA]
    m = re.search(
        r"([\d,]+) of ([\d,]+).*?([\d,]+) in the sections, ([\d,]+) in the resource inventory", line
    )
    if not result.fact(
        m is not None, "coverage-line", "Summary / Resources described", line, "N of N: S + I", "doc"
    ):
        return
    assert m is not None
    described, total, sections, inventory = (int(g.replace(",", "")) for g in m.groups())
    where = "Summary / Resources described"
    result.equal(
        "coverage-total", where, total, len(every), "resources of every template but AWS::CDK::Metadata"
    )
    result.equal("coverage-described", where, described, len(every), "every resource is in the doc")
    result.equal("coverage-sum", where, sections + inventory, described, "sections + inventory")
    result.equal("coverage-inventory", where, inventory, listed, "rows of the resource inventory appendix")
