"""CDK assertions on the default design's templates, per environment, with expectations taken from the spec."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from designspec import load_design
from designspec.security import cloudfront_prefix_list
from designspec.wiring import bindings
from tests.conftest import ROOT, Synth

pytestmark = pytest.mark.synth
DESIGN = load_design(ROOT / "design.yaml")
ENVS = sorted(DESIGN.aws_environments())


def resources(synth: Synth, env: str, cfn_type: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """(stack id, logical id, resource) of every resource in an environment, optionally of one type."""
    out = []
    for stack_id, template in synth.templates(env).items():
        for logical_id, res in template.get("Resources", {}).items():
            if cfn_type is None or res["Type"] == cfn_type:
                out.append((stack_id, logical_id, res))
    return out


@pytest.mark.parametrize("env", ENVS)
def test_rds_follows_the_environment_sizing(default_synth: Synth, env: str) -> None:
    size = DESIGN.environments[env].databases["appdb"]
    default_synth.template(env, "Data").has_resource_properties(
        "AWS::RDS::DBInstance",
        {
            "Engine": "postgres",
            "EngineVersion": Match.string_like_regexp(r"^17\."),
            "DBInstanceClass": size.instance_class,
            "MultiAZ": size.multi_az,
            "AllocatedStorage": str(size.allocated_storage_gb),
            "MaxAllocatedStorage": size.max_allocated_storage_gb,
            "StorageType": "gp3",
            "StorageEncrypted": True,
            "BackupRetentionPeriod": size.backup_retention_days,
            "DeletionProtection": size.deletion_protection,
            "PubliclyAccessible": False,
        },
    )


def test_prod_database_is_multi_az_and_staging_is_not(default_synth: Synth) -> None:
    multi_az = {
        env: [r["Properties"]["MultiAZ"] for _, _, r in resources(default_synth, env, "AWS::RDS::DBInstance")]
        for env in ENVS
    }
    assert multi_az == {"prod": [True], "staging": [False]}


@pytest.mark.parametrize("env", ENVS)
def test_database_credentials_are_generated_and_rotated(default_synth: Synth, env: str) -> None:
    data = default_synth.template(env, "Data")
    data.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {
            "GenerateSecretString": Match.object_like(
                {"SecretStringTemplate": '{"username":"postgres"}', "GenerateStringKey": "password"}
            )
        },
    )
    data.has_resource_properties(
        "AWS::SecretsManager::RotationSchedule",
        {
            "HostedRotationLambda": Match.object_like({"RotationType": "PostgreSQLSingleUser"}),
            "RotationRules": {"ScheduleExpression": "rate(30 days)"},
        },
    )


@pytest.mark.parametrize("env", ENVS)
def test_redis_is_encrypted_with_auth_from_secrets_manager(default_synth: Synth, env: str) -> None:
    size = DESIGN.environments[env].caches["cache"]
    default_synth.template(env, "Data").has_resource_properties(
        "AWS::ElastiCache::ReplicationGroup",
        {
            "Engine": "redis",
            "CacheNodeType": size.node_type,
            "NumCacheClusters": 1 + size.replicas,
            "AutomaticFailoverEnabled": size.replicas > 0,
            "MultiAZEnabled": size.replicas > 0,
            "TransitEncryptionEnabled": True,
            "AtRestEncryptionEnabled": True,
        },
    )
    ((_, _, group),) = resources(default_synth, env, "AWS::ElastiCache::ReplicationGroup")
    token = json.dumps(group["Properties"]["AuthToken"])
    assert "{{resolve:secretsmanager:" in token and ":SecretString:::}}" in token


@pytest.mark.parametrize("env", ENVS)
def test_every_queue_has_a_dlq_sse_and_tls_only_policy(default_synth: Synth, env: str) -> None:
    messaging = default_synth.template(env, "Messaging")
    for queue in DESIGN.queues:
        messaging.has_resource_properties(
            "AWS::SQS::Queue",
            {
                "VisibilityTimeout": queue.visibility_timeout_seconds,
                # the design's own KMS key with customer-managed encryption, else SQS-managed SSE
                **(
                    {"KmsMasterKeyId": Match.any_value()}
                    if DESIGN.security.encryption == "customer-managed"
                    else {"SqsManagedSseEnabled": True}
                ),
                "RedrivePolicy": {
                    "deadLetterTargetArn": Match.any_value(),
                    "maxReceiveCount": queue.max_receive_count,
                },
            },
        )
    policies = resources(default_synth, env, "AWS::SQS::QueuePolicy")
    assert len(policies) == 2 * len(DESIGN.queues)  # queue and DLQ each
    for _, _, policy in policies:
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )


@pytest.mark.parametrize("env", ENVS)
def test_task_definitions_match_the_spec_sizing(default_synth: Synth, env: str) -> None:
    for name, size in DESIGN.environments[env].services.items():
        tpl = default_synth.template(env, f"Service-{name}")
        tpl.has_resource_properties(
            "AWS::ECS::TaskDefinition",
            {
                "Cpu": str(size.cpu),
                "Memory": str(size.memory),
                "RequiresCompatibilities": ["FARGATE"],
                "RuntimePlatform": {
                    "CpuArchitecture": size.architecture.upper().replace("X86_64", "X86_64"),
                    "OperatingSystemFamily": "LINUX",
                },
            },
        )
        tpl.has_resource_properties(
            "AWS::ECS::Service",
            {
                "DesiredCount": size.desired,
                "DeploymentConfiguration": Match.object_like(
                    {"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
                ),
                "NetworkConfiguration": {
                    "AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "DISABLED"})
                },
            },
        )
        tpl.has_resource_properties(
            "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": size.min, "MaxCapacity": size.max}
        )


@pytest.mark.parametrize("env", ENVS)
def test_every_container_secret_comes_from_secrets_manager(default_synth: Synth, env: str) -> None:
    secret_arns = {
        f"{stack}/{lid}" for stack, lid, _ in resources(default_synth, env, "AWS::SecretsManager::Secret")
    }
    assert secret_arns
    for svc in DESIGN.services:
        expected_secret_vars = {b.name for b in bindings(DESIGN, svc) if b.kind == "secret"}
        expected_plain_vars = {b.name for b in bindings(DESIGN, svc) if b.kind == "plain"}
        ((_, _, task),) = [
            r
            for r in resources(default_synth, env, "AWS::ECS::TaskDefinition")
            if r[0] == f"Service-{svc.name}"
        ]
        container = task["Properties"]["ContainerDefinitions"][0]
        secrets = {s["Name"]: s["ValueFrom"] for s in container.get("Secrets", [])}
        plain = {e["Name"] for e in container.get("Environment", [])}
        assert set(secrets) == expected_secret_vars
        # plus the telemetry settings every container gets (OTEL_*, X-Ray daemon address), none of them secret
        assert plain >= expected_plain_vars
        assert all(v.startswith(("OTEL_", "AWS_XRAY_")) for v in plain - expected_plain_vars), plain
        for value_from in secrets.values():
            # an import of a Secrets Manager secret ARN exported by the Data stack (optionally with a JSON key);
            # the database secret is exported through its attachment, whose Ref is the same secret ARN
            assert exported_resource(default_synth, env, value_from)["Type"] in (
                "AWS::SecretsManager::Secret",
                "AWS::SecretsManager::SecretTargetAttachment",
            )


def exported_resource(synth: Synth, env: str, value: Any) -> dict[str, Any]:
    """The resource behind the first Fn::ImportValue inside `value`, found through the exporting stack's Outputs."""
    text = json.dumps(value)
    for template in synth.templates(env).values():
        for out in template.get("Outputs", {}).values():
            name = out.get("Export", {}).get("Name")
            if isinstance(name, str) and f'"Fn::ImportValue": "{name}"' in text:
                ref = out["Value"].get("Ref") or out["Value"]["Fn::GetAtt"][0]
                return template["Resources"][ref]
    raise AssertionError(f"no export found for {text}")


