"""Hardening of the default design's data stores, topics, containers and keys, and the security spec's checks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from designspec import SpecError, load_design, parse_design
from tests.conftest import ROOT, Synth

DESIGN = load_design(ROOT / "design.yaml")
ENVS = sorted(DESIGN.aws_environments())


def all_resources(synth: Synth, env: str, cfn_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (stack, lid, res)
        for stack, template in synth.templates(env).items()
        for lid, res in template.get("Resources", {}).items()
        if res["Type"] == cfn_type
    ]


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_postgres_requires_tls_and_prod_has_enhanced_monitoring(default_synth: Synth, env: str) -> None:
    data = default_synth.template(env, "Data")
    data.has_resource_properties(
        "AWS::RDS::DBParameterGroup", {"Parameters": {"rds.force_ssl": "1"}, "Family": "postgres17"}
    )
    ((_, _, db),) = all_resources(default_synth, env, "AWS::RDS::DBInstance")
    assert "Ref" in db["Properties"]["DBParameterGroupName"]
    production = DESIGN.environments[env].protection == "production"
    assert db["Properties"].get("EnablePerformanceInsights", False) is production
    assert ("MonitoringInterval" in db["Properties"]) is production
    # RDS exports its logs to groups the stack creates with retention and key: no log-retention Lambda.
    assert all_resources(default_synth, env, "Custom::LogRetention") == []


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_redis_leaves_a_final_snapshot(default_synth: Synth, env: str) -> None:
    ((_, _, group),) = all_resources(default_synth, env, "AWS::ElastiCache::ReplicationGroup")
    assert group["DeletionPolicy"] == "Snapshot" and group["UpdateReplacePolicy"] == "Snapshot"


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_alb_deletion_protection_follows_the_protection_level(default_synth: Synth, env: str) -> None:
    ((_, _, alb),) = all_resources(default_synth, env, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    attributes = {a["Key"]: a["Value"] for a in alb["Properties"]["LoadBalancerAttributes"]}
    production = DESIGN.environments[env].protection == "production"
    assert attributes["deletion_protection.enabled"] == str(production).lower()


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_alarm_topics_accept_only_this_accounts_publishers(default_synth: Synth, env: str) -> None:
    policies = all_resources(default_synth, env, "AWS::SNS::TopicPolicy")
    assert policies
    for _, _, policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                assert statement["Condition"] == {
                    "StringEquals": {"aws:SourceAccount": DESIGN.environments[env].account}
                }


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_app_containers_have_read_only_root_and_a_tmp_volume(default_synth: Synth, env: str) -> None:
    for name in DESIGN.sized_names():
        tpl = default_synth.template(env, f"Service-{name}")
        tpl.has_resource_properties(
            "AWS::ECS::TaskDefinition",
            {
                "ContainerDefinitions": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Name": "app",
                                "ReadonlyRootFilesystem": True,
                                "MountPoints": [
                                    {"ContainerPath": "/tmp", "SourceVolume": "tmp", "ReadOnly": False}
                                ],
                            }
                        )
                    ]
                ),
                "Volumes": Match.array_with([{"Name": "tmp"}]),
            },
        )


KMS_PROPERTY = {
    "AWS::Logs::LogGroup": "KmsKeyId",
    "AWS::SQS::Queue": "KmsMasterKeyId",
    "AWS::SecretsManager::Secret": "KmsKeyId",
    "AWS::RDS::DBInstance": "KmsKeyId",
    "AWS::ElastiCache::ReplicationGroup": "KmsKeyId",
    "AWS::Backup::BackupVault": "EncryptionKeyArn",
}


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_customer_managed_keys_encrypt_every_store_log_group_queue_and_secret(
    default_synth: Synth, env: str
) -> None:
    assert DESIGN.security.encryption == "customer-managed"
    checked = 0
    for cfn_type, prop in KMS_PROPERTY.items():
        for stack, lid, res in all_resources(default_synth, env, cfn_type):
            if stack == "BackupCopy":  # another region: its own key, checked below
                assert "EncryptionKeyArn" in res["Properties"]
                continue
            assert prop in res["Properties"], f"{stack}/{lid} ({cfn_type}) has no {prop}"
            checked += 1
    assert checked >= 20
    for _, lid, res in all_resources(default_synth, env, "AWS::ECR::Repository"):
        assert res["Properties"]["EncryptionConfiguration"]["EncryptionType"] == "KMS", lid
    keys = all_resources(default_synth, env, "AWS::KMS::Key")
    assert keys and all(k["Properties"]["EnableKeyRotation"] for _, _, k in keys)
    for _, lid, key in keys:  # only AWS services may create grants (Control Tower CT.KMS.PR.3)
        statements = key["Properties"]["KeyPolicy"]["Statement"]
        assert any(s["Effect"] == "Deny" and s["Action"] == "kms:CreateGrant" for s in statements), lid


@pytest.mark.synth
def test_compliance_packs_and_acknowledgements_reach_template_metadata(default_synth: Synth) -> None:
    for env in ENVS:
        metadata = default_synth.templates(env)["Observability"]["Metadata"]["Compliance"]
        assert [p["pack"] for p in metadata["packs"]] == [*DESIGN.security.packs(), "control-tower-proactive"]
        assert metadata["encryption"] == DESIGN.security.encryption
        acked = {
            ack["id"].split("::")[0] if "::" in ack["id"] else "AwsSolutions"
            for template in default_synth.templates(env).values()
            for res in template["Resources"].values()
            for ack in res.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        }
        assert {"AwsSolutions", "NIST.800.53.R5", "cdk-validator-cfnguard"} <= acked


SPEC = """
project: shop
services: [{name: api, type: http, image: x, port: 80}]
environments:
  prod:
    platform: aws
    account: "123456789012"
    region: REGION
    availability_zones: [REGIONa, REGIONb]
    services: {api: {cpu: 256, memory: 512, desired: 1, min: 1, max: 1}}
