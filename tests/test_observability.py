"""Observability on the default design's synth: alarms (metric, threshold, severity, runbook), dashboards,
logging, tracing, backup and scaling, per environment; and the spec's bad-input messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match

from designspec import load_design, parse_design
from designspec.model import LOG_RETENTION_DAYS
from designspec.observability import CLOUDWATCH_RETENTION_DAYS, SEVERITIES
from stacks.data import postgres_max_connections
from tests.conftest import ROOT, Synth
from tests.test_spec import error_of, line_of

DESIGN = load_design(ROOT / "design.yaml")
ENVS = sorted(DESIGN.aws_environments())
OBS = DESIGN.observability
KPIS = DESIGN.kpis
TEXT = (ROOT / "design.yaml").read_text()


# --- what the spec says each environment's alarms are --------------------------------------------


@dataclass(frozen=True)
class Expected:
    stack: str
    subject: str
    kind: str
    threshold: float
    comparison: str
    metric: dict[str, Any]  # MetricName/Namespace of a plain metric, or an expression of a math alarm

    @property
    def name(self) -> str:
        return f"{DESIGN.project}-{{env}}-{self.subject}-{self.kind}"

    @property
    def severity(self) -> str:
        return OBS.severities.of(self.kind)


GT, LT = "GreaterThanThreshold", "LessThanThreshold"


def _math(expression: str) -> dict[str, Any]:
    return {"Metrics": Match.array_with([Match.object_like({"Expression": expression})])}


def _metric(namespace: str, name: str) -> dict[str, Any]:
    return {"Namespace": namespace, "MetricName": name}


def expected_alarms(env: str) -> list[Expected]:
    spec, t = DESIGN.environments[env], OBS.thresholds
    out: list[Expected] = []
    for svc in DESIGN.services:
        stack = f"Service-{svc.name}"
        out += [
            Expected(stack, svc.name, "high-cpu", t.cpu_percent, GT, _metric("AWS/ECS", "CPUUtilization")),
            Expected(
                stack, svc.name, "high-memory", t.memory_percent, GT, _metric("AWS/ECS", "MemoryUtilization")
            ),
        ]
        if svc.type == "http":
            out += [
                Expected(
                    stack,
                    svc.name,
                    "availability",
                    KPIS.availability_alert_below_percent,
                    LT,
                    _math("IF(requests > 0, 100 - 100 * errors / requests, 100)"),
                ),
                Expected(
                    stack,
                    svc.name,
                    "high-errors",
                    KPIS.error_rate_alert_percent,
                    GT,
                    _math("IF(requests > 0, 100 * errors / requests, 0)"),
                ),
                Expected(
                    stack,
                    svc.name,
                    "latency-p50",
                    KPIS.p50_latency_alert_ms / 1000,
                    GT,
                    {**_metric("AWS/ApplicationELB", "TargetResponseTime"), "ExtendedStatistic": "p50"},
                ),
                Expected(
                    stack,
                    svc.name,
                    "latency-p99",
                    KPIS.p99_latency_alert_ms / 1000,
                    GT,
                    {**_metric("AWS/ApplicationELB", "TargetResponseTime"), "ExtendedStatistic": "p99"},
                ),
            ]
    for q in DESIGN.queues:
        age = max(60, round(q.visibility_timeout_seconds * t.queue_age_visibility_multiple))
        out += [
            Expected(
                "Messaging",
                q.name,
                "dlq-depth",
                0,
                GT,
                _metric("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
            ),
            Expected(
                "Messaging", q.name, "queue-age", age, GT, _metric("AWS/SQS", "ApproximateAgeOfOldestMessage")
            ),
        ]
    for db in DESIGN.databases:
        size = spec.databases[db.name]
        connections = round(postgres_max_connections(size.instance_class) * t.db_connections_percent / 100)
        free_bytes = size.allocated_storage_gb * t.db_free_storage_percent / 100 * 1024**3
        out += [
            Expected(
                "Data", db.name, "db-connection", connections, GT, _metric("AWS/RDS", "DatabaseConnections")
            ),
            Expected("Data", db.name, "db-storage", free_bytes, LT, _metric("AWS/RDS", "FreeStorageSpace")),
        ]
    for cache in DESIGN.caches:
        metric = (
            _metric("AWS/ElastiCache", "DatabaseMemoryUsagePercentage")
            if spec.caches[cache.name].replicas == 0
            else _math(f"MAX([{', '.join(f'n{i}' for i in range(1, 2 + spec.caches[cache.name].replicas))}])")
        )
        out.append(Expected("Data", cache.name, "redis-memory", t.redis_memory_percent, GT, metric))
    out.append(
        Expected(
            "Platform",
            "load-balancer",
            "alb-5xx",
            t.alb_5xx_per_5_minutes,
            GT,
            _metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"),
        )
    )
    if spec.region == "us-east-1":
        for fe in DESIGN.static_frontends():
            out.append(
                Expected(
                    "Edge",
                    fe.name,
                    "cloudfront-5xx",
                    t.cloudfront_5xx_percent,
                    GT,
                    _metric("AWS/CloudFront", "5xxErrorRate"),
                )
            )
    return out


CASES = [(env, e) for env in ENVS for e in expected_alarms(env)]


def all_resources(synth: Synth, env: str, cfn_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (stack, lid, res)
        for stack, tpl in synth.templates(env).items()
        for lid, res in tpl["Resources"].items()
        if res["Type"] == cfn_type
    ]


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    tags = resource.get("Properties", {}).get("Tags", [])
    return {t["Key"]: t["Value"] for t in tags} if isinstance(tags, list) else dict(tags)


def imported(synth: Synth, env: str, value: Any) -> tuple[str, dict[str, Any]]:
    """The (stack, resource) an Fn::ImportValue in `value` resolves to, via the exporting stack's Outputs."""
    text = json.dumps(value)
    for stack, template in synth.templates(env).items():
        for out in template.get("Outputs", {}).values():
            name = out.get("Export", {}).get("Name")
            if isinstance(name, str) and f'"Fn::ImportValue": "{name}"' in text:
                return stack, template["Resources"][out["Value"]["Ref"]]
    raise AssertionError(f"no export for {text}")