def _ingress_rules(synth: Synth, env: str) -> set[tuple[str, str, int]]:
    """Every ingress rule as (source, target security group description, port); source 'cidr:x' for CIDRs."""
    descr = {
        lid: res["Properties"]["GroupDescription"]
        for _, lid, res in resources(synth, env, "AWS::EC2::SecurityGroup")
    }
    templates = synth.templates(env)

    def sg_name(ref: Any) -> str:
        text = json.dumps(ref)
        for lid, d in sorted(descr.items(), key=lambda kv: -len(kv[0])):
            if lid in text:
                return d
        for stack in templates.values():  # imported from another stack: resolve the export
            for out in stack.get("Outputs", {}).values():
                name = out.get("Export", {}).get("Name")
                if name and name in text:
                    return sg_name(out["Value"])
        raise AssertionError(f"unresolved security group {text}")

    rules = set()
    for _, _, res in resources(synth, env):
        props = res.get("Properties", {})
        if res["Type"] == "AWS::EC2::SecurityGroupIngress":
            source = (
                f"pl:{props['SourcePrefixListId']}"
                if "SourcePrefixListId" in props
                else sg_name(props["SourceSecurityGroupId"])
            )
            rules.add((source, sg_name(props["GroupId"]), props["FromPort"]))
        if res["Type"] == "AWS::EC2::SecurityGroup":
            for rule in props.get("SecurityGroupIngress", []):
                source = (
                    f"cidr:{rule['CidrIp']}" if "CidrIp" in rule else sg_name(rule["SourceSecurityGroupId"])
                )
                rules.add((source, props["GroupDescription"], rule["FromPort"]))
    return rules


