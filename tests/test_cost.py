"""Cost estimator: hand-computed expectations from the catalogue's own rates, and the bad-input errors."""

from __future__ import annotations

import json
import random
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docgen.assembly.model import Resource
from docgen.cost import (
    Catalogue,
    CostLine,
    Estimate,
    Usage,
    UsageAssumptions,
    available_regions,
    estimate,
    format_money,
    load_catalogue,
    load_catalogue_file,
    load_usage,
)
from docgen.cost.catalogue import PRICES_DIR
from docgen.errors import CostError
from docgen.verify.slas import load_slas

FIXTURES = Path(__file__).parent / "fixtures" / "cost"
US = load_catalogue("us-east-1")
H = US.hours_per_month  # 730


def rate(key: str) -> Decimal:
    return US.price(key)


def template(name: str, environment: str = "prod") -> list[Resource]:
    """Resources of a fixture template, as the assembly reader builds them (tags from Properties.Tags)."""
    body = json.loads((FIXTURES / f"{name}.json").read_text())
    return [
        resource(lid, r["Type"], r.get("Properties", {}), environment, name)
        for lid, r in body["Resources"].items()
    ]


def resource(
    logical_id: str, type_: str, props: dict[str, Any], environment: str = "prod", stack: str = "app"
) -> Resource:
    tags = {t["Key"]: t["Value"] for t in props.get("Tags", []) if isinstance(t, dict)}
    return Resource(
        logical_id=logical_id,
        type=type_,
        path=f"{environment}/{stack}/{logical_id}",
        stack=f"{environment}-{stack}",
        environment=environment,
        properties=props,
        tags=tags,
    )


USAGE = {
    "nat_gb_processed_month": 100,
    "alb_lcu_avg": 2,
    "cloudfront_gb_month": 2000,
    "cloudfront_https_requests_month": 30_000_000,
    "sqs_requests_month": 3_000_000,
    "log_ingest_gb_month": 4,
    "log_storage_gb": 10,
    "s3_storage_gb": 50,
    "s3_put_requests_month": 20_000,
    "s3_get_requests_month": 1_000_000,
    "secret_api_calls_month": 40_000,
    "backup_storage_gb": 30,
    "flow_log_gb_month": 8,
    "custom_metrics": 0,
    "fargate_ephemeral_gb": 20,
    "lambda_requests_month": 2_000_000,
    "lambda_duration_ms": 300,
    "api_requests_month": 4_000_000,
    "dynamodb_read_units_month": 10_000_000,
    "dynamodb_write_units_month": 3_000_000,
    "dynamodb_storage_gb": 40,
    "aurora_acu_avg": 2,
    "aurora_storage_gb": 100,
    "aurora_io_millions_month": 30,
    "stepfunctions_transitions_month": 50_000,
    "eventbridge_events_month": 2_500_000,
    "waf_requests_month": 7_000_000,
    "nlb_nlcu_avg": 3,
    "cloudmap_instances": 4,
}


def usage(**changes: Any) -> Usage:
    values = {k: Decimal(str(v)) for k, v in {**USAGE, **changes}.items()}
    return Usage(UsageAssumptions(**values), {})


def run(*names: str, catalogue: Catalogue = US, **changes: Any) -> Estimate:
    resources = [r for name in names for r in template(name)]
    return estimate(resources, catalogue, usage(**changes))


def line(est: Estimate, logical_id: str) -> CostLine:
    (found,) = [x for x in est.lines if x.logical_id == logical_id]
    return found


# ---------------------------------------------------------------- Fargate


def test_issue_example_one_1vcpu_2gb_x86_task_for_730_hours() -> None:
    task = resource("Td", "AWS::ECS::TaskDefinition", {"Cpu": "1024", "Memory": "2048"})
    service = resource("Svc", "AWS::ECS::Service", {"DesiredCount": 1, "TaskDefinition": {"Ref": "Td"}})
    result = line(estimate([task, service], US, usage()), "Svc")
    assert result.monthly == 730 * (Decimal("0.04048") + 2 * Decimal("0.004445"))
    assert result.monthly == H * (1 * rate("fargate.x86_64.vcpu_hour") + 2 * rate("fargate.x86_64.gb_hour"))
    assert result.arithmetic == "1 task × 730 h × (1 vCPU × 0.04048 + 2 GB × 0.004445)"