def paging_alarms(synth: Synth, env: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Alarms that notify people; step-scaling alarms act on a scaling policy of their own stack instead."""

    def scales(stack: str, alarm: dict[str, Any]) -> bool:
        resources = synth.templates(env)[stack]["Resources"]
        return all(
            resources.get(a.get("Ref", ""), {}).get("Type") == "AWS::ApplicationAutoScaling::ScalingPolicy"
            for a in alarm["Properties"]["AlarmActions"]
        )

    return [r for r in all_resources(synth, env, "AWS::CloudWatch::Alarm") if not scales(r[0], r[2])]


# --- alarms --------------------------------------------------------------------------------------


@pytest.mark.synth
@pytest.mark.parametrize(("env", "alarm"), CASES, ids=[f"{env}-{e.subject}-{e.kind}" for env, e in CASES])
def test_alarm_metric_threshold_severity_and_runbook(default_synth: Synth, env: str, alarm: Expected) -> None:
    name = alarm.name.format(env=env)
    default_synth.template(env, alarm.stack).has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": name,
            "Threshold": alarm.threshold,
            "ComparisonOperator": alarm.comparison,
            "AlarmDescription": Match.string_like_regexp(
                rf"^\[{alarm.severity}\] .*{alarm.subject}.* Runbook: runbooks/{alarm.kind}\.md$"
            ),
            "Tags": Match.array_with(
                [
                    {"Key": "AlarmKind", "Value": alarm.kind},  # CDK sorts tags by key
                    {"Key": "Runbook", "Value": f"runbooks/{alarm.kind}.md"},
                    {"Key": "Severity", "Value": alarm.severity},
                ]
            ),
            **alarm.metric,
        },
    )


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_each_alarm_notifies_the_topic_of_its_severity(default_synth: Synth, env: str) -> None:
    for _, _, alarm in paging_alarms(default_synth, env):
        (action,) = alarm["Properties"]["AlarmActions"]
        stack, topic = imported(default_synth, env, action)
        assert (stack, topic["Type"]) == ("Observability", "AWS::SNS::Topic")
        assert tags_of(topic)["Severity"] == tags_of(alarm)["Severity"], alarm["Properties"]["AlarmName"]


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_alarm_count_is_exactly_the_spec(default_synth: Synth, env: str) -> None:
    names = sorted(a["Properties"]["AlarmName"] for _, _, a in paging_alarms(default_synth, env))
    assert names == sorted(e.name.format(env=env) for e in expected_alarms(env))
    # backend 6 (4 KPIs, CPU, memory), 2 workers x 2, 2 queues x 2, database 2, cache 1, ALB 1, 2 CDNs
    assert len(names) == 20


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_every_alarm_links_a_runbook_that_exists(default_synth: Synth, env: str) -> None:
    alarms = paging_alarms(default_synth, env)
    assert alarms
    for _, _, alarm in alarms:
        props, tags = alarm["Properties"], tags_of(alarm)
        link = props["AlarmDescription"].rsplit("Runbook: ", 1)[1]
        assert link == tags["Runbook"] == f"runbooks/{tags['AlarmKind']}.md"
        assert (ROOT / link).is_file(), link
        assert props["AlarmDescription"].startswith(f"[{tags['Severity']}] ")
        assert "\n" not in props["AlarmDescription"]


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_only_step_scaling_alarms_have_no_severity(default_synth: Synth, env: str) -> None:
    paging = {lid for _, lid, _ in paging_alarms(default_synth, env)}
    others = [
        a for _, lid, a in all_resources(default_synth, env, "AWS::CloudWatch::Alarm") if lid not in paging
    ]
    assert len(others) == 2 * len(DESIGN.workers())  # upper and lower step of each worker's backlog policy
    assert all("Severity" not in tags_of(a) for a in others)


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_one_encrypted_topic_per_severity(default_synth: Synth, env: str) -> None:
    topics = all_resources(default_synth, env, "AWS::SNS::Topic")
    assert sorted(tags_of(t)["Severity"] for _, _, t in topics) == list(SEVERITIES)
    for stack, _, topic in topics:
        assert stack == "Observability"
        assert "KmsMasterKeyId" in topic["Properties"]
    subscribed: dict[str, list[str]] = {tags_of(t)["Severity"]: [] for _, _, t in topics}
    by_ref = {lid: tags_of(t)["Severity"] for _, lid, t in topics}
    for _, _, sub in all_resources(default_synth, env, "AWS::SNS::Subscription"):
        subscribed[by_ref[sub["Properties"]["TopicArn"]["Ref"]]].append(sub["Properties"]["Endpoint"])
    assert subscribed == {
        "P1": ["oncall-pager@example.com"],
        "P2": ["oncall-pager@example.com"],
        "P3": ["platform-team@example.com"],
        "P4": ["platform-team@example.com"],
    }


# --- dashboards ----------------------------------------------------------------------------------


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("kind", ["operations", "application", "business"])
def test_a_dashboard_per_kind(default_synth: Synth, env: str, kind: str) -> None:
    dashboards = default_synth.template(env, "Dashboards")
    dashboards.resource_count_is("AWS::CloudWatch::Dashboard", 3)
    name = f"{DESIGN.project}-{env}-{kind}"
    found = dashboards.find_resources("AWS::CloudWatch::Dashboard", {"Properties": {"DashboardName": name}})
    (resource,) = found.values()
    assert resource["Metadata"]["Dashboard"]["kind"] == kind


def _body(resource: dict[str, Any]) -> str:
    body = resource["Properties"]["DashboardBody"]
    return body if isinstance(body, str) else "".join(p for p in body["Fn::Join"][1] if isinstance(p, str))


@pytest.mark.synth
def test_business_dashboard_graphs_each_business_metric(default_synth: Synth) -> None:
    for env in ENVS:
        ((_, _, board),) = [
            r
            for r in all_resources(default_synth, env, "AWS::CloudWatch::Dashboard")
            if r[2]["Properties"]["DashboardName"].endswith("-business")
        ]
        for metric in OBS.business_metrics:
            assert f'"{metric.namespace or f"{DESIGN.project}/{env}"}","{metric.name}"' in _body(board)
        assert len(board["Metadata"]["Dashboard"]["sections"]) == len(OBS.business_metrics) == 3


@pytest.mark.synth
def test_application_dashboard_draws_the_kpi_thresholds(default_synth: Synth) -> None:
    ((_, _, board),) = [
        r
        for r in all_resources(default_synth, "prod", "AWS::CloudWatch::Dashboard")
        if r[2]["Properties"]["DashboardName"].endswith("-application")
    ]
    body = _body(board)
    for value in (
        KPIS.availability_alert_below_percent,
        KPIS.error_rate_alert_percent,
        KPIS.p50_latency_alert_ms / 1000,
        KPIS.p99_latency_alert_ms / 1000,
    ):
        assert f'"value":{value:g}' in body


# --- scaling -------------------------------------------------------------------------------------


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_every_ecs_service_has_a_scalable_target_and_a_policy(default_synth: Synth, env: str) -> None:
    services = all_resources(default_synth, env, "AWS::ECS::Service")
    assert len(services) == len(DESIGN.sized_names())
    for stack, _, _ in services:
        tpl = default_synth.template(env, stack)
        tpl.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)
        assert tpl.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy"), stack


# --- logging -------------------------------------------------------------------------------------


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_one_log_group_per_service_and_log_type_with_its_retention(default_synth: Synth, env: str) -> None:
    retention = OBS.logging.retention_days
    default_days = DESIGN.environments[env].log_retention_days
    for name in DESIGN.sized_names():
        tpl = default_synth.template(env, f"Service-{name}")
        tpl.resource_count_is("AWS::Logs::LogGroup", 3)
        for log_type in ("application", "access", "audit"):
            tpl.has_resource_properties(
                "AWS::Logs::LogGroup",
                {
                    "LogGroupName": f"/{DESIGN.project}/{env}/{name}/{log_type}",
                    "RetentionInDays": retention.days(log_type, default_days),
                    "Tags": Match.array_with([{"Key": "LogType", "Value": log_type}]),
                },
            )
    default_synth.template(env, "Network").has_resource_properties(
        "AWS::Logs::LogGroup",
        {
            "RetentionInDays": retention.days("flow", default_days),
            "Tags": Match.array_with([{"Key": "LogType", "Value": "flow"}]),
        },
    )


def _containers(synth: Synth, env: str, name: str) -> dict[str, dict[str, Any]]:
    ((_, _, task),) = [
        r for r in all_resources(synth, env, "AWS::ECS::TaskDefinition") if r[0] == f"Service-{name}"
    ]
    return {c["Name"]: c for c in task["Properties"]["ContainerDefinitions"]}


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_json_logs_are_routed_by_log_type(default_synth: Synth, env: str) -> None:
    for name in DESIGN.sized_names():
        containers = _containers(default_synth, env, name)
        assert list(containers) == ["app", "log-router", "otel-collector"]
        app = containers["app"]
        options = app["LogConfiguration"]["Options"]
        assert app["LogConfiguration"]["LogDriver"] == "awsfirelens"
        assert options["log_group_name"] == f"/{DESIGN.project}/{env}/{name}/application"
        assert options["log_group_template"] == f"/{DESIGN.project}/{env}/{name}/$log_type"
        assert {"Condition": "START", "ContainerName": "log-router"} in app["DependsOn"]
        router = containers["log-router"]["FirelensConfiguration"]
        assert router["Options"]["config-file-value"] == "/fluent-bit/configs/parse-json.conf"
        env_vars = {e["Name"]: e["Value"] for e in app["Environment"]}
        assert env_vars["LOG_FORMAT"] == "json"


# --- tracing -------------------------------------------------------------------------------------


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_sampling_rule_follows_the_spec(default_synth: Synth, env: str) -> None:
    obs = default_synth.template(env, "Observability")
    obs.has_resource_properties(
        "AWS::XRay::SamplingRule",
        {
            "SamplingRule": Match.object_like(
                {
                    "RuleName": f"{DESIGN.project}-{env}-default",
                    "FixedRate": OBS.tracing.sampling_rate,
                    "ReservoirSize": OBS.tracing.reservoir_per_second,
                    "URLPath": "*",
                }
            )
        },
    )
    obs.has_resource_properties(
        "AWS::XRay::SamplingRule",
        {"SamplingRule": Match.object_like({"URLPath": "/health", "FixedRate": 0, "ReservoirSize": 0})},
    )
    obs.resource_count_is("AWS::XRay::SamplingRule", 2)


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_every_task_runs_the_collector_and_propagates_context(default_synth: Synth, env: str) -> None:
    for name in DESIGN.sized_names():
        containers = _containers(default_synth, env, name)
        collector = containers["otel-collector"]
        assert collector["Image"] == OBS.tracing.collector_image
        assert collector["Essential"] is False
        config = json.loads(collector["Environment"][0]["Value"])
        assert config["service"]["pipelines"]["traces"]["exporters"] == ["awsxray"]
        assert config["exporters"]["awsemf"]["namespace"] == f"{DESIGN.project}/{env}"
        app_env = {e["Name"]: e["Value"] for e in containers["app"]["Environment"]}
        assert app_env["OTEL_SERVICE_NAME"] == name
        assert app_env["OTEL_PROPAGATORS"] == "tracecontext,baggage,xray"
        assert app_env["OTEL_TRACES_SAMPLER"] == "xray"
        policy = default_synth.template(env, f"Service-{name}").find_resources("AWS::IAM::Policy")
        assert "xray:PutTraceSegments" in json.dumps(policy)


# --- disaster recovery ---------------------------------------------------------------------------


@pytest.mark.synth
@pytest.mark.parametrize("env", ENVS)
def test_backup_plan_covers_the_databases(default_synth: Synth, env: str) -> None:
    data = default_synth.template(env, "Data")
    copy = OBS.backup.cross_region_copy.get(env)
    rule: dict[str, Any] = {
        "RuleName": "daily",
        "ScheduleExpression": f"cron(0 {OBS.backup.daily_at_utc_hour} * * ? *)",
        "Lifecycle": {"DeleteAfterDays": OBS.backup.retention_days},
    }
    rule["CopyActions"] = (
        [
            {
                "DestinationBackupVaultArn": Match.any_value(),
                "Lifecycle": {"DeleteAfterDays": OBS.backup.retention_days},
            }
        ]
        if copy
        else Match.absent()
    )
    data.has_resource_properties(
        "AWS::Backup::BackupPlan",
        {"BackupPlan": Match.object_like({"BackupPlanRule": [Match.object_like(rule)]})},
    )
    ((_, _, plan),) = all_resources(default_synth, env, "AWS::Backup::BackupPlan")
    if copy:  # the partition is a token unless cdk.json's context is applied
        arn = json.dumps(plan["Properties"]["BackupPlan"]["BackupPlanRule"][0]["CopyActions"][0])
        assert (
            f":backup:{copy}:{DESIGN.environments[env].account}:backup-vault:{DESIGN.project}-{env}-copy"
            in arn
        )
    ((_, _, selection),) = all_resources(default_synth, env, "AWS::Backup::BackupSelection")
    assert len(selection["Properties"]["BackupSelection"]["Resources"]) == len(DESIGN.databases)
    assert ("BackupCopy" in default_synth.templates(env)) == bool(copy)


@pytest.mark.synth
def test_copy_vault_lives_in_the_copy_region(default_synth: Synth) -> None:
    manifest = json.loads((default_synth.outdir / "assembly-prod" / "manifest.json").read_text())
    (copy,) = [
        a for a in manifest["artifacts"].values() if a.get("displayName", "").startswith("prod/BackupCopy")
    ]
    assert copy["environment"] == f"aws://{DESIGN.environments['prod'].account}/us-west-2"


# --- CloudFront outside us-east-1 ---------------------------------------------------------------


@pytest.mark.synth
@pytest.mark.synth
def test_no_cloudfront_alarm_outside_us_east_1_but_a_note(tmp_path: Path) -> None:
    from aws_cdk import Stack
    from aws_cdk.assertions import Annotations, Template

    from app import build_app

    text = TEXT.replace(
        "region: us-east-1\n    availability_zones: [us-east-1a, us-east-1b]",
        "region: eu-west-1\n    availability_zones: [eu-west-1a, eu-west-1b]",
        1,
    )
    design = tmp_path / "design.yaml"
    design.write_text(text)
    app = build_app(str(design), outdir=str(tmp_path / "out"), environments=["staging"])
    edge = app.node.find_child("staging").node.find_child("Edge")
    assert isinstance(edge, Stack)
    assert not Template.from_stack(edge).find_resources("AWS::CloudWatch::Alarm")
    notes = Annotations.from_stack(edge).find_info("*", Match.string_like_regexp("No CloudFront 5xx alarm"))
    assert len(notes) == len(DESIGN.static_frontends())


# --- the spec: defaults and bad input ------------------------------------------------------------


def test_retention_set_is_cloudwatch_s() -> None:
    assert CLOUDWATCH_RETENTION_DAYS == LOG_RETENTION_DAYS


def test_every_field_has_a_default() -> None:
    minimal = parse_design(TEXT.split("\n# Observability and recovery.")[0] + "\n", "design.yaml")
    assert minimal.observability.severities.of("availability") == "P1"
    assert minimal.observability.logging.retention_days.days("audit", 30) == 365
    assert minimal.observability.logging.retention_days.days("application", 30) == 30


def test_kpi_threshold_that_is_not_a_number() -> None:
    text = TEXT.replace("\nobservability:\n", "\nkpis:\n  p99_latency_alert_ms: fast\nobservability:\n", 1)
    assert error_of(text) == (
        f"design.yaml:{line_of(text, 'fast')}: kpis.p99_latency_alert_ms: 'fast' is invalid: "
        "Input should be a valid integer"
    )


def test_unknown_severity() -> None:
    text = TEXT.replace("    high_cpu: P3\n", "    high_cpu: P5\n", 1)
    assert error_of(text) == (
        f"design.yaml:{line_of(text, 'P5')}: observability.severities.high_cpu: "
        "'P5' is not allowed; expected 'P1', 'P2', 'P3' or 'P4'"
    )


def test_unknown_alarm_kind_lists_the_kinds() -> None:
    text = TEXT.replace("    high_cpu: P3\n", "    high-cpu: P3\n", 1)
    assert error_of(text) == (
        f"design.yaml:{line_of(text, 'high-cpu: P3')}: observability.severities.high-cpu: unknown key "
        f"'high-cpu'; "
        "allowed keys: alb_5xx, availability, cloudfront_5xx, db_connection, db_storage, dlq_depth, "
        "efs_io_limit, function_errors, function_throttles, high_cpu, "
        "high_errors, high_memory, job_dlq, latency_p50, latency_p99, queue_age, redis_memory, "
        "table_throttles"
    )


def test_retention_cloudwatch_does_not_allow() -> None:
    text = TEXT.replace("      audit: 365\n", "      audit: 400000\n", 1)
    assert error_of(text) == (
        f"design.yaml:{line_of(text, '400000')}: observability.logging.retention_days.audit: 400000 is not "
        f"allowed; "
        "expected 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, "
        "2922, "
        "3288 or 3653"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.5", "1.5 is invalid: Input should be less than or equal to 1"),
        ("-0.1", "-0.1 is invalid: Input should be greater than or equal to 0"),
        ("often", "'often' is invalid: Input should be a valid number"),
    ],
)
def test_sampling_rate_outside_zero_to_one(value: str, message: str) -> None:
    text = TEXT.replace("    sampling_rate: 0.05 ", f"    sampling_rate: {value} ", 1)
    assert (
        error_of(text)
        == f"design.yaml:{line_of(text, 'sampling_rate')}: observability.tracing.sampling_rate: {message}"
    )


def test_cross_region_copy_of_an_unknown_environment() -> None:
    text = TEXT.replace(
        "cross_region_copy: {prod: us-west-2}", "cross_region_copy: {production: us-west-2}", 1
    )
    assert error_of(text) == (
        f"design.yaml:{line_of(text, 'production: us-west-2')}: "
        "observability.backup.cross_region_copy.production: unknown aws environment "
        "'production'; aws environments: prod, staging"
    )


def test_cross_region_copy_to_the_same_region() -> None:
    text = TEXT.replace("cross_region_copy: {prod: us-west-2}", "cross_region_copy: {prod: us-east-1}", 1)
    assert error_of(text).endswith(
        "observability.backup.cross_region_copy.prod: 'us-east-1' is the environment's "
        "own region; a cross-region copy needs another region"
    )


def test_unknown_metric_unit_lists_the_units() -> None:
    text = TEXT.replace("{name: ReportsDelivered, unit: Count,", "{name: ReportsDelivered, unit: Reports,", 1)
    assert error_of(text).startswith(
        f"design.yaml:{line_of(text, 'unit: Reports')}: "
        "observability.business_metrics[1].unit: 'Reports' is not allowed; "
        "expected 'Count', 'Percent', "
    )
