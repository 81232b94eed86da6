"""The observability spec: platform combinations, on-call settings and the rule that every alarm topic reaches a
person; and the collector configuration generator (no synth: the configuration is plain data)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from designspec import SpecError
from designspec.loader import parse_design
from designspec.platforms import trace_destinations, uses_collector
from stacks.collector import CollectorPlan, Scrape, config, render, undefined_components
from tests.conftest import ROOT, assert_one_line

BASE = """
project: obs-test
secrets:
  - name: vendor-key
services:
  - name: api
    type: http
    image: nginx:1.27
    port: 8080
environments:
  prod:
    platform: aws
    account: "123456789012"
    region: us-east-1
    availability_zones: [us-east-1a, us-east-1b]
    services:
      api: {cpu: 256, memory: 512, desired: 1, min: 1, max: 2}
observability:
  on_call:
    notify: {P1: [a@example.com], P2: [a@example.com], P3: [a@example.com]}
"""


JAEGER = "  tracing: {backend: jaeger, endpoint: 'https://j.example.com:4317', retention_days: 7}\n"
ZIPKIN = "  tracing: {backend: zipkin, endpoint: 'https://z.example.com/api/v2/spans', retention_days: 3}\n"


def design(extra: str = "", *, on_call: str | None = None) -> str:
    text = BASE
    if on_call is not None:
        text = text.replace(
            "    notify: {P1: [a@example.com], P2: [a@example.com], P3: [a@example.com]}\n", on_call
        )
    return text + extra


def error(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        parse_design(text, "d.yaml")
    assert_one_line(str(caught.value), "d.yaml")
    return str(caught.value)


def test_the_base_design_is_valid_and_traces_go_to_xray() -> None:
    d = parse_design(design())
    assert trace_destinations(d) == ("xray",) and uses_collector(d)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (
            "  apm: datadog\n  datadog: {api_key_secret: vendor-key}\n" + JAEGER,
            "apm datadog stores the traces itself",
        ),
        (
            "  apm: newrelic\n  newrelic: {license_key_secret: vendor-key}\n" + ZIPKIN,
            "apm newrelic stores the traces",
        ),
        ("  apm: datadog\n  datadog: {api_key_secret: vendor-key}\n  metrics: prometheus\n", "choose one"),
        ("  tracing: {backend: jaeger, retention_days: 7}\n", "needs the collector's endpoint"),
        ("  tracing: {backend: jaeger, endpoint: 'https://j.example.com:4317'}\n", "state it in days"),
        (
            ZIPKIN.replace(
                "}", ", collector_image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0'}"
            ),
            "no zipkin",
        ),
        ("  tracing: {endpoint: 'https://j.example.com:4317'}\n", "is for a jaeger or zipkin backend"),
        ("  tracing: {enabled: false, backend: xray}\n", "tracing is disabled"),
        ("  prometheus: {retention_days: 30}\n", "does nothing without metrics: prometheus"),
        ("  apm: datadog\n", "needs 'datadog:'"),
        ("  apm: newrelic\n  newrelic: {license_key_secret: nope}\n", "unknown secret 'nope'"),
        (
            "  tracing: {backend: jaeger, endpoint: 'http://j.example.com:4317', retention_days: 7}\n",
            "https:// URL",
        ),
    ],
)
def test_combinations_that_do_not_make_sense_are_refused_with_the_reason(extra: str, fragment: str) -> None:
    assert fragment in error(design(extra))


def test_combinations_that_make_sense_load() -> None:
    both = parse_design(
        design("  apm: newrelic\n  newrelic: {license_key_secret: vendor-key}\n  tracing: {backend: xray}\n")
    )
    assert trace_destinations(both) == ("newrelic", "xray")
    prom = parse_design(
        design(
            "  metrics: prometheus\n  tracing: {backend: zipkin, endpoint: 'https://z.example.com/api/v2/spans', retention_days: 3}\n"
        )
    )
    assert trace_destinations(prom) == ("zipkin",)
    dd = parse_design(design("  apm: datadog\n  datadog: {api_key_secret: vendor-key}\n"))
    assert trace_destinations(dd) == ("datadog",) and not uses_collector(dd)


def test_a_topic_nobody_hears_fails_naming_the_topic_and_the_fixes() -> None:
    message = error(design(on_call="    notify: {P1: [a@example.com], P2: [a@example.com]}\n"))
    assert "topic Alarms/P3 of stack obs-test-prod-Observability has no subscriber" in message
    assert "on_call.notify.P3" in message and "on_call.paging" in message and "on_call.unattended" in message


def test_an_unused_severity_needs_no_subscriber_and_a_budget_e_mail_counts() -> None:
    parse_design(design())  # P4: no alarm kind of this design uses it
    budget = "    budget: {monthly_limit_usd: 100, emails: [b@example.com]}\n"
    text = design(on_call="    notify: {}\n").replace("      api: {cpu: 256", budget + "      api: {cpu: 256")
    text = text.replace(budget + "      api:", "      api:").replace(
        "    services:\n", budget + "    services:\n"
    )
    parse_design(text)


def test_acknowledged_paged_or_incident_managed_topics_pass() -> None:
    unattended = (
        "    notify: {P1: [a@example.com], P2: [a@example.com]}\n"
        "    unattended:\n      - {severities: [P3], reason: Degraded-service alarms are read on the dashboard daily}\n"
    )
    parse_design(design(on_call=unattended))
    paging = "    paging: {url_secret: team/pager-url, severities: [P1, P2, P3]}\n"
    parse_design(design(on_call=paging))
    assert "at least 20 characters" in error(
        design(
            on_call=unattended.replace("Degraded-service alarms are read on the dashboard daily", "too short")
        )
    )


def test_acknowledging_a_topic_that_has_subscribers_is_refused() -> None:
    on_call = (
        "    notify: {P1: [a@example.com], P2: [a@example.com], P3: [a@example.com]}\n    unattended:\n"
        "      - {severities: [P3], reason: Nobody needs these alarms as they are informational}\n"
    )
    assert "has subscribers; acknowledging it as unattended does nothing" in error(design(on_call=on_call))


IM = """    notify: {P3: [a@example.com]}
    incident_manager:
      contacts:
        - {alias: alice, name: Alice Example, email: alice@example.com, sms: "+15555550101"}
        - {alias: bob, name: Bob Example, email: bob@example.com}
      rotations:
        primary: {contacts: [alice, bob], start: "2026-12-07T09:00:00", time_zone: Europe/Berlin}
      escalation:
        P1: [{engage: [primary], minutes: 10}, {engage: [bob], minutes: 0}]
        P2: [{engage: [primary], minutes: 30}]