def test_x86_service_is_priced_at_desired_count_and_at_its_scaling_bounds() -> None:
    backend = line(run("services"), "BackendService6A1B2C3D")
    per_task = H * (
        Decimal("0.5") * rate("fargate.x86_64.vcpu_hour") + Decimal("1") * rate("fargate.x86_64.gb_hour")
    )
    assert (backend.status, backend.aws_service, backend.service) == ("priced", "ECS Fargate", "backend")
    assert backend.monthly == 2 * per_task
    assert backend.monthly_min == 1 * per_task
    assert backend.monthly_max == 4 * per_task
    assert backend.arithmetic == (
        "2 tasks × 730 h × (0.5 vCPU × 0.04048 + 1 GB × 0.004445); auto scaling min 1, max 4"
    )


def test_arm_task_uses_arm_rates_and_pays_for_ephemeral_storage_above_20_gb() -> None:
    worker = line(run("services"), "WorkerService0F1E2D3C")
    expected = (
        1
        * H
        * (
            1 * rate("fargate.arm64.vcpu_hour")
            + 2 * rate("fargate.arm64.gb_hour")
            + 10 * rate("fargate.ephemeral_storage.gb_hour")
        )
    )
    assert worker.monthly == worker.monthly_min == worker.monthly_max == expected
    assert "10 GB ephemeral × 0.000111" in worker.arithmetic
    assert "ARM64" in worker.note


def test_arm_is_cheaper_than_x86_for_the_same_task_size() -> None:
    assert rate("fargate.arm64.vcpu_hour") < rate("fargate.x86_64.vcpu_hour")
    assert rate("fargate.arm64.gb_hour") < rate("fargate.x86_64.gb_hour")


def test_task_definition_and_scaling_objects_are_free_because_the_service_carries_the_price() -> None:
    est = run("services")
    assert line(est, "BackendTaskDef2A3F1C0B").status == "free"
    assert "priced through the ECS service" in line(est, "BackendTaskDef2A3F1C0B").arithmetic
    assert line(est, "BackendServiceTaskCountTarget23E25614").status == "free"
    assert line(est, "BackendServiceTaskCountTargetCpuScaling1F2E3D4C").status == "free"


def test_desired_count_outside_the_scaling_range_is_clamped_and_said() -> None:
    task = resource("Td", "AWS::ECS::TaskDefinition", {"Cpu": "256", "Memory": "512"})
    service = resource("Svc", "AWS::ECS::Service", {"DesiredCount": 0, "TaskDefinition": {"Ref": "Td"}})
    target = resource(
        "Target",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "MinCapacity": 2,
            "MaxCapacity": 3,
            "ResourceId": {"Fn::Join": ["", [{"Fn::GetAtt": ["Svc", "Name"]}]]},
        },
    )
    result = line(estimate([task, service, target], US, usage()), "Svc")
    per_task = H * (
        Decimal("0.25") * rate("fargate.x86_64.vcpu_hour") + Decimal("0.5") * rate("fargate.x86_64.gb_hour")
    )
    assert (result.monthly, result.monthly_min, result.monthly_max) == (
        2 * per_task,
        2 * per_task,
        3 * per_task,
    )
    assert "clamped" in result.note


@given(
    st.sampled_from(
        [(256, 512), (256, 2048), (512, 4096), (1024, 3072), (2048, 16384), (4096, 30720), (8192, 61440)]
    ),
    st.integers(min_value=0, max_value=10),
    st.integers(min_value=0, max_value=10),
    st.integers(min_value=0, max_value=10),
)
def test_fargate_min_expected_max_are_ordered_and_linear_in_tasks(
    size: tuple[int, int], a: int, b: int, c: int
) -> None:
    low, desired, high = sorted((a, b, c))
    cpu, memory = size
    task = resource("Td", "AWS::ECS::TaskDefinition", {"Cpu": str(cpu), "Memory": str(memory)})
    service = resource("Svc", "AWS::ECS::Service", {"DesiredCount": desired, "TaskDefinition": {"Ref": "Td"}})
    target = resource(
        "T",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {"MinCapacity": low, "MaxCapacity": high, "ResourceId": {"Fn::GetAtt": ["Svc", "Name"]}},
    )
    result = line(estimate([task, service, target], US, usage()), "Svc")
    per_task = H * (
        Decimal(cpu) / 1024 * rate("fargate.x86_64.vcpu_hour")
        + Decimal(memory) / 1024 * rate("fargate.x86_64.gb_hour")
    )
    assert (result.monthly_min, result.monthly, result.monthly_max) == (
        low * per_task,
        desired * per_task,
        high * per_task,
    )
    assert "not a valid Fargate size" not in result.note


