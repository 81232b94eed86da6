"""WAFv2 facts: web ACLs (scope, default action, rules in priority order) and what each one protects, from its
associations (API Gateway stages, load balancers) and from CloudFront distributions that name it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, derived, join, number, prop
from docgen.facts.index import Index
from docgen.facts.names import component, labelled

ACL = "AWS::WAFv2::WebACL"


@dataclass(frozen=True)
class WebAcl:
    resource: Resource
    name: Fact
    scope: Fact
    default_action: Fact
    rules: Fact
    protects: Fact


def web_acls(index: Index, env: str) -> list[WebAcl]:
    out = []
    for acl in index.of_type(ACL, env):
        rules = [
            prop(acl, "Rules", i, fmt=rule_text)
            for i, rule in enumerate(acl.properties.get("Rules") or ())
            if isinstance(rule, dict)
        ]
        out.append(
            WebAcl(
                resource=acl,
                name=component(acl),
                scope=prop(
                    acl, "Scope", fmt=lambda v: "CloudFront (global)" if v == "CLOUDFRONT" else "regional"
                ),
                default_action=prop(
                    acl, "DefaultAction", fmt=lambda v: "block" if "Block" in (v or {}) else "allow"
                ),
                rules=join(sorted(rules, key=lambda f: _priority(f.value)), "<br>", empty="none", none=acl),
                protects=join(protected(index, acl), "<br>", empty="nothing associated", none=acl),
            )
        )
    return sorted(out, key=lambda a: a.name.text)


def _priority(rule: Any) -> int:
    value = rule.get("Priority") if isinstance(rule, dict) else None
    return int(value) if isinstance(value, int) else 0


def rule_text(rule: Any) -> str:
    """ "0 RateLimitPerIp: block above 1,000 requests per 5 min per IP", "1 AWSManagedRulesCommonRuleSet (AWS managed)"."""
    statement = rule.get("Statement") or {}
    name = f"{rule.get('Priority', '?')} {rule.get('Name', '?')}"
    action = next(iter(rule.get("Action") or {}), "").lower()
    if "ManagedRuleGroupStatement" in statement:
        group = statement["ManagedRuleGroupStatement"]
        override = " (count only)" if "Count" in (rule.get("OverrideAction") or {}) else ""
        title = f"{rule.get('Priority', '?')} {group.get('Name', '')}"
        if rule.get("Name") != group.get("Name"):  # the rule's own name when it differs from the group's
            title = f"{name}: {group.get('Name', '')}"
        return f"{title} ({group.get('VendorName', '')} managed group){override}"
    if "RateBasedStatement" in statement:
        rate = statement["RateBasedStatement"]
        window = rate.get("EvaluationWindowSec", 300)
        per = {
            "IP": "IP",
            "FORWARDED_IP": "forwarded IP",
            "CUSTOM_KEYS": "custom key",
            "CONSTANT": "ACL",
        }.get(str(rate.get("AggregateKeyType", "IP")), str(rate.get("AggregateKeyType")))
        return f"{name}: {action or 'block'} above {number(rate.get('Limit'))} requests per {int(window) // 60} min per {per}"
    if "RuleGroupReferenceStatement" in statement:
        return f"{name}: own rule group"
    kind = next(iter(statement), "rule").replace("Statement", "")
    return f"{name}: {action or 'match'} on {kind}"


def protected(index: Index, acl: Resource) -> list[Fact]:
    found = []
    for association in index.of_type("AWS::WAFv2::WebACLAssociation", acl.environment):
        if acl not in index.targets(association, association.properties.get("WebACLArn")):
            continue
        reached = [
            r
            for r in index.targets(association, association.properties.get("ResourceArn"))
            if r.type != "AWS::ApiGateway::Deployment"
        ]
        text = (
            ", ".join(_protected_text(index, r) for r in _outermost(reached)) or "resource outside this app"
        )
        found.append(derived(None, text, [prop(association, "ResourceArn")]))
    for distribution in index.of_type("AWS::CloudFront::Distribution", acl.environment):
        acl_id = (distribution.properties.get("DistributionConfig") or {}).get("WebACLId")
        if acl in index.targets(distribution, acl_id):
            found.append(
                derived(
                    None, labelled(distribution).text, [prop(distribution, "DistributionConfig", "WebACLId")]
                )
            )
    return found


def _outermost(resources: list[Resource]) -> list[Resource]:
    """A REST API stage's ARN names the API and the stage: say the stage of the API once."""
    apis = [r for r in resources if r.type == "AWS::ApiGateway::RestApi"]
    return apis or resources


def _protected_text(index: Index, resource: Resource) -> str:
    if resource.type == "AWS::ApiGateway::RestApi":
        return f"REST API {resource.properties.get('Name', component(resource).text)}"
    return labelled(resource).text


def protecting(index: Index, resource: Resource) -> list[Resource]:
    """The web ACLs whose associations (or distribution setting) name `resource`."""
    out = []
    for association in index.of_type("AWS::WAFv2::WebACLAssociation", resource.environment):
        if resource in index.targets(association, association.properties.get("ResourceArn")):
            out += [
                a
                for a in index.targets(association, association.properties.get("WebACLArn"))
                if a.type == ACL
            ]
    return out
