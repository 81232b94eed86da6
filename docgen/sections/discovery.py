"""Network, service discovery: Cloud Map namespaces, what is registered in them and which services use them."""

from __future__ import annotations

from docgen.facts import discovery
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    rows = []
    for env in inputs.environments:
        name = inputs.env_name(env)
        rows += [
            [name, n.name, n.kind, n.services, n.clients] for n in discovery.namespaces(inputs.index, env)
        ]
    model.tables["namespaces"] = t(["Environment", "Namespace", "Type", "Registered", "Used by"], rows)