def test_ec2_launch_type_and_a_missing_task_definition_are_unpriced_not_zero() -> None:
    task = resource("Td", "AWS::ECS::TaskDefinition", {"Cpu": "256", "Memory": "512"})
    on_ec2 = resource("Ec2Svc", "AWS::ECS::Service", {"LaunchType": "EC2", "TaskDefinition": {"Ref": "Td"}})
    orphan = resource("Orphan", "AWS::ECS::Service", {"TaskDefinition": "arn:aws:ecs:task-definition/x:1"})
    est = estimate([task, on_ec2, orphan], US, usage())
    assert [x.logical_id for x in est.unpriced()] == ["Ec2Svc", "Orphan"]


# ---------------------------------------------------------------- RDS and ElastiCache


def test_multi_az_rds_doubles_both_the_instance_rate_and_the_storage_rate() -> None:
    db = line(run("data"), "DatabaseB269D8BB")
    single_hour, multi_hour = (
        rate("rds.postgres.db.t4g.medium.single_az_hour"),
        rate("rds.postgres.db.t4g.medium.multi_az_hour"),
    )
    single_gb, multi_gb = rate("rds.gp3.single_az_gb_month"), rate("rds.gp3.multi_az_gb_month")
    assert multi_hour == 2 * single_hour and multi_gb == 2 * single_gb
    assert db.monthly == H * multi_hour + 100 * multi_gb
    assert db.monthly == 2 * (H * single_hour + 100 * single_gb)
    assert db.arithmetic == "730 h × 0.13 (db.t4g.medium, multi-AZ) + 100 GB × 0.23 (gp3, multi-AZ)"
    assert (db.aws_service, db.service) == ("RDS PostgreSQL", "orders")


def test_single_az_rds_and_a_read_replica_that_inherits_engine_and_storage() -> None:
    replica = line(run("data"), "DatabaseReplica0C1D2E3F")
    assert replica.monthly == H * rate("rds.postgres.db.t4g.micro.single_az_hour") + 100 * rate(
        "rds.gp3.single_az_gb_month"
    )
    assert "read replica" in replica.note
    small = line(run("edge"), "OrdersDb1A2B3C4D")
    assert small.monthly == H * rate("rds.postgres.db.t4g.micro.single_az_hour") + 20 * rate(
        "rds.gp3.single_az_gb_month"
    )


def test_licensed_engines_and_an_aurora_instance_without_its_cluster_are_unpriced() -> None:
    oracle = resource(
        "Or",
        "AWS::RDS::DBInstance",
        {"Engine": "oracle-se2", "DBInstanceClass": "db.t4g.micro", "AllocatedStorage": "20"},
    )
    aurora = resource(
        "Au", "AWS::RDS::DBInstance", {"Engine": "aurora-postgresql", "DBClusterIdentifier": {"Ref": "C"}}
    )
    est = estimate([oracle, aurora], US, usage())
    assert {x.logical_id: x.aws_service for x in est.unpriced()} == {"Or": "RDS Oracle SE2", "Au": "Aurora"}
    assert "PostgreSQL, MySQL, MariaDB" in line(est, "Or").arithmetic


def test_mysql_is_priced_at_its_own_rate_and_named_mysql() -> None:
    mysql = resource(
        "My",
        "AWS::RDS::DBInstance",
        {
            "Engine": "mysql",
            "DBInstanceClass": "db.t4g.micro",
            "AllocatedStorage": "20",
            "StorageType": "gp3",
        },
    )
    result = line(estimate([mysql], US, usage()), "My")
    assert result.aws_service == "RDS MySQL"
    assert result.monthly == H * Decimal("0.016") + 20 * Decimal("0.115")
    assert result.rate_keys == ("rds.mysql.db.t4g.micro.single_az_hour", "rds.gp3.single_az_gb_month")