observability: {on_call: {notify: {P1: [ops@example.com], P2: [ops@example.com], P3: [ops@example.com]}}}
"""


def test_a_region_without_a_known_cloudfront_prefix_list_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match=r"environments\.prod\.region.*'mx-central-1'.*known regions: ap-"):
        parse_design(SPEC.replace("REGION", "mx-central-1"), "d.yaml")


def test_domain_hosts_must_name_a_distribution_and_differ() -> None:
    base = SPEC.replace("REGION", "us-east-1").replace(
        "    services: {api",
        "    domain: {zone_id: Z1, zone_name: example.com, hosts: HOSTS}\n    services: {api",
    )
    with pytest.raises(SpecError, match=r"domain\.hosts\.web.*unknown distribution 'web'; allowed: app"):
        parse_design(base.replace("HOSTS", "{web: www}"), "d.yaml")
    with pytest.raises(SpecError, match=r"host 'origin' is already used by origin_host"):
        parse_design(base.replace("HOSTS", "{app: origin}"), "d.yaml")
    design = parse_design(base.replace("HOSTS", "{app: '@'}"), "d.yaml")
    domain = design.environments["prod"].domain
    assert (
        domain is not None and domain.host("app") == "example.com" and domain.origin == "origin.example.com"
    )


def test_aws_solutions_always_runs_first() -> None:
    spec = SPEC.replace("REGION", "us-east-1") + "security: {compliance_packs: [hipaa, nist-800-53-r5]}\n"
    assert parse_design(spec, "d.yaml").security.packs() == ("aws-solutions", "hipaa", "nist-800-53-r5")
    with pytest.raises(SpecError, match=r"security\.compliance_packs\[0\]: 'sox' is not allowed"):
        parse_design(SPEC.replace("REGION", "us-east-1") + "security: {compliance_packs: [sox]}\n", "d.yaml")


def test_the_prefix_list_data_file_is_sourced_and_dated() -> None:
    import yaml

    data = yaml.safe_load((ROOT / "designspec/data/cloudfront-origin-facing-prefix-lists.yaml").read_text())
    assert data["source"] and data["read_on"] and json.dumps(data["prefix_lists"]).count("pl-") >= 17
