"""Pricing rules for serverless and integration: Lambda functions, API Gateway APIs, Step Functions, EventBridge
buses, WAF web ACLs and Cloud Map."""

from __future__ import annotations

from decimal import Decimal

from docgen.assembly.model import Resource
from docgen.cost.context import Free, Outcome, Priced, Pricer, Unpriced, num, plural
from docgen.cost.rules_common import MILLION, less_free
from docgen.facts import functions

THOUSAND = Decimal(1000)


def _application_functions(p: Pricer) -> dict[str, list[Resource]]:
    """Per environment, its application functions (CDK's deploy-time handlers are not), worked out once."""
    if "lambda.app" not in p.ctx.memo:
        lookup = functions.LocalLookup(p.ctx.resources)
        by_env: dict[str, list[Resource]] = {}
        for env in {r.environment for r in p.ctx.resources}:
            by_env[env] = functions.split(lookup, env)[0]
        p.ctx.memo["lambda.app"] = (by_env, lookup)
    return p.ctx.memo["lambda.app"][0]


def lambda_function(r: Resource, p: Pricer) -> Outcome:
    """Lambda: requests and GB-seconds beyond this function's share of the free tier; CDK's handlers are free."""
    app = _application_functions(p).get(r.environment, [])
    if not any(f is r for f in app):
        lookup = p.ctx.memo["lambda.app"][1]
        purpose = functions.infrastructure_purpose(lookup, r)
        return Free("Lambda", purpose.text if purpose else "infrastructure function")
    if r.properties.get("PackageType") == "Image" and "Architectures" not in r.properties:
        arch = "x86_64"
    else:
        arch = str((r.properties.get("Architectures") or ["x86_64"])[0])
    if arch not in ("x86_64", "arm64"):
        return Unpriced("Lambda", f"architecture {arch!r} is not in the catalogue")
    if not str(r.properties.get("MemorySize", 128)).isdigit():
        return Unpriced("Lambda", "MemorySize is not a plain number")
    memory = Decimal(str(r.properties.get("MemorySize", 128)))
    u = p.usage
    request_rate, gb_rate = p.rate("lambda.million_requests"), p.rate(f"lambda.{arch}.gb_second")
    gb_seconds = u.lambda_requests_month * u.lambda_duration_ms / THOUSAND * memory / 1024
    billable_requests, requests = less_free(
        u.lambda_requests_month, p.free_share("lambda.requests_month", len(app)), "requests", "free share"
    )
    billable_gbs, gbs = less_free(
        gb_seconds, p.free_share("lambda.gb_seconds_month", len(app)), "GB-s", "free share"
    )
    monthly = billable_requests / MILLION * request_rate + billable_gbs * gb_rate
    p.monthly("Requests", "lambda.million_requests", billable_requests / MILLION, usage=True)
    p.monthly(f"Duration ({arch})", f"lambda.{arch}.gb_second", billable_gbs, usage=True)
    arithmetic = f"{requests} / 1,000,000 × {num(request_rate)} + {gbs} × {num(gb_rate)} ({arch})"
    note = (
        f"{num(u.lambda_requests_month)} invocations × {num(u.lambda_duration_ms)} ms × {num(memory)} MB"
        f" = {num(gb_seconds)} GB-s; free tier shared by the environment's {plural(Decimal(len(app)), 'function')}"
    )
    return Priced("Lambda", monthly, arithmetic, note=note)


def rest_api(r: Resource, p: Pricer) -> Outcome:
    rate = p.rate("apigateway.rest.million_requests")
    calls = p.usage.api_requests_month
    p.monthly("Requests (REST API)", "apigateway.rest.million_requests", calls / MILLION, usage=True)
    return Priced(
        "API Gateway", calls / MILLION * rate, f"{num(calls)} calls / 1,000,000 × {num(rate)} (REST API)"
    )


def http_api(r: Resource, p: Pricer) -> Outcome:
    if r.properties.get("ProtocolType") == "WEBSOCKET":
        return Unpriced(
            "API Gateway", "WebSocket APIs (messages, connection minutes) are not in the catalogue"
        )
    rate = p.rate("apigateway.http.million_requests")
    calls = p.usage.api_requests_month
    p.monthly("Requests (HTTP API)", "apigateway.http.million_requests", calls / MILLION, usage=True)
    return Priced(
        "API Gateway", calls / MILLION * rate, f"{num(calls)} calls / 1,000,000 × {num(rate)} (HTTP API)"
    )