def test_elasticache_is_priced_per_node_from_cluster_count_or_shards_times_replicas() -> None:
    est = run("data")
    sessions = line(est, "SessionsCache1A2B3C4D")
    assert sessions.monthly == 2 * H * rate("elasticache.valkey.cache.t4g.small.node_hour")
    assert sessions.arithmetic == "2 nodes × 730 h × 0.0256 (cache.t4g.small, valkey)"
    sharded = line(est, "ShardedCache5E6F7A8B")  # 2 shards × (1 replica + 1 primary)
    assert sharded.monthly == 4 * H * rate("elasticache.redis.cache.r7g.large.node_hour")


# ---------------------------------------------------------------- network


def test_each_nat_gateway_costs_its_hours_and_processed_gb_and_each_eip_a_public_ipv4() -> None:
    est = run("network")
    nat_lines = [x for x in est.lines if x.resource_type == "AWS::EC2::NatGateway"]
    eips = [x for x in est.lines if x.resource_type == "AWS::EC2::EIP"]
    assert len(nat_lines) == 2 and len(eips) == 2
    for nat in nat_lines:
        assert nat.monthly == H * rate("nat_gateway.hour") + 100 * rate("nat_gateway.gb_processed")
        assert nat.arithmetic == "730 h × 0.045 + 100 GB × 0.045"
    for eip in eips:
        assert (eip.aws_service, eip.monthly) == ("Public IPv4", H * rate("public_ipv4.hour"))


def test_internet_facing_alb_pays_hours_lcus_and_one_public_ipv4_per_subnet() -> None:
    est = run("network")
    public, internal = line(est, "PublicAlbB1C2D3E4"), line(est, "InternalAlb5F4E3D2C")
    base = H * rate("alb.hour") + 2 * H * rate("alb.lcu_hour")
    assert public.monthly == base + 2 * H * rate("public_ipv4.hour")
    assert internal.monthly == base
    assert public.arithmetic == "730 h × 0.0225 + 2 LCU × 730 h × 0.008 + 2 public IPv4 × 730 h × 0.005"


def test_flow_log_is_priced_as_vended_logs_and_its_log_group_only_for_storage() -> None:
    est = run("network")
    assert line(est, "VpcFlowLog8FF33A73").monthly == 8 * rate("cloudwatch.logs.vended_ingest_gb")
    group = line(est, "VpcFlowLogGroup1A2B3C4D")
    assert group.monthly == 10 * rate("cloudwatch.logs.storage_gb_month")
    assert "priced on the flow log" in group.note


def test_unknown_resource_type_is_listed_as_unpriced_with_its_type_never_as_zero_cost() -> None:
    est = run("network")
    (unknown,) = est.unpriced()
    assert (unknown.logical_id, unknown.resource_type, unknown.status) == (
        "MysteryThing1234ABCD",
        "AWS::Foo::Bar",
        "unpriced",
    )
    assert unknown.arithmetic == "no pricing rule for AWS::Foo::Bar"
    assert est.total("prod").unpriced == 1


FREE_IDS = {
    "services": ["ClusterEB0386A7", "BackendTaskRoleB1C2D3E4", "BackendSecurityGroup5A6B7C8D", "CDKMetadata"],
    "network": [
        "Vpc8378EB38",
        "VpcPublicSubnet1Subnet5C2D37C4",
        "VpcPublicSubnet1RouteTable6C95E38E",
        "VpcPublicSubnet1DefaultRoute3DA9E72A",
        "VpcIGWD7BA715C",
        "VpcVPCGWBF912B6E",
        "VpcFlowLogIAMRole6A475D41",
        "PublicAlbSecurityGroupIngress1F2E3D4C",
        "PublicAlbListener5E6F7A8B",
        "PublicAlbTargetGroup9A8B7C6D",
    ],
    "data": [
        "DatabaseSubnetGroup7D60F180",
        "CacheSubnetGroup4B5C6D7E",
        "DatabaseSecretAttachment16B9F4D0",
        "DatabaseSecretRotationSchedule7C2F4A1B",
    ],
    "edge": [
        "SiteBucketPolicy3B0A2C8F",
        "SiteOAC5B0C6E9A",
        "OrdersQueuePolicy2B3C4D5E",
        "AlarmTopic2A3B4C5D",
        "BackupVault5E6F7A8B",
        "BackupPlan9C0D1E2F",
        "DataKeyAlias1C2D3E4F",
        "MonthlyBudget5A6B7C8D",
        "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a",
        "AppLogsLogRetention4A5B6C7D",
    ],
}


