"""Compliance: regions (data residency), tag coverage and audit trails per environment; the rule packs the synth
ran, what each acknowledged and the controls behind it; the scanners' counts when a scan report is present."""

from __future__ import annotations

from docgen.facts import compliance, governance
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
    pack_rows, control_rows = [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        pack_rows += [
            [name, p.name, p.tool, p.rules, p.findings, p.open] for p in compliance.packs(inputs.index, env)
        ]
        control_rows += [
            [name, c.plugin, c.control, c.rule, c.findings] for c in compliance.controls(inputs.index, env)
        ]
    model.tables["packs"] = t(
        ["Environment", "Rule pack", "Tool", "Rules acknowledged", "Findings acknowledged", "Findings open"],
        pack_rows,
    )
    model.tables["controls"] = t(
        ["Environment", "Plugin", "Control", "Rule", "Findings acknowledged"], control_rows
    )
    model.lists["scanners"] = compliance.scanners(inputs.index)
