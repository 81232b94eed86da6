"""Security, web application firewall: WAFv2 web ACLs, their rules and what they protect."""

from __future__ import annotations

from docgen.facts import firewall
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    rows = []
    for env in inputs.environments:
        name = inputs.env_name(env)
        rows += [
            [name, a.name, a.scope, a.default_action, a.rules, a.protects]
            for a in firewall.web_acls(inputs.index, env)
        ]
    model.tables["web_acls"] = t(
        ["Environment", "Web ACL", "Scope", "Default action", "Rules", "Protects"], rows
    )