@pytest.mark.parametrize(("fixture", "logical_id"), [(f, i) for f, ids in FREE_IDS.items() for i in ids])
def test_free_things_are_counted_as_free_with_a_reason(fixture: str, logical_id: str) -> None:
    result = line(run(fixture), logical_id)
    assert (result.status, result.monthly, result.monthly_max) == ("free", 0, 0)
    assert result.arithmetic  # the reason


# ---------------------------------------------------------------- usage-priced services


def test_sqs_pays_requests_beyond_each_active_queues_share_of_the_free_million() -> None:
    est = run("edge")
    share = Decimal(1_000_000) / 2  # two active queues; the dead-letter queue is assumed idle
    standard, fifo = line(est, "OrdersQueue7A8B9C0D"), line(est, "EventsQueue1E2F3A4B")
    assert standard.monthly == (3_000_000 - share) / 1_000_000 * rate("sqs.standard.million_requests")
    assert fifo.monthly == (3_000_000 - share) / 1_000_000 * rate("sqs.fifo.million_requests")
    assert standard.arithmetic == "(3,000,000 requests − 500,000 free share) / 1,000,000 × 0.4"
    dlq = line(est, "OrdersQueueDlq6C1D2E3F")
    assert (dlq.status, dlq.monthly, dlq.note) == ("priced", 0, "dead-letter queue: assumed idle")


def test_cloudfront_s3_secret_kms_and_backup_follow_their_formulas() -> None:
    edge, data = run("edge"), run("data")
    assert line(edge, "SiteDistribution3FF9535D").monthly == (2000 - 1024) * rate(
        "cloudfront.gb_out"
    ) + Decimal(30_000_000 - 10_000_000) / 10_000 * rate("cloudfront.10k_https_requests")
    assert line(edge, "SiteBucket397A1860").monthly == 50 * rate("s3.standard.gb_month") + 20_000 / Decimal(
        1000
    ) * rate("s3.standard.1k_put_requests") + 1_000_000 / Decimal(1000) * rate("s3.standard.1k_get_requests")
    assert line(data, "DatabaseSecret3B817195").monthly == rate("secretsmanager.secret_month") + Decimal(
        40_000
    ) / 10_000 * rate("secretsmanager.10k_api_calls")
    assert line(edge, "DataKey7E8F9A0B").monthly == rate("kms.key_month")
    backup = line(edge, "BackupPlanSelection3A4B5C6D")  # one RDS instance selected
    assert backup.monthly == 1 * 30 * rate("backup.warm_gb_month")
    assert backup.arithmetic == "1 data store × 30 GB × 0.095"


def test_log_groups_share_the_free_5_gb_of_ingestion_and_pay_storage() -> None:
    one = line(run("services"), "BackendLogGroup9E8D7C6B")  # 4 GB within its 5 GB share
    assert one.monthly == 10 * rate("cloudwatch.logs.storage_gb_month")
    other = resource("OtherLogs", "AWS::Logs::LogGroup", {})
    two = line(estimate([*template("services"), other], US, usage()), "BackendLogGroup9E8D7C6B")
    assert two.monthly == (4 - Decimal("2.5")) * rate("cloudwatch.logs.ingest_gb") + 10 * rate(
        "cloudwatch.logs.storage_gb_month"
    )


def test_first_ten_standard_alarms_are_free_and_high_resolution_ones_never_are() -> None:
    alarms = [resource(f"Alarm{i:02d}", "AWS::CloudWatch::Alarm", {"Period": 300}) for i in range(12)]
    fast = resource("FastAlarm", "AWS::CloudWatch::Alarm", {"Period": 10})
    est = estimate([*alarms, fast], US, usage())
    statuses = [line(est, f"Alarm{i:02d}").status for i in range(12)]
    assert statuses == ["free"] * 10 + ["priced"] * 2
    assert line(est, "Alarm11").monthly == rate("cloudwatch.alarm.standard_month")
    assert line(est, "FastAlarm").monthly == rate("cloudwatch.alarm.high_resolution_month")


def test_first_three_dashboards_are_free() -> None:
    boards = [resource(f"Board{i}", "AWS::CloudWatch::Dashboard", {}) for i in range(4)]
    est = estimate(boards, US, usage())
    assert [line(est, f"Board{i}").monthly for i in range(4)] == [0, 0, 0, rate("cloudwatch.dashboard_month")]


