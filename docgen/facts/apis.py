"""API Gateway facts: REST APIs (AWS::ApiGateway::*) and HTTP/WebSocket APIs (AWS::ApiGatewayV2::*), their
routes with what each integrates with and who may call it, their stages and the web ACL in front of them."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.assembly import intrinsics
from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, derived, exists, join, prop
from docgen.facts.index import Index
from docgen.facts.names import component, labelled

REST = "AWS::ApiGateway::RestApi"
HTTP = "AWS::ApiGatewayV2::Api"
REST_AUTH = {
    "NONE": "none",
    "AWS_IAM": "IAM (SigV4)",
    "CUSTOM": "Lambda authorizer",
    "COGNITO_USER_POOLS": "Cognito user pool",
}
V2_AUTH = {"NONE": "none", "AWS_IAM": "IAM (SigV4)", "CUSTOM": "Lambda authorizer", "JWT": "JWT authorizer"}


@dataclass(frozen=True)
class ApiRoute:
    resource: Resource  # the Method (REST) or the Route (HTTP)
    api: Fact
    route: Fact  # "POST /orders"
    integration: Fact  # "SQS Orders (AWS service integration)"
    auth: Fact
    targets: tuple[Resource, ...]  # what the integration reaches (a function, a queue, ...)
    authorizer: Resource | None  # the authorizer's function, when a Lambda authorizer guards the route


@dataclass(frozen=True)
class Api:
    resource: Resource
    name: Fact
    kind: Fact  # "REST API" / "HTTP API" / "WebSocket API"
    endpoint: Fact  # "regional", "edge-optimized", "private"
    stages: Fact
    routes: tuple[ApiRoute, ...]
    web_acl: Fact


def apis(index: Index, env: str) -> list[Api]:
    out = [_rest(index, api) for api in index.of_type(REST, env)]
    out += [_http(index, api) for api in index.of_type(HTTP, env)]
    return sorted(out, key=lambda a: (a.kind.text, a.name.text))


def _name(api: Resource) -> Fact:
    return prop(api, "Name") if "Name" in api.properties else component(api)


def _rest(index: Index, api: Resource) -> Api:
    methods = index.referring(api, "AWS::ApiGateway::Method", "RestApiId")
    routes = tuple(sorted((rest_route(index, m, api) for m in methods), key=lambda r: r.route.text))
    stages = []
    for stage in index.referring(api, "AWS::ApiGateway::Stage", "RestApiId"):
        settings = [s for s in stage.properties.get("MethodSettings") or () if isinstance(s, dict)]
        rate = next((s.get("ThrottlingRateLimit") for s in settings if "ThrottlingRateLimit" in s), None)
        burst = next((s.get("ThrottlingBurstLimit") for s in settings if "ThrottlingBurstLimit" in s), None)
        name = prop(stage, "StageName")
        extra = f" (throttle {rate} req/s, burst {burst})" if rate is not None else ""
        tracing = " X-Ray" if stage.properties.get("TracingEnabled") is True else ""
        # The stage's deployment is what it serves: described with it.
        deployments = [
            exists(d, "deployment") for d in index.targets(stage, stage.properties.get("DeploymentId"))
        ]
        settings_fact = prop(stage, "MethodSettings", default=[])
        stages.append(
            derived(name.value, f"{name.text}{extra}{tracing}", [name, settings_fact, *deployments])
        )
    endpoint = prop(
        api,
        "EndpointConfiguration",
        "Types",
        0,
        default="EDGE",
        fmt=lambda v: {"EDGE": "edge-optimized", "REGIONAL": "regional", "PRIVATE": "private"}.get(
            str(v), str(v)
        ),
    )
    return Api(
        resource=api,
        name=_name(api),
        kind=exists(api, "REST API"),
        endpoint=endpoint,
        stages=join(stages, ", ", empty="none deployed", none=api),
        routes=routes,
        web_acl=_web_acl(index, [api, *index.referring(api, "AWS::ApiGateway::Stage", "RestApiId")]),
    )


def rest_route(index: Index, method: Resource, api: Resource | None = None) -> ApiRoute:
    """One REST method: its HTTP verb on the full resource path, its integration and its authorization."""
    verb = prop(method, "HttpMethod")
    path = _path(index, method)
    route = derived(None, f"{verb.text} {path.text}", [verb, path])
    integration, targets = _rest_integration(index, method)
    auth_type = prop(method, "AuthorizationType", default="NONE")
    auth, authorizer = _rest_auth(index, method, auth_type)
    api_name = _name(api) if api is not None else prop(method, "RestApiId")
    return ApiRoute(method, api_name, route, integration, auth, tuple(targets), authorizer)


def _path(index: Index, method: Resource) -> Fact:
    """The method's resource path, "/" for the root, built from the PathPart chain up to the root."""
    parts: list[Fact] = []
    node = next(iter(index.targets(method, method.properties.get("ResourceId"))), None)
    attribute = method.properties.get("ResourceId")
    while node is not None and node.type == "AWS::ApiGateway::Resource" and len(parts) < 20:
        parts.insert(0, prop(node, "PathPart"))
        attribute = node.properties.get("ParentId")
        node = next(iter(index.targets(node, attribute)), None)
    text = "/" + "/".join(p.text for p in parts)
    return derived(text, text, parts or [prop(method, "ResourceId")])


def _rest_integration(index: Index, method: Resource) -> tuple[Fact, list[Resource]]:
    integration = method.properties.get("Integration") or {}
    kind = prop(method, "Integration", "Type", default="MOCK")
    uri = prop(method, "Integration", "Uri", default=None)
    targets = [t for t in index.targets(method, integration.get("Uri")) if t.type != "AWS::IAM::Role"]
    return _integration_text(kind, uri, targets), targets


