"""APIs: API Gateway REST and HTTP APIs (endpoint, stages, web ACL) and each route's integration and
authorization."""

from __future__ import annotations

from docgen.facts import apis
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    api_rows, route_rows = [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        for api in apis.apis(inputs.index, env):
            api_rows.append([name, api.name, api.kind, api.endpoint, api.stages, api.web_acl])
            route_rows += [[name, r.api, r.route, r.integration, r.auth] for r in api.routes]
    model.tables["apis"] = t(["Environment", "API", "Type", "Endpoint", "Stages", "Web ACL"], api_rows)
    model.tables["api_routes"] = t(
        ["Environment", "API", "Route", "Integration", "Authorization"], route_rows
    )