def test_custom_metrics_beyond_the_free_ten_get_an_environment_line() -> None:
    est = run("services", custom_metrics=25)
    (metrics,) = [x for x in est.lines if x.aws_service == "CloudWatch Metrics"]
    assert metrics.monthly == (25 - 10) * rate("cloudwatch.custom_metric_month")


# ---------------------------------------------------------------- roll-ups and determinism


def test_rollups_per_environment_service_and_aws_service_add_up() -> None:
    resources = [*template("services"), *template("data"), *template("services", environment="staging")]
    est = estimate(resources, US, usage())
    assert est.environments == ("prod", "staging")
    prod = est.total("prod")
    assert prod.monthly == sum((x.monthly for x in est.lines_for("prod")), Decimal(0))
    (backend,) = [x for x in est.lines_for("prod") if x.logical_id == "BackendService6A1B2C3D"]
    assert prod.monthly_max - prod.monthly == backend.monthly  # max 4 tasks is 2 more than the desired 2
    assert prod.monthly - prod.monthly_min == backend.monthly / 2  # min 1 task is 1 fewer
    by_aws = {(r.environment, r.key): r.totals for r in est.by_aws_service()}
    fargate = [x for x in est.lines_for("prod") if x.aws_service == "ECS Fargate"]
    assert by_aws[("prod", "ECS Fargate")].monthly == sum((x.monthly for x in fargate), Decimal(0))
    by_service = {(r.environment, r.key): r.totals for r in est.by_service()}
    orders = [x for x in est.lines_for("prod") if x.service == "orders"]
    assert by_service[("prod", "orders")].monthly == sum((x.monthly for x in orders), Decimal(0))
    assert ("prod", "(untagged)") in by_service
    assert [r.key for r in est.by_environment()] == ["prod", "staging"]


def test_estimate_is_deterministic_whatever_the_input_order() -> None:
    resources = [r for name in ("services", "data", "network", "edge") for r in template(name)]
    shuffled = resources[:]
    random.Random(7).shuffle(shuffled)
    assert estimate(resources, US, usage()) == estimate(shuffled, US, usage())


def test_money_is_rounded_only_for_display() -> None:
    backend = line(run("services"), "BackendService6A1B2C3D")
    assert backend.monthly == Decimal("36.0401")  # 2 × 730 × (0.5 × 0.04048 + 1 × 0.004445), full precision
    assert format_money(backend.monthly) == "36.04"
    assert format_money(Decimal("1234.565")) == "1,234.57"


def test_every_region_prices_every_fixture() -> None:
    for region in available_regions():
        est = run("services", "data", "network", "edge", catalogue=load_catalogue(region))
        assert est.region == region and est.total("prod").monthly > 0
        assert all(key in load_catalogue(region).prices for key, _ in est.rates)


# ---------------------------------------------------------------- catalogue and usage errors


REQUIRED_KEYS = [
    *(f"fargate.{arch}.{unit}" for arch in ("x86_64", "arm64") for unit in ("vcpu_hour", "gb_hour")),
    "fargate.ephemeral_storage.gb_hour",
    "nat_gateway.hour",
    "nat_gateway.gb_processed",
    "public_ipv4.hour",
    "alb.hour",
    "alb.lcu_hour",
    *(
        f"rds.postgres.{cls}.{az}_hour"
        for cls in (
            "db.t4g.micro",
            "db.t4g.small",
            "db.t4g.medium",
            "db.t4g.large",
            "db.m7g.large",
            "db.r6g.large",
            "db.r7g.large",
        )
        for az in ("single_az", "multi_az")
    ),
    "rds.gp3.single_az_gb_month",
    "rds.gp3.multi_az_gb_month",
    *(
        f"elasticache.{engine}.{node}.node_hour"
        for engine in ("redis", "valkey")
        for node in (
            "cache.t4g.micro",
            "cache.t4g.small",
            "cache.t4g.medium",
            "cache.m7g.large",
            "cache.r6g.large",
            "cache.r7g.large",
        )
    ),
    "sqs.standard.million_requests",
    "secretsmanager.secret_month",
    "secretsmanager.10k_api_calls",
    "cloudfront.gb_out",
    "cloudfront.10k_https_requests",
    "s3.standard.gb_month",
    "s3.standard.1k_put_requests",
    "s3.standard.1k_get_requests",
    "cloudwatch.logs.ingest_gb",
    "cloudwatch.logs.storage_gb_month",
    "cloudwatch.alarm.standard_month",
    "cloudwatch.custom_metric_month",
    "cloudwatch.dashboard_month",
    "backup.warm_gb_month",
    "cloudwatch.logs.vended_ingest_gb",
    "kms.key_month",
]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_each_catalogue_covers_the_issue_list_with_sources_dates_and_a_730_hour_month(region: str) -> None:
    catalogue = load_catalogue(region)
    assert (catalogue.region, catalogue.currency, catalogue.hours_per_month) == (region, "USD", 730)
    assert [key for key in REQUIRED_KEYS if key not in catalogue.prices] == []
    for key, entry in catalogue.prices.items():
        assert entry.price > 0 and entry.source and entry.unit, key
        assert entry.verified or entry.note, f"{key} is unverified without a note"