def _integration_text(kind: Fact, uri: Fact, targets: list[Resource]) -> Fact:
    """ "Lambda ItemsFn (proxy)", "SQS Orders (AWS service integration)", "HTTP https://… (proxy)"."""
    value = str(kind.value or "").upper()
    named = ", ".join(labelled(t).text for t in targets)
    if value == "AWS_PROXY":
        text = f"{named or 'Lambda ' + uri.text} (proxy)"
    elif value == "AWS":
        service = (
            intrinsics.text(uri.value).split(":")[4]
            if uri.value and intrinsics.text(uri.value).count(":") >= 4
            else ""
        )
        text = f"{named or service.upper() or uri.text} (AWS service integration)"
    elif value in ("HTTP", "HTTP_PROXY"):
        text = f"HTTP {uri.text}" + (" (proxy)" if value == "HTTP_PROXY" else "")
    else:
        text = value.lower() or "-"
    return derived(value, text, [kind, uri])


def _rest_auth(index: Index, method: Resource, auth_type: Fact) -> tuple[Fact, Resource | None]:
    text = REST_AUTH.get(str(auth_type.value), str(auth_type.value))
    authorizers = index.targets(method, method.properties.get("AuthorizerId"))
    if not authorizers:
        key_required = method.properties.get("ApiKeyRequired") is True
        return derived(auth_type.value, text + (" + API key" if key_required else ""), [auth_type]), None
    authorizer = authorizers[0]
    function = _function(index, authorizer, "AuthorizerUri")
    name = prop(authorizer, "Name", default=component(authorizer).text)
    kind = prop(authorizer, "Type", default="TOKEN", fmt=lambda v: str(v).lower())
    detail = f"{text} {name.text} ({kind.text})"
    return derived(auth_type.value, detail, [auth_type, name, kind]), function


def _function(index: Index, owner: Resource, prop_name: str) -> Resource | None:
    hits = [
        t for t in index.targets(owner, owner.properties.get(prop_name)) if t.type == "AWS::Lambda::Function"
    ]
    return hits[0] if hits else None


def _http(index: Index, api: Resource) -> Api:
    routes = tuple(
        sorted(
            (http_route(index, r, api) for r in index.referring(api, "AWS::ApiGatewayV2::Route", "ApiId")),
            key=lambda r: r.route.text,
        )
    )
    stages = []
    for stage in index.referring(api, "AWS::ApiGatewayV2::Stage", "ApiId"):
        name = prop(stage, "StageName")
        auto = " (auto-deploy)" if stage.properties.get("AutoDeploy") is True else ""
        stages.append(
            derived(name.value, f"{name.text}{auto}", [name, prop(stage, "AutoDeploy", default=False)])
        )
    protocol = prop(api, "ProtocolType", default="HTTP")
    kind = derived(
        protocol.value, "WebSocket API" if protocol.value == "WEBSOCKET" else "HTTP API", [protocol]
    )
    return Api(
        resource=api,
        name=_name(api),
        kind=kind,
        endpoint=exists(api, "regional"),
        stages=join(stages, ", ", empty="none deployed", none=api),
        routes=routes,
        web_acl=_web_acl(index, [api]),
    )


def http_route(index: Index, route: Resource, api: Resource | None = None) -> ApiRoute:
    key = prop(route, "RouteKey")
    integrations = [
        i
        for i in index.targets(route, route.properties.get("Target"))
        if i.type == "AWS::ApiGatewayV2::Integration"
    ]
    if integrations:
        integration = integrations[0]
        kind = prop(integration, "IntegrationType")
        uri = prop(integration, "IntegrationUri", default=None)
        targets = [t for t in index.targets(integration, integration.properties.get("IntegrationUri"))]
        subtype = integration.properties.get("IntegrationSubtype")
        text = _integration_text(kind, uri, targets)
        if subtype:
            text = derived(
                text.value,
                f"{text.text.split(' (')[0]} ({subtype})",
                [text, prop(integration, "IntegrationSubtype")],
            )
    else:
        text, targets = (
            prop(route, "Target", default=None, fmt=lambda v: "-" if v is None else intrinsics.text(v)),
            [],
        )
    auth_type = prop(route, "AuthorizationType", default="NONE")
    auth_text = V2_AUTH.get(str(auth_type.value), str(auth_type.value))
    authorizers = index.targets(route, route.properties.get("AuthorizerId"))
    function = None
    if authorizers:
        name = prop(authorizers[0], "Name")
        kind = prop(authorizers[0], "AuthorizerType", fmt=lambda v: str(v).lower())
        auth = derived(auth_type.value, f"{auth_text} {name.text} ({kind.text})", [auth_type, name, kind])
        function = _function(index, authorizers[0], "AuthorizerUri")
    else:
        auth = derived(auth_type.value, auth_text, [auth_type])
    api_name = _name(api) if api is not None else prop(route, "ApiId")
    return ApiRoute(route, api_name, key, text, auth, tuple(targets), function)


def _web_acl(index: Index, protected: list[Resource]) -> Fact:
    """The WAFv2 web ACL associated with the API (or with one of its stages), or "none"."""
    env = protected[0].environment
    found = []
    for association in index.of_type("AWS::WAFv2::WebACLAssociation", env):
        if any(p in index.targets(association, association.properties.get("ResourceArn")) for p in protected):
            for acl in index.targets(association, association.properties.get("WebACLArn")):
                found.append(derived(acl.logical_id, component(acl).text, [prop(association, "WebACLArn")]))
    return join(found, ", ", empty="none", none=protected[0])
