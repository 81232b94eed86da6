"""What a work item added, changed and removed: the diff of two inventories, as a Seq section and as text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from docgen.assembly.model import Assembly, resource_key
from docgen.facts.diagram import build_model
from docgen.history.changes import SIGN, Change, counts
from docgen.render.mermaid import escape


def short_type(cfn_type: str) -> str:
    return cfn_type.removeprefix("AWS::")


def _value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def configuration(change: Change) -> str:
    if change.change == "changed":
        deltas = [
            f"{k} {_value(change.before.get(k, '-'))} → {_value(change.after.get(k, '-'))}"
            for k in sorted(set(change.before) | set(change.after))
            if change.before.get(k) != change.after.get(k)
        ]
        return "; ".join([f"changed: {', '.join(change.changed_keys)}", *deltas])
    shown = change.after if change.change == "added" else change.before
    return ", ".join(f"{k} {_value(v)}" for k, v in sorted(shown.items())) or "-"


def _types(changes: list[Change]) -> str:
    if not changes:
        return "-"
    tally = Counter(short_type(c.type) for c in changes)
    listed = ", ".join(f"{t} ×{n}" if n > 1 else t for t, n in sorted(tally.items()))
    return f"{len(changes)}: {listed}"


def summary_rows(changes: list[Change]) -> list[list[str]]:
    groups: dict[tuple[str, str], list[Change]] = {}
    for c in changes:
        groups.setdefault((c.environment, c.component), []).append(c)
    return [
        [env, component]
        + [_types([c for c in members if c.change == kind]) for kind in ("added", "changed", "removed")]
        for (env, component), members in groups.items()
    ]


def resource_rows(changes: list[Change]) -> list[list[str]]:
    return [
        [c.environment, c.component, c.change, c.key, c.type, c.logical_id, configuration(c)] for c in changes
    ]


def diagram(assembly: Assembly, environment: str, changes: list[Change]) -> str | None:
    """A Mermaid flowchart of the components the work item touched in `environment`, and their neighbours."""
    mine = [c for c in changes if c.environment == environment and c.change != "removed"]
    by_path = {
        r.path.removeprefix(environment + "/"): resource_key(r) for r in assembly.in_environment(environment)
    }
    keys = {by_path[c.key] for c in mine if c.key in by_path}
    new_keys = {by_path[c.key] for c in mine if c.change == "added" and c.key in by_path}
    model = build_model(assembly, environment)
    touched = {c.id for c in model.components if keys & set(c.resources)}
    if not touched:
        return None
    added = {c.id for c in model.components if c.id in touched and set(c.resources) <= new_keys}
    links = [link for link in model.links if link.source in touched or link.target in touched]
    shown = touched | {link.source for link in links} | {link.target for link in links}
    lines = ["flowchart LR"]
    for component in model.components:
        if component.id in shown:
            text = "<br/>".join(escape(line) for line in component.label.split("\n")[:2])
            mark = " (new)" if component.id in added else " (changed)" if component.id in touched else ""
            lines.append(f'  {component.id}["{text}{mark}"]')
    for link in links:
        arrow = "-.->" if link.kind == "secret" else "-->"
        label = f'|"{escape(link.label)}"| ' if link.label else ""
        lines.append(f"  {link.source} {arrow} {label}{link.target}")
    lines.append("  classDef new fill:#e6f4ea,stroke:#1e8e3e")
    lines.append("  classDef changed fill:#fef7e0,stroke:#f9ab00")
    if added:
        lines.append(f"  class {','.join(sorted(added))} new")
    if touched - added:
        lines.append(f"  class {','.join(sorted(touched - added))} changed")
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    from docgen.render.template import cell

    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(out)


def section_body(
    *,
    seq: int,
    short_name: str,
    compared_with: str,
    requirements: Mapping[str, list[str]],
    changes: list[Change],
    picture: str | None,
    picture_env: str,
    link: str,
) -> str:
    """The generated part of a `## Seq N` section (the heading and the prose under it stay hand-written)."""
    n = counts(changes)
    parts = [
        f"Work item **{seq}** (`{short_name}`), read from the synthesized templates and compared with "
        f"{compared_with}: {n['added']} resource(s) added, {n['changed']} changed, {n['removed']} removed."
    ]
    if requirements:
        reqs = "; ".join(
            f"`{rid}` ({', '.join(comps) or 'nothing carries it'})" for rid, comps in requirements.items()
        )
        parts.append(f"Requirements of this work item and the components that satisfy them: {reqs}.")
    if not changes:
        parts.append("_No resource was added, changed or removed._")
    else:
        parts.append(
            "### Added, changed and removed, by component\n\n"
            + _table(["Environment", "Component", "Added", "Changed", "Removed"], summary_rows(changes))
        )
        parts.append(
            "### Services, resources and configurations\n\n"
            + _table(
                [
                    "Environment",
                    "Component",
                    "Change",
                    "Construct path",
                    "Type",
                    "Logical id",
                    "Configuration",
                ],
                resource_rows(changes),
            )
        )
    if picture:
        parts.append(f"### Architecture touched ({picture_env})\n\n```mermaid\n{picture}\n```")
    parts.append(link)
    return "\n\n".join(parts) + "\n"


def text_report(changes: list[Change], compared_with: str) -> str:
    """`python -m docgen diff`: one line per resource, like `cdk diff`."""
    lines = [f"Comparing the current design with {compared_with}"]
    envs = sorted({c.environment for c in changes})
    for env in envs:
        lines.append(f"\n{env}")
        for c in (c for c in changes if c.environment == env):
            detail = f": {', '.join(c.changed_keys)}" if c.changed_keys else ""
            lines.append(f"  {SIGN[c.change]} {short_type(c.type):<40} {c.key} ({c.component}){detail}")
    n = counts(changes)
    lines.append(f"\n{n['added']} added, {n['changed']} changed, {n['removed']} removed")
    return "\n".join(lines) + "\n"
