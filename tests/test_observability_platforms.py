"""The observability platforms as synthesized: CDK assertions on the zoo designs that choose them (one synth
each per session, shared with test_zoo), and on the default design's anomaly alarms and alarm routing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from aws_cdk.assertions import Match, Template

from stacks.collector import from_template, undefined_components
from tests.conftest import Synth
from tests.doccheck.values import flatten

pytestmark = pytest.mark.synth


def _templates(zoo_named: Any, stem: str, env: str = "prod") -> dict[str, dict[str, Any]]:
    run = zoo_named(stem)
    assert run.synth_error is None, run.synth_error
    return Synth(None, run.outdir).templates(env)


def _template(zoo_named: Any, stem: str, stack: str) -> Template:
    return Template.from_json(_templates(zoo_named, stem)[stack])


def _containers(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    task = next(r for r in template["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition")
    return {c["Name"]: c for c in task["Properties"]["ContainerDefinitions"]}


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["Name"]: e["Value"] for e in container.get("Environment", [])}


def _config(container: dict[str, Any]) -> dict[str, Any]:
    config = yaml.safe_load(from_template(_env(container)["AOT_CONFIG_CONTENT"]))
    assert undefined_components(config) == []
    return config


# --- Prometheus + Grafana, Jaeger, paging --------------------------------------------------------------------


def test_prometheus_workspaces_and_least_privilege(zoo_named: Any) -> None:
    obs = _template(zoo_named, "obs-prometheus-jaeger", "Observability")
    obs.has_resource_properties(
        "AWS::APS::Workspace",
        {"Alias": "obs-prom-prod-metrics", "WorkspaceConfiguration": {"RetentionPeriodInDays": 90}},
    )
    obs.has_resource_properties(
        "AWS::Grafana::Workspace",
        {
            "Name": "obs-prom-prod-grafana",
            "AuthenticationProviders": ["AWS_SSO"],
            "PermissionType": "CUSTOMER_MANAGED",
            "AccountAccessType": "CURRENT_ACCOUNT",
            "DataSources": ["PROMETHEUS", "CLOUDWATCH"],
        },
    )
    # Grafana queries this one workspace; nothing else of AMP but listing
    obs.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                # CDK writes a statement's actions sorted
                                "Action": [
                                    "aps:GetLabels",
                                    "aps:GetMetricMetadata",
                                    "aps:GetSeries",
                                    "aps:QueryMetrics",
                                ],
                                "Resource": {
                                    "Fn::GetAtt": [Match.string_like_regexp("PrometheusWorkspace"), "Arn"]
                                },
                            }
                        )
                    ]
                )
            }
        },
    )
    api = _template(zoo_named, "obs-prometheus-jaeger", "Service-api")
    api.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Action": "aps:RemoteWrite", "Resource": {"Fn::ImportValue": Match.any_value()}}
                        )
                    ]
                )
            }
        },
    )


def test_collector_scrapes_and_remote_writes_with_sigv4_and_exports_to_jaeger(zoo_named: Any) -> None:
    template = _templates(zoo_named, "obs-prometheus-jaeger")["Service-api"]
    collector = _containers(template)["otel-collector"]
    assert "AMP_REMOTE_WRITE_URL" in _env(collector)  # the deploy-time endpoint, named by the file
    config = _config(collector)
    job = config["receivers"]["prometheus"]["config"]["scrape_configs"][0]
    assert job["static_configs"][0]["targets"] == ["localhost:8080"] and job["metrics_path"] == "/metrics"
    assert job["scrape_interval"] == "30s"
    assert config["exporters"]["prometheusremotewrite"] == {
        "endpoint": "${env:AMP_REMOTE_WRITE_URL}",
        "auth": {"authenticator": "sigv4auth"},
        "resource_to_telemetry_conversion": {"enabled": True},
    }
    assert config["extensions"]["sigv4auth"] == {"region": "us-east-1", "service": "aps"}
    assert config["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger-collector.example.com:4317"
    pipes = config["service"]["pipelines"]
    assert (
        pipes["traces"]["exporters"] == ["otlp/jaeger"] and "filter/health" in pipes["traces"]["processors"]
    )
    assert pipes["metrics"]["receivers"] == ["otlp", "prometheus"]
    app = _env(_containers(template)["app"])
    assert (app["OTEL_TRACES_SAMPLER"], app["OTEL_TRACES_SAMPLER_ARG"]) == ("parentbased_traceidratio", "0.1")
    Template.from_json(template).has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupEgress": Match.array_with(
                [
                    Match.object_like(
                        {"FromPort": 4317, "ToPort": 4317, "IpProtocol": "tcp", "CidrIp": "0.0.0.0/0"}
                    )
                ]
            )
        },
    )


def test_paging_url_is_a_secrets_manager_reference_never_a_value(zoo_named: Any) -> None:
    obs = _template(zoo_named, "obs-prometheus-jaeger", "Observability")
    subs = obs.find_resources("AWS::SNS::Subscription", {"Properties": {"Protocol": "https"}})
    assert len(subs) == 2  # P1 and P2
    for sub in subs.values():
        assert (
            sub["Properties"]["Endpoint"]
            == "{{resolve:secretsmanager:obs-prom/pagerduty-events:SecretString:url::}}"
        )


def test_grafana_dashboards_come_from_the_cloudwatch_dashboards_model(zoo_named: Any) -> None:
    dashboards = _templates(zoo_named, "obs-prometheus-jaeger")["Dashboards"]["Resources"]
    cloudwatch = {
        r["Metadata"]["Dashboard"]["kind"]: r["Metadata"]["Dashboard"]["sections"]
        for r in dashboards.values()
        if r["Type"] == "AWS::CloudWatch::Dashboard"
    }
    grafana = {
        r["Metadata"]["GrafanaDashboard"]["kind"]: r
        for r in dashboards.values()
        if r["Type"] == "AWS::AppConfig::HostedConfigurationVersion"
    }
    assert set(grafana) == set(cloudwatch) == {"operations", "application", "business"}
    for kind, version in grafana.items():
        assert version["Metadata"]["GrafanaDashboard"]["sections"] == cloudwatch[kind]
        body = json.loads(flatten(version["Properties"]["Content"]))
        rows = [p["title"] for p in body["panels"] if p["type"] == "row"]
        variables = {v["name"] for v in body["templating"]["list"]}
        for panel in (p for p in body["panels"] if p["type"] == "timeseries"):
            assert panel["datasource"]["uid"].lstrip("$") in variables
            ids = {t.get("id") for t in panel["targets"]}
            for target in panel["targets"]:
                for name in _math_inputs(target.get("expression", "")):
                    assert name in ids, f"{kind}/{panel['title']}: {name} is not a query of the panel"
        assert rows or kind == "business"
    business = json.loads(flatten(grafana["business"]["Properties"]["Content"]))
    queries = [t["expr"] for p in business["panels"] if p["type"] == "timeseries" for t in p["targets"]]
    assert any("TasksSubmitted" in q for q in queries) and any("histogram_quantile(0.9" in q for q in queries)


def _math_inputs(expression: str) -> list[str]:
    import re

    words = re.findall(r"\b[a-z][A-Za-z0-9_]*\b", expression)
    return [w for w in words if w not in ("if",)]


def test_anomaly_alarms_use_the_band_width_from_the_spec(zoo_named: Any) -> None:
    api = _template(zoo_named, "obs-prometheus-jaeger", "Service-api")
    api.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "obs-prom-prod-api-request-anomaly",
            "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
            "ThresholdMetricId": "expr_1",
            "Metrics": Match.array_with([Match.object_like({"Expression": "ANOMALY_DETECTION_BAND(m0, 3)"})]),
            "Tags": Match.array_with(
                [
                    {"Key": "Runbook", "Value": "runbooks/request-anomaly.md"},
                    {"Key": "Severity", "Value": "P3"},
                ]
            ),
        },
    )
    api.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"AlarmName": "obs-prom-prod-api-latency-anomaly", "ComparisonOperator": "GreaterThanUpperThreshold"},
    )


# --- Datadog ---------------------------------------------------------------------------------------------------


def test_datadog_agent_sidecar_firelens_and_apm_settings(zoo_named: Any) -> None:
    template = _templates(zoo_named, "obs-datadog")["Service-checkout"]
    containers = _containers(template)
    agent, app = containers["datadog-agent"], containers["app"]
    assert agent["Image"] == "public.ecr.aws/datadog/agent:7.84.6"  # pinned, never `latest`
    assert [s["Name"] for s in agent["Secrets"]] == ["DD_API_KEY"]
    assert "Fn::ImportValue" in agent["Secrets"][0]["ValueFrom"]  # the design secret in the Data stack
    assert _env(agent)["DD_SITE"] == "datadoghq.eu"
    logging = app["LogConfiguration"]
    assert logging["LogDriver"] == "awsfirelens"
    assert (
        logging["Options"]["Name"] == "datadog"
        and logging["Options"]["Host"] == "http-intake.logs.datadoghq.eu"
    )
    assert [o["Name"] for o in logging["SecretOptions"]] == ["apikey"]
    env = _env(app)
    assert (env["DD_ENV"], env["DD_SERVICE"], env["DD_TRACE_SAMPLE_RATE"]) == ("prod", "checkout", "0.2")
    assert "otel-collector" not in containers  # the agent takes OTLP itself
    assert (
        containers["datadog-log-router"]["Image"]
        == "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4"
    )
    assert all("LogConfiguration" in c for c in containers.values())  # every container logs somewhere


def test_datadog_design_has_no_anomaly_alarms_and_acknowledges_its_unattended_topic(zoo_named: Any) -> None:
    svc = _template(zoo_named, "obs-datadog", "Service-checkout")
    assert not [
        a
        for a in svc.find_resources("AWS::CloudWatch::Alarm").values()
        if "ThresholdMetricId" in a["Properties"]
    ]
    obs = _templates(zoo_named, "obs-datadog")["Observability"]
    topics = {
        r["Properties"]["DisplayName"]: r for r in obs["Resources"].values() if r["Type"] == "AWS::SNS::Topic"
    }
    assert topics["P3 alarms"]["Metadata"]["Unattended"].startswith("Datadog monitors page")
    assert not [r for r in obs["Resources"].values() if r["Type"] == "AWS::XRay::SamplingRule"]


def test_a_scheduled_job_runs_the_datadog_agent_and_log_route_as_a_service_does(zoo_named: Any) -> None:
    template = _templates(zoo_named, "obs-datadog")["Job-settle"]
    containers = _containers(template)
    assert set(containers) >= {"app", "datadog-agent", "datadog-log-router"}
    app = containers["app"]
    assert app["LogConfiguration"]["Options"]["Name"] == "datadog"
    assert (_env(app)["DD_SERVICE"], _env(app)["DD_ENV"]) == ("settle", "prod")
    assert "otel-collector" not in containers
    assert all("LogConfiguration" in c for c in containers.values())
    groups = [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert [g["Properties"]["LogGroupName"] for g in groups] == ["/obs-dd/prod/settle/application"]


def test_a_scheduled_job_runs_the_collector_without_a_scrape_and_may_reach_jaeger(zoo_named: Any) -> None:
    template = _templates(zoo_named, "obs-prometheus-jaeger")["Job-purge"]
    config = _config(_containers(template)["otel-collector"])
    assert "prometheus" not in config["receivers"]  # it serves no port: nothing to scrape
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["otlp/jaeger"]
    Template.from_json(template).has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {"SecurityGroupEgress": Match.array_with([Match.object_like({"FromPort": 4317, "ToPort": 4317})])},
    )


# --- New Relic -------------------------------------------------------------------------------------------------


def test_newrelic_licence_key_firelens_route_and_otlp_export(zoo_named: Any) -> None:
    containers = _containers(_templates(zoo_named, "obs-newrelic")["Service-search"])
    app, collector = containers["app"], containers["otel-collector"]
    assert app["LogConfiguration"]["Options"] == {
        "Name": "nrlogs",
        "base_uri": "https://log-api.eu.newrelic.com/log/v1",
        "compress": "gzip",
    }
    assert [o["Name"] for o in app["LogConfiguration"]["SecretOptions"]] == ["license_key"]
    assert [s["Name"] for s in collector["Secrets"]] == ["NEW_RELIC_LICENSE_KEY"]
    config = _config(collector)
    assert config["exporters"]["otlphttp/newrelic"]["endpoint"] == "https://otlp.eu01.nr-data.net"
    assert config["exporters"]["otlphttp/newrelic"]["headers"] == {"api-key": "${env:NEW_RELIC_LICENSE_KEY}"}
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["otlphttp/newrelic", "awsxray"]
    assert config["service"]["pipelines"]["metrics"]["exporters"] == ["awsemf", "otlphttp/newrelic"]
    # the key is a secret the task receives, never a value in the template: only the config names it
    assert set(_env(collector)) == {"AOT_CONFIG_CONTENT"}


# --- Zipkin and Incident Manager -------------------------------------------------------------------------------


def test_zipkin_runs_the_contrib_collector_with_the_zipkin_exporter(zoo_named: Any) -> None:
    collector = _containers(_templates(zoo_named, "obs-zipkin-oncall")["Service-booking"])["otel-collector"]
    assert collector["Image"].startswith("otel/opentelemetry-collector-contrib:")
    assert collector["Command"] == ["--config=env:AOT_CONFIG_CONTENT"]
    config = _config(collector)
    assert config["exporters"]["zipkin"] == {
        "endpoint": "https://zipkin.example.com/api/v2/spans",
        "format": "proto",
    }


def test_incident_manager_contacts_rotation_escalation_and_response_plans(zoo_named: Any) -> None:
    obs = _template(zoo_named, "obs-zipkin-oncall", "Observability")
    obs.resource_count_is("AWS::SSMIncidents::ReplicationSet", 1)
    obs.resource_properties_count_is("AWS::SSMContacts::Contact", {"Type": "PERSONAL"}, 3)
    obs.resource_count_is("AWS::SSMContacts::ContactChannel", 6)
    obs.resource_count_is("AWS::SSMContacts::Plan", 3)
    obs.has_resource_properties(
        "AWS::SSMContacts::Rotation",
        {
            "Name": "obs_zip_prod_primary",
            "TimeZoneId": "Europe/Berlin",
            "StartTime": "2026-12-07T09:00:00",
            "Recurrence": {
                "NumberOfOnCalls": 1,
                "RecurrenceMultiplier": 1,
                "WeeklySettings": [{"DayOfWeek": "MON", "HandOffTime": "09:00"}],
            },
        },
    )
    obs.has_resource_properties(
        "AWS::SSMContacts::Contact", {"Type": "ONCALL_SCHEDULE", "Alias": "obs-zip-prod-primary"}
    )
    obs.has_resource_properties(
        "AWS::SSMContacts::Contact",
        {
            "Type": "ESCALATION",
            "Alias": "obs-zip-prod-p1-escalation",
            "Plan": [
                Match.object_like({"DurationInMinutes": 10}),
                Match.object_like({"DurationInMinutes": 10}),
                Match.object_like({"DurationInMinutes": 0}),
            ],
        },
    )
    for severity, impact in (("p1", 1), ("p2", 2)):
        obs.has_resource(
            "AWS::SSMIncidents::ResponsePlan",
            {
                "Properties": Match.object_like(
                    {
                        "Name": f"obs-zip-prod-{severity}",
                        "IncidentTemplate": Match.object_like({"Impact": impact}),
                    }
                ),
                "DependsOn": [Match.string_like_regexp("ReplicationSet")],
            },
        )


def test_p1_and_p2_alarms_start_incidents_and_p3_alarms_only_notify(zoo_named: Any) -> None:
    alarms = _template(zoo_named, "obs-zipkin-oncall", "Service-booking").find_resources(
        "AWS::CloudWatch::Alarm"
    )
    for alarm in alarms.values():
        severity = next(t["Value"] for t in alarm["Properties"]["Tags"] if t["Key"] == "Severity")
        actions = json.dumps(alarm["Properties"]["AlarmActions"])
        plan = f"response-plan/obs-zip-prod-{severity.lower()}"
        assert (plan in actions) == (severity in ("P1", "P2")), (severity, actions)


# --- the default design ---------------------------------------------------------------------------------------


def test_default_design_has_anomaly_alarms_for_its_http_service(default_synth: Synth) -> None:
    for env in ("staging", "prod"):
        backend = default_synth.template(env, "Service-backend")
        anomalies = [
            a
            for a in backend.find_resources("AWS::CloudWatch::Alarm").values()
            if "ThresholdMetricId" in a["Properties"]
        ]
        assert sorted(a["Properties"]["AlarmName"] for a in anomalies) == [
            f"acme-agents-{env}-backend-latency-anomaly",
            f"acme-agents-{env}-backend-request-anomaly",
        ]


def test_default_design_collectors_are_sound_and_every_alarm_topic_has_a_subscriber(
    default_synth: Synth,
) -> None:
    for env in ("staging", "prod"):
        templates = default_synth.templates(env)
        for stack, template in templates.items():
            if stack.startswith("Service-"):
                _config(_containers(template)["otel-collector"])
        subscribed = {
            json.dumps(r["Properties"]["TopicArn"])
            for r in templates["Observability"]["Resources"].values()
            if r["Type"] == "AWS::SNS::Subscription"
        }
        topics = [
            lid
            for lid, r in templates["Observability"]["Resources"].items()
            if r["Type"] == "AWS::SNS::Topic"
        ]
        assert all(json.dumps({"Ref": t}) in subscribed for t in topics)
