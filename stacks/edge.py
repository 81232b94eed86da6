"""Static front ends: a private S3 bucket behind CloudFront with Origin Access Control and security headers."""

from __future__ import annotations

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.nag import acknowledge_all

CLOUDFRONT_METRICS_REGION = "us-east-1"  # CloudFront publishes its CloudWatch metrics in this region only


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
    return bucket


class StaticSite(Construct):
    """One SPA: its bucket, its distribution, SPA fallback to index.html and an optional /api/* route to the ALB."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        logs: s3.IBucket,
        api_path: str | None,
        alb: elbv2.IApplicationLoadBalancer | None,
    ) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Site",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=logs,
            server_access_logs_prefix=f"s3/{id}/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
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
        extra: dict[str, cloudfront.BehaviorOptions] = {}
        if api_path and alb is not None:
            extra[api_path] = cloudfront.BehaviorOptions(
                origin=origins.LoadBalancerV2Origin(
                    alb, protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=headers,
            )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=id,
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
            ),
            additional_behaviors=extra,
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=code, response_http_status=200, response_page_path="/index.html"
                )
                for code in (403, 404)
            ],
            enable_logging=True,
            log_bucket=logs,
            log_file_prefix=f"cloudfront/{id}/",
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        )
        findings = {
            "AwsSolutions-CFR1": "The apps serve every country; no geo restriction is required by the design.",
            "AwsSolutions-CFR2": "No WAF web ACL: the design names none; adding one (and its rate rules) is a decision for the Security Design.",
            "AwsSolutions-CFR4": "The design names no custom domain, so the default *.cloudfront.net certificate (TLSv1) is used.",
        }
        if extra:
            findings["AwsSolutions-CFR5"] = (
                "The ALB origin has no certificate (no domain in the design), so CloudFront reaches it over HTTP."
            )
        acknowledge_all(self.distribution, findings)


def note_no_cdn_alarm(site: StaticSite, *, region: str) -> None:
    """Alarms cannot read metrics of another region: say so where docgen and `cdk synth` show notes."""
    Annotations.of(site).add_info(
        f"No CloudFront 5xx alarm for {site.node.id}: CloudFront metrics exist only in "
        f"{CLOUDFRONT_METRICS_REGION} and this environment is in {region}; the operations dashboard "
        "still graphs them."
    )