def state_machine(r: Resource, p: Pricer) -> Outcome:
    """Standard workflows: state transitions beyond this machine's share of the free 4,000."""
    if str(r.properties.get("StateMachineType", "STANDARD")).upper() == "EXPRESS":
        return Unpriced(
            "Step Functions", "Express workflows (requests and GB-seconds) are not in the catalogue"
        )
    machines = [
        m
        for m in p.ctx.of_type(r.environment, r.type)
        if str(m.properties.get("StateMachineType", "STANDARD")).upper() == "STANDARD"
    ]
    rate = p.rate("stepfunctions.standard.1k_transitions")
    share = p.free_share("stepfunctions.transitions_month", len(machines))
    billable, transitions = less_free(
        p.usage.stepfunctions_transitions_month, share, "transitions", "free share"
    )
    p.monthly("State transitions", "stepfunctions.standard.1k_transitions", billable / THOUSAND, usage=True)
    return Priced("Step Functions", billable / THOUSAND * rate, f"{transitions} / 1,000 × {num(rate)}")


def event_bus(r: Resource, p: Pricer) -> Outcome:
    """A custom bus: the custom events published to it (events from AWS services are free)."""
    rate = p.rate("eventbridge.custom.million_events")
    events = p.usage.eventbridge_events_month
    p.monthly("Custom events", "eventbridge.custom.million_events", events / MILLION, usage=True)
    return Priced(
        "EventBridge", events / MILLION * rate, f"{num(events)} custom events / 1,000,000 × {num(rate)}"
    )


def event_rule(r: Resource, p: Pricer) -> Outcome:
    if "ScheduleExpression" in r.properties:
        return Free("EventBridge", "scheduled rules have no charge; their targets are priced")
    return Free(
        "EventBridge", "rules have no charge; custom events are priced on the bus they are published to"
    )


def web_acl(r: Resource, p: Pricer) -> Outcome:
    """WAF: the web ACL, each rule (a managed rule group counts as one) and the requests it inspects."""
    rules = Decimal(len([x for x in r.properties.get("Rules") or () if isinstance(x, dict)]))
    acl, rule, request = p.rate("waf.web_acl_month"), p.rate("waf.rule_month"), p.rate("waf.million_requests")
    requests = p.usage.waf_requests_month
    p.monthly("Web ACL", "waf.web_acl_month", Decimal(1), usage=False)
    p.monthly("Rules", "waf.rule_month", rules, usage=False)
    p.monthly("Requests", "waf.million_requests", requests / MILLION, usage=True)
    monthly = acl + rules * rule + requests / MILLION * request
    arithmetic = (
        f"1 web ACL × {num(acl)} + {plural(rules, 'rule')} × {num(rule)}"
        f" + {num(requests)} requests / 1,000,000 × {num(request)}"
    )
    paid = [
        x.get("Name")
        for x in r.properties.get("Rules") or ()
        if isinstance(x, dict)
        and "ManagedRuleGroupStatement" in (x.get("Statement") or {})
        and ((x.get("Statement") or {}).get("ManagedRuleGroupStatement") or {}).get("VendorName") != "AWS"
    ]
    note = f"marketplace rule groups {', '.join(map(str, paid))} bill their own fees" if paid else ""
    return Priced("AWS WAF", monthly, arithmetic, note=note)


def dns_namespace(r: Resource, p: Pricer) -> Outcome:
    rate = p.rate("route53.hosted_zone_month")
    p.monthly("Hosted zone (DNS namespace)", "route53.hosted_zone_month", Decimal(1), usage=False)
    return Priced("Cloud Map", rate, f"1 Route 53 hosted zone × {num(rate)} (DNS namespace)")


def http_namespace(r: Resource, p: Pricer) -> Outcome:
    return Free(
        "Cloud Map", "an HTTP namespace has no charge of its own; registered instances are priced per service"
    )


def discovery_service(r: Resource, p: Pricer) -> Outcome:
    rate, instances = p.rate("cloudmap.instance_month"), p.usage.cloudmap_instances
    p.monthly("Registered instances", "cloudmap.instance_month", instances, usage=True)
    note = "discovery API calls (1.00 per million) not estimated"
    return Priced("Cloud Map", instances * rate, f"{plural(instances, 'instance')} × {num(rate)}", note=note)