def test_a_class_the_catalogue_lacks_is_unpriced_naming_the_key_the_file_and_the_resource() -> None:
    """Never a wrong zero, never an abort: the resource is listed unpriced with the missing key as the reason."""
    db = resource(
        "Database",
        "AWS::RDS::DBInstance",
        {"Engine": "postgres", "DBInstanceClass": "db.x1", "AllocatedStorage": "20"},
    )
    db = Resource(**{**db.__dict__, "path": "prod/Data/Database"})
    (line,) = estimate([db], US, usage()).lines
    assert (line.status, line.monthly) == ("unpriced", 0)
    assert line.arithmetic == (
        "no price for 'rds.postgres.db.x1.single_az_hour' in docgen/data/prices/us-east-1.yaml"
        " (needed by prod/Data/Database)"
    )


def test_a_catalogue_file_without_a_class_the_design_uses_leaves_it_unpriced(tmp_path: Path) -> None:
    raw = (PRICES_DIR / "us-east-1.yaml").read_text()
    raw = raw.replace("db.t4g.medium.multi_az_hour", "db.t4g.mediun.multi_az_hour")
    (tmp_path / "us-east-1.yaml").write_text(raw)
    catalogue = load_catalogue("us-east-1", directory=tmp_path)
    expected = (
        r"no price for 'rds\.postgres\.db\.t4g\.medium\.multi_az_hour' in .*us-east-1\.yaml"
        r" \(needed by prod/data/DatabaseB269D8BB\)"
    )
    est = run("data", catalogue=catalogue)
    unpriced = [x for x in est.lines if x.status == "unpriced" and x.resource_type == "AWS::RDS::DBInstance"]
    assert len(unpriced) == 1 and re.fullmatch(expected, unpriced[0].arithmetic)


def test_unknown_region_lists_the_available_ones() -> None:
    with pytest.raises(CostError) as err:
        load_catalogue("mars-north-1")
    assert (
        str(err.value) == "no price catalogue for region 'mars-north-1' in docgen/data/prices"
        " (available: eu-west-1, us-east-1)"
    )


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("0.04048", None),
        ("-0.1", "'-0.1' is negative"),
        ("cheap", "'cheap' is not a decimal number"),
        (0.04048, "is not a decimal string"),
    ],
)
def test_catalogue_prices_must_be_non_negative_decimal_strings(
    tmp_path: Path, price: object, message: str | None
) -> None:
    body = {
        "region": "xx-test-1",
        "currency": "USD",
        "hours_per_month": 730,
        "prices": {
            "fargate.x86_64.vcpu_hour": {
                "price": price,
                "unit": "vCPU-hour",
                "source": "test",
                "read_on": "2026-11-24",
            }
        },
    }
    path = tmp_path / "xx-test-1.yaml"
    path.write_text(json.dumps(body))
    if message is None:
        assert load_catalogue_file(path).price("fargate.x86_64.vcpu_hour") == Decimal("0.04048")
        return
    with pytest.raises(CostError) as err:
        load_catalogue_file(path)
    assert str(err.value).startswith(f"{path.as_posix()}: prices.fargate.x86_64.vcpu_hour.price: ")
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-5, "usage.prod.nat_gb_processed_month: -5 is negative; usage must be zero or more"),
        ("lots", "usage.prod.nat_gb_processed_month: 'lots' is not a number"),
        (True, "usage.prod.nat_gb_processed_month: True is not a number"),
        ([1], "usage.prod.nat_gb_processed_month: [1] is not a number"),
    ],
)
def test_negative_or_non_numeric_usage_names_the_field(value: object, message: str) -> None:
    with pytest.raises(CostError) as err:
        load_usage({"prod": {"nat_gb_processed_month": value}})
    assert str(err.value) == f"the spec's cost usage overrides: {message}"


