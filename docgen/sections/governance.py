"""Compliance: regions (data residency), tag coverage and audit trails per environment."""

from __future__ import annotations

from docgen.facts import governance
from docgen.facts.fact import Fact
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    # Tag coverage is this project's convention (Project, Environment, Service, Seq, Requirements): shown only
    # for an app that follows it, i.e. whose resources carry a Project tag.
    tagged = any("Project" in r.tags for r in inputs.assembly.resources)
    rows = []
    for env in inputs.environments:
        name = inputs.env_name(env)
        facts = inputs.env(env)
        coverage: list[Fact] = [governance.tag_coverage(inputs.index, env)] if tagged else []
        if coverage and not coverage[0].sources:  # nothing in this environment can carry tags
            coverage = [Fact(coverage[0].value, coverage[0].text, name.sources)]
        rows.append([name, facts.regions_text, *coverage, governance.audit_trails(inputs.index, env)])
    headers = ["Environment", "Regions (data residency)"]
    headers += [f"Resources with all {len(governance.REQUIRED_TAGS)} tags"] if tagged else []
    model.tables["compliance"] = t([*headers, "Audit trails"], rows)
