"""Names for an environment with a domain: DNS-validated ACM certificates and Route 53 alias records."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct

from designspec.security import Domain


def hosted_zone(scope: Construct, id: str, domain: Domain) -> route53.IHostedZone:
    """The spec's zone by id and name: no lookup, so synthesis stays offline."""
    return route53.PublicHostedZone.from_public_hosted_zone_attributes(
        scope, id, hosted_zone_id=domain.zone_id, zone_name=domain.zone_name
    )


def certificate(scope: Construct, id: str, *, domain: Domain, names: Sequence[str]) -> acm.Certificate:
    """One certificate for `names`, validated by CNAME records ACM writes into the spec's zone."""
    zone = hosted_zone(scope, f"{id}Zone", domain)
    return acm.Certificate(
        scope,
        id,
        domain_name=names[0],
        subject_alternative_names=list(names[1:]) or None,
        validation=acm.CertificateValidation.from_dns(zone),
    )


def alias_to_distribution(
    scope: Construct, id: str, *, domain: Domain, name: str, distribution: cloudfront.IDistribution
) -> None:
    """A and AAAA alias records: viewers reach the distribution by the spec's name, over IPv4 and IPv6."""
    zone = hosted_zone(scope, f"{id}Zone", domain)
    target = route53.RecordTarget.from_alias(targets.CloudFrontTarget(distribution))
    route53.ARecord(scope, f"{id}A", zone=zone, record_name=name, target=target)
    route53.AaaaRecord(scope, f"{id}Aaaa", zone=zone, record_name=name, target=target)


def alias_to_load_balancer(
    scope: Construct, id: str, *, domain: Domain, alb: elbv2.IApplicationLoadBalancer
) -> None:
    """The internal ALB's name: resolves to private addresses; CloudFront's VPC origin checks it in TLS."""
    zone = hosted_zone(scope, f"{id}Zone", domain)
    route53.ARecord(
        scope,
        id,
        zone=zone,
        record_name=domain.origin,
        target=route53.RecordTarget.from_alias(targets.LoadBalancerTarget(alb)),
    )
