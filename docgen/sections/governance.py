"""Compliance: regions (data residency), tag coverage and audit trails per environment."""

from __future__ import annotations

from docgen.facts import governance
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    rows = []
    for env in inputs.environments:
        name = inputs.env_name(env)
        facts = inputs.env(env)
        rows.append(
            [
                name,
                facts.regions_text,
                governance.tag_coverage(inputs.index, env),
                governance.audit_trails(inputs.index, env),
            ]
        )
    model.tables["compliance"] = t(
        ["Environment", "Regions (data residency)", "Resources with all 5 tags", "Audit trails"], rows
    )