@pytest.mark.parametrize("env", ENVS)
def test_security_group_ingress_is_exactly_what_each_edge_needs(default_synth: Synth, env: str) -> None:
    # The ALB admits only CloudFront's origin-facing servers (the VPC origin), on HTTPS: the design has a domain.
    region = DESIGN.environments[env].region or ""
    expected = {(f"pl:{cloudfront_prefix_list(region)}", "ALB: HTTPS from CloudFront", 443)}
    for svc in DESIGN.services:
        if svc.port:
            expected.add(("ALB: HTTPS from CloudFront", f"{svc.name} tasks", svc.port))
        for db in svc.databases:
            expected.add((f"{svc.name} tasks", f"{db}: PostgreSQL", 5432))
        for cache in svc.caches:
            expected.add((f"{svc.name} tasks", f"{cache}: Redis", 6379))
    rotation = {
        r for r in _ingress_rules(default_synth, env) if "Rotation" in r[0] or "rotation" in r[0].lower()
    }
    assert {(r[1], r[2]) for r in rotation} == {(f"{db.name}: PostgreSQL", 5432) for db in DESIGN.databases}
    assert _ingress_rules(default_synth, env) - rotation == expected


@pytest.mark.parametrize("env", ENVS)
def test_network_follows_the_spec(default_synth: Synth, env: str) -> None:
    spec = DESIGN.environments[env]
    net = default_synth.template(env, "Network")
    net.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": spec.vpc_cidr})
    net.resource_count_is("AWS::EC2::NatGateway", spec.nat_gateways)
    net.resource_count_is("AWS::EC2::Subnet", 3 * len(spec.availability_zones))
    net.has_resource_properties(
        "AWS::EC2::FlowLog", {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}
    )
    zones = {
        r["Properties"]["AvailabilityZone"] for _, _, r in resources(default_synth, env, "AWS::EC2::Subnet")
    }
    assert zones == set(spec.availability_zones)


@pytest.mark.parametrize("env", ENVS)
def test_alb_routes_each_http_service_and_logs_access(default_synth: Synth, env: str) -> None:
    default_synth.template(env, "Platform").has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Scheme": "internal",
        },
    )
    ((_, _, alb),) = resources(default_synth, env, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    attributes = {a["Key"]: a["Value"] for a in alb["Properties"]["LoadBalancerAttributes"]}
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    default_synth.template(env, "Platform").has_resource_properties(
        "AWS::ECS::Cluster", {"ClusterSettings": [{"Name": "containerInsights", "Value": "enhanced"}]}
    )
    for svc in DESIGN.http_services():
        tpl = default_synth.template(env, f"Service-{svc.name}")
        tpl.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            {
                "Conditions": [
                    {"Field": "path-pattern", "PathPatternConfig": {"Values": list(svc.path_patterns)}}
                ]
            },
        )
        tpl.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            {"HealthCheckPath": svc.health_check_path, "Port": svc.port, "TargetType": "ip"},
        )


