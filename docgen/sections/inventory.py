"""Coverage: every resource of every template appears in the doc. Resources the sections describe are found
through the sources of the facts they print; every other one is listed in the resource inventory appendix,
grouped by AWS service with its construct path, and the summary says how many are described where."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, Source, derived, exists
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t

NOT_INFRASTRUCTURE = frozenset({"AWS::CDK::Metadata"})  # CDK's version-reporting blob
# Tables whose cells count or sum many resources (tag coverage, costs, acknowledgements): being counted there
# is not being described, so they do not count towards coverage; nor do paragraphs and checklist evidence.
AGGREGATES = ("summary", "compliance", "acks", "cost_service:", "cost_aws:", "cost_unpriced:", "capacity")


def _facts(model: DocModel) -> Iterator[Fact]:
    for name, table in model.tables.items():
        if name.startswith(AGGREGATES):
            continue
        for row in table.rows:
            yield from row
    for items in model.lists.values():
        yield from items


def _diagram_sources(model: DocModel) -> Iterator[Source]:
    for diagram in model.diagrams.values():
        if isinstance(diagram, tuple):
            for _, sources in diagram[1]:
                yield from sources


def described(model: DocModel) -> set[tuple[str, str]]:
    """(template file, logical id) of every resource some printed fact was read from."""
    out: set[tuple[str, str]] = set()
    sources = [s for f in _facts(model) for s in f.sources]
    for s in [*sources, *_diagram_sources(model)]:
        if s.kind in ("template", "resource") and s.pointer.startswith("/Resources/"):
            out.add((s.file, s.pointer.split("/")[2].replace("~1", "/").replace("~0", "~")))
    return out


def build(model: DocModel, inputs: SectionInputs) -> None:
    """The appendix of resources no section describes, and the coverage line of the summary."""
    seen = described(model)
    resources = [r for r in inputs.assembly.resources if r.type not in NOT_INFRASTRUCTURE]
    rest = [r for r in resources if (r.template, r.logical_id) not in seen]
    rows = []
    for env in inputs.environments:
        groups: dict[tuple[str, str], list[Resource]] = {}
        for r in rest:
            if r.environment == env:
                groups.setdefault((_service(r.type), r.type), []).append(r)
        for (service, cfn_type), members in sorted(groups.items()):
            facts = [exists(r, r.path) for r in members]
            rows.append(
                [
                    inputs.env_name(env),
                    derived(service, service, facts),
                    derived(cfn_type, cfn_type, facts),
                    derived(len(members), str(len(members)), facts),
                    derived(None, "<br>".join(sorted(_short(r) for r in members)), facts),
                ]
            )
    model.tables["inventory"] = t(["Environment", "AWS service", "Type", "Count", "Construct paths"], rows)
    total, listed = len(resources), len(rest)
    line = (
        f"{total:,} of {total:,} (CDK metadata aside): {total - listed:,} in the sections, "
        f"{listed:,} in the resource inventory"
    )
    every = [exists(r, "resource") for r in resources]
    summary = model.tables.get("summary")
    if summary is not None:
        row = (derived("coverage", "Resources described", every), derived(total, line, every))
        model.tables["summary"] = type(summary)(summary.headers, (*summary.rows, row))


def _service(cfn_type: str) -> str:
    """`AWS::EC2::Route` -> `EC2`; other providers (`Custom::`, third parties) by their first part."""
    parts = cfn_type.split("::")
    return parts[1] if parts[0] == "AWS" and len(parts) > 2 else parts[0]


def _short(r: Resource) -> str:
    """The construct path without the environment's own prefix (the row names the environment)."""
    return r.path.removeprefix(f"{r.environment}/") or r.logical_id


__all__: list[Any] = ["build", "described"]
