"""The edge: CloudFront distributions behind a WAF web ACL, reaching S3 through Origin Access Control and the
internal ALB through a CloudFront VPC origin, with security headers (HSTS) and, given a domain, TLS 1.2+ names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.nag import acknowledge_all, acknowledge_check, acknowledge_log_bucket

CLOUDFRONT_METRICS_REGION = "us-east-1"  # CloudFront publishes its CloudWatch metrics in this region only
# Viewer headers an API behind a plaintext origin receives. Authorization and the rest stay at the edge:
# with no domain, CloudFront reaches the ALB over HTTP (inside AWS's network, but unencrypted).
PLAINTEXT_ORIGIN_HEADERS = ("Accept", "Accept-Language", "Content-Type", "Origin", "Referer", "User-Agent")


def log_bucket(scope: Construct, id: str, *, days: int) -> s3.Bucket:
    """CloudFront standard logs need ACLs (object writer); S3 access logs can share the bucket."""
    bucket = s3.Bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(days))],
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge_all(
        bucket,
        {"AwsSolutions-S1": "This is the log bucket itself; logging its own access would log into itself."},
    )
    acknowledge_log_bucket(bucket)
    acknowledge_check(
        bucket,
        "CloudFront standard logging writes with the bucket ACL (awslogsdelivery account), so ACLs stay on; "
        "public access is blocked and objects belong to the bucket owner.",
        guard="s3_bucket_acl_prohibited_check",
    )
    acknowledge_check(
        bucket,
        "CloudFront standard logging delivers to SSE-S3 buckets; logs expire by lifecycle.",
        nag="S3DefaultEncryptionKMS",
        guard="s3_bucket_default_encryption_kms_check",
    )
    return bucket


@dataclass(frozen=True)
class EdgeSettings:
    """What every distribution of an environment shares."""

    logs: s3.IBucket
    web_acl_arn: str  # a CLOUDFRONT-scope WAF web ACL (in us-east-1)
    certificate: acm.ICertificate | None  # in us-east-1; None: the default *.cloudfront.net certificate
    alb_origin: cloudfront.IOrigin | None  # the ALB as a VPC origin; None: no HTTP workload
    https_origin: bool  # the VPC origin speaks HTTPS to the ALB (a domain names its certificate)
    cross_region: bool  # the certificate and web ACL come from the us-east-1 stack (environment elsewhere)


def alb_origin(
    scope: Construct, *, alb: elbv2.IApplicationLoadBalancer, name: str, origin_domain: str | None
) -> cloudfront.IOrigin:
    """One VPC origin for the ALB, shared by every distribution: CloudFront reaches the ALB privately."""
    https = origin_domain is not None
    vpc_origin = cloudfront.VpcOrigin(
        scope,
        "AlbVpcOrigin",
        endpoint=cloudfront.VpcOriginEndpoint.application_load_balancer(alb),
        vpc_origin_name=name,
        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY
        if https
        else cloudfront.OriginProtocolPolicy.HTTP_ONLY,
        origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
    )
    # With HTTPS, CloudFront checks the ALB's certificate against this name (an alias to the internal ALB).
    return origins.VpcOrigin.with_vpc_origin(vpc_origin, domain_name=origin_domain)


class _Distribution(Construct):
    """What a static site and the app distribution share: headers, WAF, names, TLS, logging."""

    def __init__(self, scope: Construct, id: str, *, settings: EdgeSettings, names: Sequence[str]) -> None:
        super().__init__(scope, id)
        self.settings, self.names = settings, list(names)
        self.headers = security_headers(self, "SecurityHeaders")

    def api_behavior(self, viewer: cloudfront.ViewerProtocolPolicy) -> cloudfront.BehaviorOptions:
        """Uncached, every method, to the ALB; only an encrypted origin receives every viewer header."""
        assert self.settings.alb_origin is not None
        return cloudfront.BehaviorOptions(
            origin=self.settings.alb_origin,
            viewer_protocol_policy=viewer,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=self._request_policy(),
            response_headers_policy=self.headers,
        )

    def _request_policy(self) -> cloudfront.IOriginRequestPolicy:
        if self.settings.https_origin:
            return cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
        return cloudfront.OriginRequestPolicy(
            self,
            "PlaintextOriginRequests",
            comment="Headers, cookies and query strings an HTTP origin receives",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(*PLAINTEXT_ORIGIN_HEADERS),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.all(),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
        )

    def build(self, **props: object) -> cloudfront.Distribution:
        s = self.settings
        tls = (
            {
                "certificate": s.certificate,
                "domain_names": self.names,
                "minimum_protocol_version": cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
                "ssl_support_method": cloudfront.SSLMethod.SNI,
            }
            if s.certificate
            else {}
        )
        distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=self.node.id,
            web_acl_id=s.web_acl_arn,
            enable_logging=True,
            log_bucket=s.logs,
            log_file_prefix=f"cloudfront/{self.node.id}/",
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            **tls,
            **props,  # type: ignore[arg-type]
        )
        findings = {
            "AwsSolutions-CFR1": "The apps serve every country; no geo restriction is required by the design.",
        }
        if not s.certificate:
            findings["AwsSolutions-CFR4"] = (
                "The environment names no domain, so viewers get the default *.cloudfront.net certificate, "
                "which CloudFront pins to TLSv1; a domain in the spec gives TLSv1.2_2021."
            )
        if s.alb_origin is not None and not s.https_origin:
            findings["AwsSolutions-CFR5"] = (
                "No domain, so no certificate for the ALB: the VPC origin reaches the internal ALB over HTTP "
                "inside AWS's network, and forwards only the non-credential headers listed in the policy."
            )
        acknowledge_all(distribution, findings)
        if not s.certificate:
            reason = findings["AwsSolutions-CFR4"]
            for rule in (
                "cloudfront_custom_ssl_certificate_check",
                "cloudfront_sni_enabled_check",
                "cloudfront_security_policy_check",
            ):
                acknowledge_check(distribution, reason, guard=rule)
        elif s.cross_region:
            reason = (
                "The distribution has the spec's domain, its certificate (SNI, TLSv1.2_2021); the certificate's ARN "
                "comes from the us-east-1 stack through CDK's cross-region reference, which Guard cannot resolve."
            )
            for rule in ("cloudfront_custom_ssl_certificate_check", "cloudfront_sni_enabled_check"):
                acknowledge_check(distribution, reason, guard=rule)
        if "AwsSolutions-CFR5" in findings:
            acknowledge_check(
                distribution,
                findings["AwsSolutions-CFR5"],
                guard="cloudfront_traffic_to_origin_encrypted_check",
            )
        return distribution


class StaticSite(_Distribution):
    """One SPA: its bucket, its distribution, SPA fallback to index.html and an optional API route to the ALB."""

    def __init__(
        self, scope: Construct, id: str, *, settings: EdgeSettings, api_path: str | None, names: Sequence[str]
    ) -> None:
        super().__init__(scope, id, settings=settings, names=names)
        self.bucket = s3.Bucket(
            self,
            "Site",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            # Versions of replaced builds are kept for rollback, then expire.
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90))],
            server_access_logs_bucket=settings.logs,
            server_access_logs_prefix=f"s3/{id}/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge_check(
            self.bucket,
            "The bucket holds the public build of a static site, served through CloudFront OAC; SSE-S3 "
            "protects it at rest without a key policy for CloudFront.",
            nag="S3DefaultEncryptionKMS",
            guard="s3_bucket_default_encryption_kms_check",
        )
        # An API answers HTTPS only: a redirect would turn a POST into a GET.
        extra = (
            {api_path: self.api_behavior(cloudfront.ViewerProtocolPolicy.HTTPS_ONLY)}
            if api_path and settings.alb_origin
            else {}
        )
        self.distribution = self.build(
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
            ),
            additional_behaviors=extra,
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=code, response_http_status=200, response_page_path="/index.html"
                )
                for code in (403, 404)
            ],
        )


class AppSite(_Distribution):
    """The distribution in front of the ALB: container front ends and HTTP services no static site routes to."""

    def __init__(self, scope: Construct, id: str, *, settings: EdgeSettings, names: Sequence[str]) -> None:
        super().__init__(scope, id, settings=settings, names=names)
        # Browsers open container front ends by name: plain http:// is redirected to HTTPS.
        default = self.api_behavior(cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS)
        self.distribution = self.build(default_behavior=default)
        acknowledge_check(
            self.distribution,
            "Every path, '/' included, goes to the ALB, whose routes answer it; a default root object would "
            "rewrite '/' to a file the containers do not serve.",
            guard="cloudfront_default_root_object_configured_check",
        )


def security_headers(scope: Construct, id: str) -> cloudfront.ResponseHeadersPolicy:
    """HSTS for a year with subdomains and preload, nosniff, DENY framing, strict referrer, XSS protection."""
    return cloudfront.ResponseHeadersPolicy(
        scope,
        id,
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=Duration.days(365),
                include_subdomains=True,
                preload=True,
                override=True,
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=True
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                override=True,
            ),
            xss_protection=cloudfront.ResponseHeadersXSSProtection(
                protection=True, mode_block=True, override=True
            ),
        ),
    )


def note_no_cdn_alarm(site: Construct, *, region: str) -> None:
    """Alarms cannot read metrics of another region: say so where docgen and `cdk synth` show notes."""
    Annotations.of(site).add_info(
        f"No CloudFront 5xx alarm for {site.node.id}: CloudFront metrics exist only in "
        f"{CLOUDFRONT_METRICS_REGION} and this environment is in {region}; the operations dashboard "
        "still graphs them."
    )