@pytest.mark.parametrize("env", ENVS)
def test_scaling_policies_per_service_kind(default_synth: Synth, env: str) -> None:
    for svc in DESIGN.services:
        policies = [
            r["Properties"]
            for stack, _, r in resources(default_synth, env, "AWS::ApplicationAutoScaling::ScalingPolicy")
            if stack == f"Service-{svc.name}"
        ]
        kinds = sorted(p["PolicyType"] for p in policies)
        if svc.type == "http":
            metrics = sorted(
                p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
                    "PredefinedMetricType"
                ]
                for p in policies
                if p["PolicyType"] == "TargetTrackingScaling"
            )
            assert metrics == ["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]
        else:
            assert "StepScaling" in kinds, (svc.name, kinds)


@pytest.mark.parametrize("env", ENVS)
def test_static_frontends_are_private_buckets_behind_cloudfront(default_synth: Synth, env: str) -> None:
    edge = default_synth.template(env, "Edge")
    edge.resource_count_is("AWS::CloudFront::Distribution", len(DESIGN.static_frontends()))
    edge.resource_count_is("AWS::CloudFront::OriginAccessControl", len(DESIGN.static_frontends()))
    edge.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": Match.object_like(
                {
                    "Logging": Match.object_like({"Bucket": Match.any_value()}),
                    "CacheBehaviors": Match.array_with(
                        [Match.object_like({"PathPattern": "/api/*", "ViewerProtocolPolicy": "https-only"})]
                    ),
                    "DefaultCacheBehavior": Match.object_like(
                        {
                            "ViewerProtocolPolicy": "redirect-to-https",
                            "ResponseHeadersPolicyId": Match.any_value(),
                        }
                    ),
                }
            )
        },
    )
    for _, _, bucket in resources(default_synth, env, "AWS::S3::Bucket"):
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }


TAGS = ("Project", "Environment", "Service", "Seq", "Requirements")


@pytest.mark.parametrize("env", ENVS)
def test_every_taggable_resource_carries_the_cost_and_trace_tags(default_synth: Synth, env: str) -> None:
    checked = 0
    for stack, logical_id, res in resources(default_synth, env):
        tags = res.get("Properties", {}).get("Tags")
        if tags is None:
            continue
        keys = {t["Key"] for t in tags} if isinstance(tags, list) else set(tags)
        missing = [t for t in TAGS if t not in keys]
        assert not missing, f"{env}/{stack}/{logical_id} ({res['Type']}) lacks {missing}"
        checked += 1
    assert checked > 50


@pytest.mark.parametrize("env", ENVS)
def test_component_tags_record_seq_and_requirements(default_synth: Synth, env: str) -> None:
    ((_, _, db),) = resources(default_synth, env, "AWS::RDS::DBInstance")
    tags = {t["Key"]: t["Value"] for t in db["Properties"]["Tags"]}
    spec = DESIGN.databases[0]
    assert tags["Service"] == spec.name
    assert tags["Seq"] == str(spec.seq)
    assert tags["Requirements"] == " ".join(sorted(spec.requirements))


def test_no_plaintext_secret_in_any_template(default_synth: Synth) -> None:
    for env in ENVS:
        for stack, template in default_synth.templates(env).items():
            for lid, res in template["Resources"].items():
                props = res.get("Properties", {})
                assert "SecretString" not in props, f"{stack}/{lid}"
                if res["Type"] == "AWS::ElastiCache::ReplicationGroup":
                    assert "{{resolve:secretsmanager:" in json.dumps(props["AuthToken"])
                if res["Type"] == "AWS::RDS::DBInstance":
                    assert "{{resolve:secretsmanager:" in json.dumps(props["MasterUserPassword"])


def test_synthesis_needed_no_context_lookup(default_synth: Synth) -> None:
    for manifest in [
        default_synth.outdir / "manifest.json",
        *(default_synth.outdir / f"assembly-{e}" / "manifest.json" for e in ENVS),
    ]:
        assert "missing" not in json.loads(manifest.read_text()), manifest


def test_nag_acknowledgements_are_written_with_reasons(default_synth: Synth) -> None:
    found = 0
    for env in ENVS:
        for template in default_synth.templates(env).values():
            for res in template["Resources"].values():
                for ack in res.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                    assert (
                        ack["id"].startswith(
                            (
                                "AwsSolutions-",
                                "CloudFormation-Validate",
                                "NIST.800.53.R5::",
                                "cdk-validator-cfnguard::",
                            )
                        )
                        and len(ack["reason"]) >= 20
                    ), ack
                    found += 1
    assert found > 0


def test_nag_fails_the_synth_on_an_unacknowledged_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """cdk-nag really runs on every synth: an S3 bucket without TLS enforcement or logs must fail it."""
    from aws_cdk import aws_s3 as s3

    from app import build_app

    app = build_app(str(ROOT / "design.yaml"), outdir=str(tmp_path), environments=["staging"])
    network = app.node.find_child("staging").node.find_child("Network")
    s3.Bucket(network, "CarelessBucket")
    with pytest.raises(RuntimeError, match=r"AwsSolutions-S10"):
        app.synth()