def test_unknown_usage_field_lists_the_valid_ones() -> None:
    with pytest.raises(
        CostError, match=r"usage\.staging\.nat_gb: unknown usage field \(valid: nat_gb_processed_month, "
    ):
        load_usage({"staging": {"nat_gb": 1}})


def test_a_bad_value_in_the_defaults_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "usage.yaml"
    path.write_text("default:\n  alb_lcu_avg: -1\n")
    with pytest.raises(CostError, match=r"usage\.yaml: usage\.default\.alb_lcu_avg: -1 is negative"):
        load_usage(path=path)


def test_usage_defaults_file_merges_environment_sections_and_spec_overrides() -> None:
    plain = load_usage()
    assert (
        plain.for_environment("prod").nat_gb_processed_month
        > plain.for_environment("staging").nat_gb_processed_month
    )
    assert plain.for_environment("dev") == plain.default  # an environment without a section gets the defaults
    assert plain.for_environment("prod").fargate_ephemeral_gb == 20
    spec = load_usage({"default": {"alb_lcu_avg": 3}, "prod": {"sqs_requests_month": "5000000"}})
    assert spec.for_environment("prod").alb_lcu_avg == 3
    assert spec.for_environment("prod").sqs_requests_month == 5_000_000
    assert spec.for_environment("staging").alb_lcu_avg == 3
    assert (
        spec.for_environment("staging").sqs_requests_month
        == plain.for_environment("staging").sqs_requests_month
    )


def test_sla_table_has_a_source_and_a_percentage_for_each_service() -> None:
    slas = load_slas()
    assert {
        k: str(v.uptime_percent)
        for k, v in slas.items()
        if k in ("elb.multi_az", "rds.multi_az", "rds.single_az")
    } == {
        "elb.multi_az": "99.99",
        "rds.multi_az": "99.95",
        "rds.single_az": "99.5",
    }
    for key in (
        "ecs_fargate.region",
        "ecs_fargate.task",
        "elasticache.multi_az",
        "elasticache.single_az",
        "cloudfront",
        "sqs",
        "s3.standard",
        "secretsmanager",
    ):
        assert slas[key].source and 90 < slas[key].uptime_percent <= 100


# ---------------------------------------------------------------- the kinds of issue 18


def test_ecr_repository_is_priced_on_the_assumed_image_storage() -> None:
    repo = resource("Repo", "AWS::ECR::Repository", {})
    result = line(estimate([repo], US, usage(ecr_storage_gb=4)), "Repo")
    assert (result.status, result.aws_service) == ("priced", "ECR")
    assert result.monthly == 4 * rate("ecr.storage.gb_month") == Decimal("0.40")
    assert result.arithmetic == "4 GB × 0.1"


def test_efs_is_priced_on_storage_and_only_elastic_throughput_adds_reads_and_writes() -> None:
    elastic = resource("Fs", "AWS::EFS::FileSystem", {"ThroughputMode": "elastic"})
    bursting = resource("Fs2", "AWS::EFS::FileSystem", {})
    est = estimate(
        [elastic, bursting], US, usage(efs_storage_gb=10, efs_read_gb_month=20, efs_write_gb_month=5)
    )
    standard = 10 * rate("efs.standard.gb_month")
    assert line(est, "Fs2").monthly == standard
    assert line(est, "Fs").monthly == standard + 20 * rate("efs.elastic.read_gb") + 5 * rate(
        "efs.elastic.write_gb"
    )


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("rate(15 minutes)", 2920),
        ("rate(1 hour)", 730),
        ("cron(30 2 * * ? *)", 30),
        ("cron(0 9-17 ? * MON-FRI *)", 196),
        ("cron(0 0 1 * ? *)", None),  # a day of the month: not counted
    ],
)
def test_schedule_runs_a_month_are_read_from_the_expression(expression: str, runs: int | None) -> None:
    from docgen.cost.rules_kinds import runs_a_month

    assert runs_a_month(expression) == (None if runs is None else Decimal(runs))