"""


def test_incident_manager_reaches_p1_and_p2() -> None:
    d = parse_design(design(on_call=IM))
    im = d.observability.on_call.incident_manager
    assert im is not None and sorted(im.escalation) == ["P1", "P2"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("engage: [bob]", "engage: [carol]"), "unknown contact or rotation 'carol'"),
        (("alias: bob,", "alias: alice,"), "duplicate contact alias 'alice'"),
        (("Europe/Berlin", "Europe/Atlantis"), "not an IANA time zone"),
        (("email: bob@example.com}", "}"), "needs at least one of email, sms, voice"),
        (('sms: "+15555550101"', 'sms: "555-0101"'), "E.164"),
        (("name: Alice Example", "name: Alice (lead)"), "Incident Manager's display names"),
        (("minutes: 30", "minutes: 45"), "less than or equal to 30"),
        (("P2: [{engage", "P3: [{engage"), "P3"),
    ],
)
def test_incident_manager_settings_are_checked(change: tuple[str, str], fragment: str) -> None:
    assert fragment in error(design(on_call=IM.replace(*change)))


def test_incident_manager_needs_one_account_per_environment() -> None:
    prod = design(on_call=IM)
    block = prod[prod.index("  prod:\n") : prod.index("observability:")]
    text = prod.replace("environments:\n", "environments:\n" + block.replace("  prod:", "  staging:"), 1)
    assert "share account 123456789012" in error(text)


def test_a_bad_spec_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "d.yaml"
    bad.write_text(design("  apm: datadog\n"))
    proc = subprocess.run(
        [sys.executable, "-m", "designspec", str(bad)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "needs 'datadog:'" in proc.stderr


# --- the collector configuration ------------------------------------------------------------------------------

PLANS = {
    "xray+emf": CollectorPlan("us-east-1", ("xray",), ("cloudwatch",), "p/e", "/p/e/a/application"),
    "jaeger+amp": CollectorPlan(
        "us-east-1",
        ("jaeger",),
        ("prometheus",),
        scrape=Scrape(8080, "/metrics", 30),
        trace_endpoint="https://j.example.com:4317",
        drop_paths=("/health",),
    ),
    "zipkin": CollectorPlan(
        "eu-west-1",
        ("zipkin",),
        ("cloudwatch",),
        "p/e",
        "/g",
        trace_endpoint="https://z.example.com/api/v2/spans",
    ),
    "newrelic+xray": CollectorPlan(
        "eu-west-1", ("newrelic", "xray"), ("cloudwatch", "newrelic"), "p/e", "/g", newrelic_region="eu"
    ),
    "metrics only": CollectorPlan("us-east-1", (), ("prometheus",)),
}


@pytest.mark.parametrize("name", list(PLANS))
def test_every_generated_configuration_is_sound_yaml(name: str) -> None:
    document = yaml.safe_load(render(PLANS[name]))
    assert document == config(PLANS[name])
    assert undefined_components(document) == []
    assert set(document["service"]["pipelines"]) == ({"traces"} if PLANS[name].traces_to else set()) | {
        "metrics"
    }


def test_the_soundness_check_finds_an_undefined_component() -> None:
    document = config(PLANS["jaeger+amp"])
    del document["exporters"]["otlp/jaeger"]
    document["service"]["extensions"].remove("sigv4auth")
    assert undefined_components(document) == [
        "traces.exporters: otlp/jaeger",
        "exporters.prometheusremotewrite.auth: sigv4auth",
    ]


def test_health_checks_are_dropped_unless_xray_rules_sample() -> None:
    assert "filter/health" in config(PLANS["jaeger+amp"])["processors"]
    xray = CollectorPlan("us-east-1", ("xray",), (), drop_paths=("/health",))
    assert "filter/health" not in config(xray)["processors"] and "awsxray" in config(xray)["receivers"]
