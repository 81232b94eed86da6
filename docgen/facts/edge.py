"""Edge facts: CloudFront distributions (behaviours, origins including VPC origins, TLS, web ACL), and the names
the app answers on: Route 53 records, the ACM certificates that cover them, hosted zones."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from docgen.assembly.model import Resource
from docgen.facts.fact import Fact, derived, exists, join, prop
from docgen.facts.index import Index, name_fact, name_of
from docgen.facts.names import service_of


@dataclass(frozen=True)
class Distribution:
    resource: Resource
    name: Fact
    behaviours: Fact
    price_class: Fact
    logging: Fact
    http_version: Fact
    tls_minimum: Fact
    web_acl: Fact
    aliases: Fact


def distributions(index: Index, env: str) -> list[Distribution]:
    out = []
    for d in index.of_type("AWS::CloudFront::Distribution", env):
        config = d.properties.get("DistributionConfig") or {}
        behaviours = [_behaviour(index, d, ("DistributionConfig", "DefaultCacheBehavior"), "default")]
        for i, b in enumerate(config.get("CacheBehaviors") or ()):
            behaviours.append(
                _behaviour(index, d, ("DistributionConfig", "CacheBehaviors", i), str(b.get("PathPattern")))
            )
        out.append(
            Distribution(
                resource=d,
                name=name_fact(d),
                behaviours=join(behaviours, "<br>", none=d),
                price_class=prop(d, "DistributionConfig", "PriceClass", default="PriceClass_All"),
                logging=derived(
                    "Logging" in config,
                    "yes" if "Logging" in config else "no",
                    [prop(d, "DistributionConfig", "Logging", default=None)],
                ),
                http_version=prop(d, "DistributionConfig", "HttpVersion", default="http1.1"),
                tls_minimum=_tls_minimum(d),
                web_acl=_web_acl(index, d),
                aliases=prop(
                    d,
                    "DistributionConfig",
                    "Aliases",
                    default=[],
                    fmt=lambda v: ", ".join(map(str, v)) or "none",
                ),
            )
        )
    return sorted(out, key=lambda x: x.name.text)


def _web_acl(index: Index, d: Resource) -> Fact:
    """The web ACL by name when the templates hold it (a cross-region one too), else "yes" or "none"."""
    acl = prop(d, "DistributionConfig", "WebACLId", default=None)
    if acl.value is None:
        return derived(None, "none", [acl])
    found = [t for t in index.targets(d, acl.value) if t.type == "AWS::WAFv2::WebACL"]
    return derived(
        acl.value, name_of(found[0]) if found else "yes", [acl, *(exists(t, name_of(t)) for t in found)]
    )


def _tls_minimum(d: Resource) -> Fact:
    cert = (d.properties.get("DistributionConfig") or {}).get("ViewerCertificate") or {}
    if cert.get("CloudFrontDefaultCertificate", not cert) is True or not cert:
        return derived(
            "TLSv1",
            "TLSv1 (default *.cloudfront.net certificate)",
            [prop(d, "DistributionConfig", "ViewerCertificate", default=None)],
        )
    return prop(d, "DistributionConfig", "ViewerCertificate", "MinimumProtocolVersion", default="TLSv1")


def _behaviour(index: Index, d: Resource, at: tuple[str | int, ...], path: str) -> Fact:
    behaviour = prop(d, *at)
    b = behaviour.value or {}
    origin_id = b.get("TargetOriginId")
    origins = (d.properties.get("DistributionConfig") or {}).get("Origins") or []
    origin = next((o for o in origins if isinstance(o, dict) and o.get("Id") == origin_id), {})
    sources: list[Any] = [behaviour]
    viewer = b.get("ViewerProtocolPolicy", "allow-all")
    if "VpcOriginConfig" in origin:
        target, to_origin = _vpc_origin(index, d, origin, sources)
        return derived(b, f"{path} → {target} ({viewer}, {to_origin})", sources)
    kind = "S3" if "S3OriginConfig" in origin or origin.get("OriginAccessControlId") else "custom origin"
    targets = index.targets(d, origin.get("DomainName"))
    if targets:
        kind = {
            "AWS::S3::Bucket": "S3",
            "AWS::ElasticLoadBalancingV2::LoadBalancer": service_of(targets[0]),  # ALB or NLB, by its Type
        }.get(targets[0].type, kind)
    custom = origin.get("CustomOriginConfig") or {}
    to_origin = f", to origin {custom['OriginProtocolPolicy']}" if custom.get("OriginProtocolPolicy") else ""
    return derived(b, f"{path} → {kind} ({viewer}{to_origin})", sources)


def _vpc_origin(index: Index, d: Resource, origin: dict[str, Any], sources: list[Any]) -> tuple[str, str]:
    """`ALB platform via VPC origin origin.example.com` and `to origin https-only`: the load balancer the VPC
    origin reaches inside the VPC (by its ARN, often imported from another stack) and the name CloudFront
    checks in TLS."""
    found = index.targets(d, (origin.get("VpcOriginConfig") or {}).get("VpcOriginId"))
    vpc_origin = next((t for t in found if t.type == "AWS::CloudFront::VpcOrigin"), None)
    domain = origin.get("DomainName")
    where = f" {domain}" if isinstance(domain, str) else ""
    if vpc_origin is None:
        return f"VPC origin{where}", "to origin per the VPC origin"
    config = vpc_origin.properties.get("VpcOriginEndpointConfig") or {}
    sources.append(prop(vpc_origin, "VpcOriginEndpointConfig"))
    endpoint = index.targets(vpc_origin, config.get("Arn"))
    reached = f"{service_of(endpoint[0])} {name_of(endpoint[0])} via " if endpoint else ""
    sources += [exists(e, name_of(e)) for e in endpoint]
    return f"{reached}VPC origin{where}", f"to origin {config.get('OriginProtocolPolicy', 'http-only')}"


# --- names: records, certificates, zones ------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    name: Fact
    records: Fact  # `A, AAAA → CloudFront frontend-admin`
    certificate: Fact  # the ACM certificate covering it, or "none"


def names(index: Index, env: str) -> list[Name]:
    """One row per name the app answers on: its record types and target, and the certificate that covers it."""
    by_name: dict[str, list[Resource]] = {}
    for r in index.of_type("AWS::Route53::RecordSet", env):
        by_name.setdefault(str(r.properties.get("Name", "")).rstrip("."), []).append(r)
    certificates = index.of_type("AWS::CertificateManager::Certificate", env)
    out = []
    for name, records in sorted(by_name.items()):
        types = sorted({str(r.properties.get("Type")) for r in records})
        targets = [t for r in records for t in index.targets(r, r.properties.get("AliasTarget"))]
        to = f" → {service_of(targets[0])} {name_of(targets[0])}" if targets else ""
        record_facts = [prop(r, "Type") for r in records] + [prop(r, "Name") for r in records]
        covering = [c for c in certificates if _covers(c, name)]
        cert = (
            join(
                [derived(None, _certificate_text(index, c), [prop(c, "DomainName")]) for c in covering],
                "; ",
            )
            if covering
            else derived(None, "none", record_facts[:1])
        )
        out.append(
            Name(
                name=derived(name, name, record_facts[len(records) :]),
                records=derived(types, ", ".join(types) + to, record_facts),
                certificate=cert,
            )
        )
    for c in certificates:  # a certificate no record names (the records live elsewhere)
        if not any(_covers(c, name) for name in by_name):
            domain = prop(c, "DomainName")
            cert = derived(None, _certificate_text(index, c), [domain])
            out.append(
                Name(
                    name=domain, records=derived(None, "none in these templates", [domain]), certificate=cert
                )
            )
    return out


def _covers(certificate: Resource, name: str) -> bool:
    props = certificate.properties
    domains = [props.get("DomainName"), *(props.get("SubjectAlternativeNames") or ())]
    return any(isinstance(d, str) and fnmatch.fnmatch(name, d.rstrip(".")) for d in domains)


def _certificate_text(index: Index, certificate: Resource) -> str:
    """`ACM admin.example.com (us-east-1), DNS validated`: the region says where it lives (CloudFront's must be
    in us-east-1, whatever the app's region)."""
    props = certificate.properties
    method = props.get("ValidationMethod", "EMAIL")
    stack = next((s for s in index.assembly.stacks if s.artifact_id == certificate.stack), None)
    where = f" ({stack.region})" if stack is not None and stack.region else ""
    return f"ACM {props.get('DomainName')}{where}, {method} validated"


def zones(index: Index, env: str) -> list[Fact]:
    """Hosted zones the templates create (most designs use one that exists: its id is in the records)."""
    return [
        derived(None, f"hosted zone {prop(r, 'Name').text}", [prop(r, "Name")])
        for r in index.of_type("AWS::Route53::HostedZone", env)
    ]
