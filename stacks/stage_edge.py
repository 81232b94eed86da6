"""The edge of one environment: CloudFront distributions, their WAF web ACL, certificates and names.

A mixin of EnvironmentStage (stage.py), kept apart so each module stays readable; it uses the stage's spec,
platform (the ALB), keys and alarm routing, and fills `distributions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Environment as CdkEnvironment
from aws_cdk import Stack, Tags
from aws_cdk import aws_cloudfront as cloudfront

from designspec import naming
from designspec.security import APP_DISTRIBUTION, distribution_names
from stacks.compliance import acknowledge_cross_region_handlers
from stacks.dns import alias_to_distribution, certificate
from stacks.edge import (
    CLOUDFRONT_METRICS_REGION,
    AppSite,
    EdgeSettings,
    StaticSite,
    alb_origin,
    log_bucket,
    note_no_cdn_alarm,
)
from stacks.keys import logs_key
from stacks.monitoring import cloudfront_alarms
from stacks.retention import retention
from stacks.tagging import tag_component
from stacks.waf import WebFirewall

if TYPE_CHECKING:
    from stacks.stage import EnvironmentStage

CLOUDFRONT_REGION = "us-east-1"  # where CLOUDFRONT-scope web ACLs and CloudFront certificates must be


class EdgeUnits:
    """The Edge stack (and EdgeGlobal in us-east-1 for an environment elsewhere) of an EnvironmentStage."""

    distributions: dict[str, cloudfront.IDistribution]

    def _edge(self: EnvironmentStage, seq: int) -> None:
        names = distribution_names(self.design)
        if not names:
            return
        env, domain = self.env_spec, self.env_spec.domain
        # A CLOUDFRONT web ACL and CloudFront's certificate must be in us-east-1: elsewhere, a small stack there.
        cross_region = env.region != CLOUDFRONT_REGION
        stack = self._stack(
            "Edge",
            "edge",
            seq,
            "CloudFront distributions, WAF and static site buckets",
            cross_region_references=cross_region,
        )
        edge_global = self._edge_global(seq) if cross_region else stack
        if cross_region:
            acknowledge_cross_region_handlers(stack)
        hosts = {name: domain.host(name) for name in names} if domain else {}
        logs_bucket = log_bucket(stack, "EdgeLogs", days=self._retention_days("access"))
        Tags.of(logs_bucket).add("LogType", "access")
        settings = EdgeSettings(
            logs=logs_bucket,
            web_acl_arn=self._edge_firewall(edge_global, cross_region=cross_region).arn,
            certificate=certificate(edge_global, "Certificate", domain=domain, names=list(hosts.values()))
            if domain
            else None,
            alb_origin=alb_origin(
                stack,
                alb=self.platform.alb,
                name=naming.vpc_origin_name(self.name_prefix),
                origin_domain=domain.origin if domain else None,
            )
            if self.design.http_services() or self.design.container_frontends()
            else None,
            https_origin=domain is not None,
            cross_region=cross_region,
        )
        sites: dict[str, StaticSite | AppSite] = {}
        for fe in self.design.static_frontends():
            sites[fe.name] = StaticSite(
                stack,
                fe.name,
                settings=settings,
                api_path=fe.api_path,
                names=[hosts[fe.name]] if domain else [],
            )
            tag_component(sites[fe.name], service=fe.name, seq=fe.seq, requirements=fe.requirements)
        if APP_DISTRIBUTION in names:
            sites[APP_DISTRIBUTION] = AppSite(
                stack, APP_DISTRIBUTION, settings=settings, names=[hosts[APP_DISTRIBUTION]] if domain else []
            )
            tag_component(sites[APP_DISTRIBUTION], service=APP_DISTRIBUTION, seq=seq, requirements=())
        for name, site in sites.items():
            self._distribution_extras(name, site, stack)

    def _edge_global(self: EnvironmentStage, seq: int) -> Stack:
        """The us-east-1 half of the edge for an environment elsewhere: web ACL, its logs, the certificate."""
        stack = Stack(
            self,
            "EdgeGlobal",
            env=CdkEnvironment(account=self.env_spec.account, region=CLOUDFRONT_REGION),
            stack_name=naming.stack_name(self.design.project, self.env_name, "EdgeGlobal"),
            description=f"{self.design.project} {self.env_name}: CloudFront web ACL and certificate (us-east-1)",
            cross_region_references=True,
        )
        tag_component(stack, service="edge", seq=seq, requirements=())
        acknowledge_cross_region_handlers(stack)
        return stack

    def _edge_firewall(self: EnvironmentStage, scope: Stack, *, cross_region: bool) -> WebFirewall:
        waf = self.design.security.waf
        key = self.keys.logs
        if cross_region and self.keys.customer_managed:  # a KMS key serves only its own region
            key = logs_key(scope, "WafLogsKey", description=f"{self.name_prefix}: WAF logs")
        firewall = WebFirewall(
            scope,
            "Firewall",
            name=naming.waf_acl_name(self.name_prefix),
            acl_scope="CLOUDFRONT",
            rate_limit=waf.rate_limit_per_5_minutes,
            log_retention=retention(waf.log_retention_days or self._retention_days("access")),
            log_key=key,
        )
        Tags.of(firewall.log_group).add("LogType", "access")
        return firewall

    def _distribution_extras(
        self: EnvironmentStage, name: str, site: StaticSite | AppSite, stack: Stack
    ) -> None:
        """Names, alarms and the dashboard entry of one distribution."""
        self.distributions[name] = site.distribution
        if self.env_spec.domain:
            alias_to_distribution(
                stack,
                f"Name-{name}",
                domain=self.env_spec.domain,
                name=self.env_spec.domain.host(name),
                distribution=site.distribution,
            )
        if self.env_spec.region == CLOUDFRONT_METRICS_REGION:
            cloudfront_alarms(
                site,
                name=name,
                distribution=site.distribution,
                thresholds=self.obs.thresholds,
                routing=self.routing,
            )
        else:
            note_no_cdn_alarm(site, region=self.env_spec.region or "")
