"""The secure edge and the compliance packs, on the default design and the two edge designs of the zoo.

Default design: a domain per environment (HTTPS end to end), customer-managed keys, NIST 800-53 r5.
zoo/edge-domain.yaml: a domain in eu-central-1 (certificate and web ACL in a us-east-1 stack), all four packs.
zoo/edge-nodomain.yaml: no domain, no static site: the API only through CloudFront's `app` distribution.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match

from designspec import load_design
from designspec.security import cloudfront_prefix_list
from stacks.compliance import unacknowledged_findings
from stacks.waf import MANAGED_RULE_GROUPS, RATE_RULE, WAF_LOG_PREFIX
from tests.conftest import ROOT, Synth, ZooRun, zoo_run_of
from tests.security_checks import cfn_lint_problems, open_ingress, resources

pytestmark = pytest.mark.synth
DESIGN = load_design(ROOT / "design.yaml")
ZOO = ROOT / "zoo"


def _zoo_synth(name: str, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The zoo design's session run (shared with test_zoo), as a Synth of its assembly."""
    run = zoo_run_of(ZOO / f"{name}.yaml", tmp_path_factory)
    assert run.synth_error is None, run.synth_error
    return Synth(None, run.outdir)


@pytest.fixture(scope="session")
def edge_domain(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _zoo_synth("edge-domain", tmp_path_factory)


@pytest.fixture(scope="session")
def edge_nodomain(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _zoo_synth("edge-nodomain", tmp_path_factory)


@pytest.fixture(params=["default", "edge-domain", "edge-nodomain"])
def any_synth(request: pytest.FixtureRequest) -> Synth:
    name = {"default": "default_synth", "edge-domain": "edge_domain", "edge-nodomain": "edge_nodomain"}
    return request.getfixturevalue(name[request.param])  # type: ignore[no-any-return]


def of_type(synth: Synth, cfn_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(template file name, logical id, resource) of every resource of `cfn_type` in the assembly."""
    return [(f.name, lid, r) for f, lid, r in resources(synth.outdir, cfn_type)]


def test_no_security_group_accepts_the_internet(default_synth: Synth) -> None:
    assert open_ingress(default_synth.outdir) == []


def test_no_security_group_of_a_zoo_design_accepts_the_internet(zoo_run: ZooRun) -> None:
    assert zoo_run.synth_error is None, f"{zoo_run.name}: synth failed: {zoo_run.synth_error}"
    assert open_ingress(zoo_run.outdir) == []


def test_the_open_ingress_check_finds_an_open_rule(tmp_path: Path) -> None:
    """The helper is not vacuous: the pre-change ALB rule (HTTP from 0.0.0.0/0) is reported."""
    sg = {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "alb"}}
    sg["Properties"]["SecurityGroupIngress"] = [{"CidrIp": "0.0.0.0/0", "FromPort": 80, "IpProtocol": "tcp"}]
    (tmp_path / "assembly-x").mkdir()
    (tmp_path / "assembly-x" / "x.template.json").write_text(json.dumps({"Resources": {"Alb": sg}}))
    assert open_ingress(tmp_path) == ["x.template.json/Alb port 80"]


def test_every_compliance_plugin_ran_and_left_no_finding(any_synth: Synth) -> None:
    """AwsSolutions fails the synth itself; the report shows the packs and the Guard plugin ran, clean."""
    design = load_design(_design_file(any_synth))
    report = json.loads((any_synth.outdir / "validation-report.json").read_text())
    ran = {p["pluginName"] for p in report["pluginReports"]}
    expected = {"cdk-validator-cfnguard"} | {
        {"nist-800-53-r5": "NIST.800.53.R5", "hipaa": "HIPAA.Security", "pci-dss": "PCI.DSS.321"}[p]
        for p in design.security.packs()
        if p != "aws-solutions"
    }
    assert expected <= ran
    assert unacknowledged_findings(any_synth.outdir) == []


def test_cfn_lint_finds_no_error_or_unexplained_warning_in_the_default_synth(default_synth: Synth) -> None:
    assert cfn_lint_problems(default_synth.outdir) == []


@pytest.mark.parametrize("env", sorted(DESIGN.aws_environments()))
def test_default_design_alb_is_internal_on_https_for_cloudfront_only(default_synth: Synth, env: str) -> None:
    platform = default_synth.template(env, "Platform")
    platform.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internal"})
    platform.resource_properties_count_is("AWS::ElasticLoadBalancingV2::Listener", {"Protocol": "HTTP"}, 0)
    platform.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Protocol": "HTTPS",
            "Port": 443,
            "SslPolicy": Match.string_like_regexp(r"^ELBSecurityPolicy-TLS13-1-2"),
            "Certificates": [{"CertificateArn": Match.any_value()}],
        },
    )
    platform.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "SourcePrefixListId": cloudfront_prefix_list(DESIGN.environments[env].region or ""),
            "FromPort": 443,
        },
    )
    domain = DESIGN.environments[env].domain
    assert domain is not None
    platform.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {"DomainName": domain.origin, "ValidationMethod": "DNS"},
    )
    platform.has_resource_properties(
        "AWS::Route53::RecordSet", {"Name": f"{domain.origin}.", "Type": "A", "HostedZoneId": domain.zone_id}
    )


@pytest.mark.parametrize("env", sorted(DESIGN.aws_environments()))
def test_default_design_distributions_use_the_domain_tls12_waf_and_a_vpc_origin(
    default_synth: Synth, env: str
) -> None:
    edge = default_synth.template(env, "Edge")
    domain = DESIGN.environments[env].domain
    assert domain is not None
    hosts = [domain.host(fe.name) for fe in DESIGN.static_frontends()]
    edge.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {"DomainName": hosts[0], "SubjectAlternativeNames": hosts[1:], "ValidationMethod": "DNS"},
    )
    edge.has_resource_properties(
        "AWS::CloudFront::VpcOrigin",
        {"VpcOriginEndpointConfig": Match.object_like({"OriginProtocolPolicy": "https-only"})},
    )
    for host in hosts:
        edge.has_resource_properties(
            "AWS::CloudFront::Distribution",
            {
                "DistributionConfig": Match.object_like(
                    {
                        "Aliases": [host],
                        "WebACLId": Match.any_value(),
                        "ViewerCertificate": {
                            "AcmCertificateArn": Match.any_value(),
                            "MinimumProtocolVersion": "TLSv1.2_2021",
                            "SslSupportMethod": "sni-only",
                        },
                    }
                )
            },
        )
        for record_type in ("A", "AAAA"):
            edge.has_resource_properties("AWS::Route53::RecordSet", {"Name": f"{host}.", "Type": record_type})
    edge.has_resource_properties(
        "AWS::CloudFront::ResponseHeadersPolicy",
        {
            "ResponseHeadersPolicyConfig": Match.object_like(
                {
                    "SecurityHeadersConfig": Match.object_like(
                        {
                            "StrictTransportSecurity": Match.object_like(
                                {"AccessControlMaxAgeSec": 31536000, "IncludeSubdomains": True}
                            )
                        }
                    )
                }
            )
        },
    )


@pytest.mark.parametrize("env", sorted(DESIGN.aws_environments()))
def test_waf_has_managed_groups_a_rate_rule_from_the_spec_and_logs(default_synth: Synth, env: str) -> None:
    edge = default_synth.template(env, "Edge")
    waf = DESIGN.security.waf
    edge.has_resource_properties(
        "AWS::WAFv2::WebACL",
        {
            "Scope": "CLOUDFRONT",
            "Rules": [
                *(
                    Match.object_like(
                        {
                            "Name": g,
                            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": g}},
                        }
                    )
                    for g in MANAGED_RULE_GROUPS
                ),
                Match.object_like(
                    {
                        "Name": RATE_RULE,
                        "Action": {"Block": {}},
                        "Statement": {
                            "RateBasedStatement": Match.object_like(
                                {"Limit": waf.rate_limit_per_5_minutes, "AggregateKeyType": "IP"}
                            )
                        },
                    }
                ),
            ],
        },
    )
    days = waf.log_retention_days or DESIGN.observability.logging.retention_days.access
    edge.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": Match.string_like_regexp(f"^{WAF_LOG_PREFIX}"), "RetentionInDays": days},
    )
    edge.resource_count_is("AWS::WAFv2::LoggingConfiguration", 1)


def test_edge_domain_puts_certificate_and_web_acl_in_us_east_1(edge_domain: Synth) -> None:
    manifest = json.loads((edge_domain.outdir / "assembly-prod" / "manifest.json").read_text())
    regions = {
        a["displayName"].split(" ")[0]: a["environment"].rsplit("/", 1)[1]
        for a in manifest["artifacts"].values()
        if a["type"] == "aws:cloudformation:stack"
    }
    assert regions["prod/EdgeGlobal"] == "us-east-1" and regions["prod/Edge"] == "eu-central-1"
    edge_global = edge_domain.template("prod", "EdgeGlobal")
    edge_global.has_resource_properties("AWS::WAFv2::WebACL", {"Scope": "CLOUDFRONT"})
    edge_global.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {"DomainName": "shop.example.org", "SubjectAlternativeNames": ["backoffice.shop.example.org"]},
    )
    # The container front end and the API are served by the `app` distribution, through the VPC origin.
    edge = edge_domain.template("prod", "Edge")
    edge.resource_count_is("AWS::CloudFront::Distribution", 2)
    edge.resource_count_is("AWS::CloudFront::VpcOrigin", 1)
    edge.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": Match.object_like({"Aliases": ["backoffice.shop.example.org"]})},
    )


def test_without_a_domain_cloudfront_reaches_an_internal_http_alb_through_a_vpc_origin(
    edge_nodomain: Synth,
) -> None:
    platform = edge_nodomain.template("staging", "Platform")
    platform.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internal"})
    platform.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Protocol": "HTTP", "Port": 80}
    )
    platform.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress", {"SourcePrefixListId": cloudfront_prefix_list("us-west-2")}
    )
    edge = edge_nodomain.template("staging", "Edge")
    edge.has_resource_properties(
        "AWS::CloudFront::VpcOrigin",
        {"VpcOriginEndpointConfig": Match.object_like({"OriginProtocolPolicy": "http-only"})},
    )
    # No static site: one `app` distribution whose default behaviour goes to the ALB.
    edge.resource_count_is("AWS::CloudFront::Distribution", 1)
    # A plaintext origin gets an allow-list of viewer headers, never Authorization or every header.
    edge.has_resource_properties(
        "AWS::CloudFront::OriginRequestPolicy",
        {
            "OriginRequestPolicyConfig": Match.object_like(
                {
                    "HeadersConfig": {
                        "HeaderBehavior": "whitelist",
                        "Headers": Match.array_with(["Content-Type"]),
                    }
                }
            )
        },
    )
    policy = of_type(edge_nodomain, "AWS::CloudFront::OriginRequestPolicy")[0][2]
    assert (
        "Authorization" not in policy["Properties"]["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"]
    )
    assert of_type(edge_nodomain, "AWS::CertificateManager::Certificate") == []
    assert of_type(edge_nodomain, "AWS::Route53::RecordSet") == []


def _design_file(synth: Synth) -> Path:
    folder = synth.outdir.parent.name  # a zoo run's assembly is <tmp>/zoo-<design><n>/cdk.out
    for zoo in ("edge-nodomain", "edge-domain"):
        if folder.startswith(f"zoo-{zoo}"):
            return ZOO / f"{zoo}.yaml"
    return ROOT / "design.yaml"


def test_a_control_tower_finding_fails_the_synth(tmp_path: Path) -> None:
    """The Guard plugin really runs on every synth: a log group kept a week fails CT.CLOUDWATCH.PR.2."""
    from aws_cdk import aws_logs as logs

    from app import build_app

    app = build_app(str(ROOT / "design.yaml"), outdir=str(tmp_path), environments=["staging"])
    network = app.node.find_child("staging").node.find_child("Network")
    logs.LogGroup(network, "CarelessLogs", retention=logs.RetentionDays.ONE_WEEK)
    with pytest.raises(RuntimeError, match=r"cloudwatch_log_group_retention_period_check"):
        app.synth()
    findings = unacknowledged_findings(tmp_path)
    assert any("cdk-validator-cfnguard cloudwatch_log_group_retention_period_check" in f for f in findings)
    assert any("staging/Network/CarelessLogs" in f for f in findings)


def test_a_validation_plugin_that_did_not_run_fails_the_synth(tmp_path: Path) -> None:
    """CDK records a plugin that raised as a failed plugin without findings and lets the synth pass; app.py
    refuses it (a fresh clone once synthesized with the Guard plugin crashed, and nothing said so)."""
    report = {
        "pluginReports": [
            {
                "pluginName": "cdk-validator-cfnguard",
                "conclusion": "failure",
                "violations": [],
                "metadata": {
                    "error": "Validation plugin 'cdk-validator-cfnguard' failed:\n 'cdk.out/x.json'"
                },
            },
            {"pluginName": "NIST.800.53.R5", "conclusion": "success", "violations": []},
        ]
    }
    (tmp_path / "validation-report.json").write_text(json.dumps(report))
    assert unacknowledged_findings(tmp_path) == [
        "cdk-validator-cfnguard did not run: Validation plugin 'cdk-validator-cfnguard' failed: 'cdk.out/x.json'"
    ]
