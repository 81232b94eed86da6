"""Pricing of the building blocks beyond containers: expectations computed by hand from the catalogue's rows and
the usage figures of tests/test_cost.py (USAGE), never from the rules themselves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from docgen.cost import available_regions, estimate, load_catalogue
from tests.test_cost import US, USAGE, line, resource, usage

H = Decimal(730)
D = Decimal


def priced(*resources: Any, catalogue: Any = US) -> Any:
    return estimate(list(resources), catalogue, usage())


def function(logical_id: str, **props: Any) -> Any:
    return resource(logical_id, "AWS::Lambda::Function", {"Runtime": "python3.12", **props})


# ---------------------------------------------------------------- Lambda


def test_application_functions_pay_requests_and_gb_seconds_beyond_their_share_of_the_free_tier() -> None:
    # 2 application functions share 1,000,000 free requests and 400,000 free GB-s: 500,000 / 200,000 each.
    big = function("Big", MemorySize=2048, Architectures=["arm64"])
    small = function("Small")  # 128 MB, x86_64 by default
    est = priced(big, small)
    requests = D(USAGE["lambda_requests_month"])  # 2,000,000
    seconds = requests * D(USAGE["lambda_duration_ms"]) / 1000  # 600,000 s
    big_gbs = seconds * 2  # 1,200,000 GB-s at 2 GB
    small_gbs = seconds / 8  # 75,000 GB-s at 128 MB: within its 200,000 share
    request_cost = (requests - 500_000) / 1_000_000 * D("0.20")  # 0.30
    assert line(est, "Big").monthly == request_cost + (big_gbs - 200_000) * D("0.0000133334")
    assert line(est, "Small").monthly == request_cost
    assert small_gbs < 200_000
    assert line(est, "Big").rate_keys == ("lambda.million_requests", "lambda.arm64.gb_second")
    assert "(2,000,000 requests − 500,000 free share)" in line(est, "Big").arithmetic


def test_cdk_handlers_named_by_a_custom_resource_service_token_are_free_and_take_no_free_share() -> None:
    handler = function("Handler", MemorySize=128)
    custom = resource(
        "Restrict", "Custom::VpcRestrictDefaultSG", {"ServiceToken": {"Fn::GetAtt": ["Handler", "Arn"]}}
    )
    app = function("App")
    est = priced(handler, custom, app)
    assert (line(est, "Handler").status, line(est, "Handler").aws_service) == ("free", "Lambda")
    assert "Custom::VpcRestrictDefaultSG" in line(est, "Handler").arithmetic
    # The only application function has the whole free million: 2,000,000 − 1,000,000 requests are billed.
    assert line(est, "App").monthly == D(1_000_000) / 1_000_000 * D("0.20")


def test_a_function_with_a_memory_size_that_is_not_a_number_is_unpriced() -> None:
    est = priced(function("Odd", MemorySize={"Ref": "Memory"}))
    assert line(est, "Odd").status == "unpriced"


# ---------------------------------------------------------------- API Gateway, Step Functions, EventBridge, WAF


def test_rest_and_http_apis_pay_per_million_calls() -> None:
    rest = resource("Rest", "AWS::ApiGateway::RestApi", {"Name": "orders"})
    http = resource("Http", "AWS::ApiGatewayV2::Api", {"Name": "items", "ProtocolType": "HTTP"})
    socket = resource("Ws", "AWS::ApiGatewayV2::Api", {"ProtocolType": "WEBSOCKET"})
    est = priced(rest, http, socket)
    assert line(est, "Rest").monthly == D("14.00")  # 4,000,000 / 1,000,000 × 3.50
    assert line(est, "Http").monthly == D("4.00")  # 4,000,000 / 1,000,000 × 1.00
    assert line(est, "Ws").status == "unpriced"
    method = resource("M", "AWS::ApiGateway::Method", {})
    assert line(priced(method), "M").status == "free"


def test_standard_state_machines_pay_transitions_beyond_the_free_4000_express_ones_are_unpriced() -> None:
    standard = resource("Flow", "AWS::StepFunctions::StateMachine", {})
    express = resource("Fast", "AWS::StepFunctions::StateMachine", {"StateMachineType": "EXPRESS"})
    est = priced(standard, express)
    assert line(est, "Flow").monthly == (D(50_000) - 4_000) / 1000 * D("0.025")  # 1.15
    assert line(est, "Fast").status == "unpriced"


def test_custom_event_buses_pay_their_events_and_rules_are_free() -> None:
    bus = resource("Bus", "AWS::Events::EventBus", {"Name": "orders"})
    schedule = resource("Hourly", "AWS::Events::Rule", {"ScheduleExpression": "rate(1 hour)"})
    est = priced(bus, schedule)
    assert line(est, "Bus").monthly == D("2.50")  # 2,500,000 / 1,000,000 × 1.00
    assert line(est, "Hourly").status == "free"


def test_a_web_acl_pays_itself_each_rule_and_the_requests_it_inspects() -> None:
    rules = [{"Name": f"r{i}", "Priority": i, "Statement": {}} for i in range(3)]
    acl = resource("Acl", "AWS::WAFv2::WebACL", {"Scope": "REGIONAL", "Rules": rules, "DefaultAction": {}})
    assert line(priced(acl), "Acl").monthly == D(5) + 3 * D(1) + D(7) * D("0.60")  # 12.20


def test_cloud_map_dns_namespaces_pay_a_hosted_zone_and_services_their_instances() -> None:
    http = resource("Http", "AWS::ServiceDiscovery::HttpNamespace", {"Name": "shop.internal"})
    dns = resource("Dns", "AWS::ServiceDiscovery::PrivateDnsNamespace", {"Name": "shop.local"})
    service = resource("Svc", "AWS::ServiceDiscovery::Service", {"Name": "orders"})
    est = priced(http, dns, service)
    assert line(est, "Http").status == "free"
    assert line(est, "Dns").monthly == D("0.50")
    assert line(est, "Svc").monthly == 4 * D("0.10")


# ---------------------------------------------------------------- DynamoDB


def test_on_demand_table_pays_request_units_and_storage_beyond_the_free_25_gb() -> None:
    table = resource("T", "AWS::DynamoDB::Table", {"BillingMode": "PAY_PER_REQUEST"})
    expected = D(10) * D("0.125") + D(3) * D("0.625") + (D(40) - 25) * D("0.25")  # 1.25 + 1.875 + 3.75
    assert line(priced(table), "T").monthly == expected


def test_provisioned_table_pays_capacity_hours() -> None:
    table = resource(
        "T",
        "AWS::DynamoDB::Table",
        {"ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2}},
    )
    expected = H * (5 * D("0.00013") + 2 * D("0.00065")) + (D(40) - 25) * D("0.25")
    assert line(priced(table), "T").monthly == expected


def test_global_table_pays_every_replicas_capacity_at_its_autoscaling_minimum() -> None:
    table = resource(
        "G",
        "AWS::DynamoDB::GlobalTable",
        {
            "BillingMode": "PROVISIONED",
            "Replicas": [
                {"Region": "eu-west-1", "ReadProvisionedThroughputSettings": {"ReadCapacityUnits": 5}},
                {
                    "Region": "us-east-1",
                    "ReadProvisionedThroughputSettings": {
                        "ReadCapacityAutoScalingSettings": {"MinCapacity": 2, "MaxCapacity": 10}
                    },
                },
            ],
            "WriteProvisionedThroughputSettings": {
                "WriteCapacityAutoScalingSettings": {"MinCapacity": 1, "MaxCapacity": 20}
            },
        },
    )
    result = line(priced(table), "G")
    assert result.monthly == H * (7 * D("0.00013") + 2 * D("0.00065")) + (D(40) - 25) * D("0.25")
    assert "minimum" in result.note


# ---------------------------------------------------------------- Aurora, EC2, NLB


def aurora(serverless: bool) -> list[Any]:
    cluster = resource(
        "C",
        "AWS::RDS::DBCluster",
        {
            "Engine": "aurora-postgresql",
            "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 8},
        }
        if serverless
        else {"Engine": "aurora-postgresql"},
    )
    cls = "db.serverless" if serverless else "db.r6g.large"
    writer = resource(
        "W", "AWS::RDS::DBInstance", {"DBClusterIdentifier": {"Ref": "C"}, "DBInstanceClass": cls}
    )
    return [cluster, writer]


def test_serverless_v2_instance_pays_average_acus_within_the_clusters_range() -> None:
    est = priced(*aurora(serverless=True))
    writer = line(est, "W")
    assert writer.monthly == 2 * H * D("0.12")  # aurora_acu_avg 2 lies within 0.5–8
    assert (writer.monthly_min, writer.monthly_max) == (D("0.5") * H * D("0.12"), 8 * H * D("0.12"))
    assert line(est, "C").monthly == 100 * D("0.10") + 30 * D("0.20")  # storage + I/O, Aurora Standard


def test_provisioned_aurora_instance_pays_its_class_hours() -> None:
    assert line(priced(*aurora(serverless=False)), "W").monthly == H * D("0.26")


def test_ec2_instance_and_auto_scaling_group_pay_instance_hours_from_their_launch_templates() -> None:
    template = resource(
        "Lt", "AWS::EC2::LaunchTemplate", {"LaunchTemplateData": {"InstanceType": "t3.small"}}
    )
    group = resource(
        "Asg",
        "AWS::AutoScaling::AutoScalingGroup",
        {"MinSize": "2", "MaxSize": "6", "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Lt"}}},
    )
    host = resource("Host", "AWS::EC2::Instance", {"InstanceType": "m5.large"})
    est = priced(template, group, host)
    per = H * D("0.0208")
    assert (line(est, "Asg").monthly, line(est, "Asg").monthly_min, line(est, "Asg").monthly_max) == (
        2 * per,
        2 * per,
        6 * per,
    )
    assert "DesiredCapacity absent" in line(est, "Asg").note
    assert line(est, "Host").monthly == H * D("0.096")
    assert line(est, "Lt").status == "free"


def test_network_load_balancer_pays_its_own_rates_and_is_never_called_an_alb() -> None:
    nlb = resource(
        "Nlb",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Type": "network", "Subnets": [{"Ref": "A"}, {"Ref": "B"}, {"Ref": "C"}]},
    )
    listener = resource("L", "AWS::ElasticLoadBalancingV2::Listener", {})
    est = priced(nlb, listener)
    result = line(est, "Nlb")
    assert result.aws_service == "Network Load Balancer"
    assert result.monthly == H * D("0.0225") + 3 * H * D("0.006") + 3 * H * D("0.005")
    assert "NLCU" in result.arithmetic
    assert line(est, "L").aws_service == "Elastic Load Balancing"


@pytest.mark.parametrize("region", available_regions())
def test_every_catalogue_prices_every_building_block(region: str) -> None:
    catalogue = load_catalogue(region)
    blocks = [
        function("F"),
        resource("Rest", "AWS::ApiGateway::RestApi", {}),
        resource("Http", "AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"}),
        resource("T", "AWS::DynamoDB::Table", {"BillingMode": "PAY_PER_REQUEST"}),
        resource("Flow", "AWS::StepFunctions::StateMachine", {}),
        resource("Bus", "AWS::Events::EventBus", {}),
        resource("Acl", "AWS::WAFv2::WebACL", {"Rules": []}),
        resource("Host", "AWS::EC2::Instance", {"InstanceType": "m5.large"}),
        resource(
            "Nlb", "AWS::ElasticLoadBalancingV2::LoadBalancer", {"Type": "network", "Scheme": "internal"}
        ),
        *aurora(serverless=True),
    ]
    est = estimate(blocks, catalogue, usage())
    assert [x.logical_id for x in est.lines if x.status != "priced"] == []
    assert all(key in catalogue.prices for key, _ in est.rates)
