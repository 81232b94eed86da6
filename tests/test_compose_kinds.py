"""Compose for jobs, functions, file systems, buckets and tables, and the reverse proxy: schema-valid, the Caddyfile
valid for Caddy itself with the ALB's rules in priority order, stand-ins created as prod declares them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from designspec import Design, load_design
from designspec.routes import route_table
from generators import proxy
from generators.compose import DEV_SERVER_PORT, compose_dict, compose_yaml, dev_services, env_example
from generators.compose_kinds import base_image, dev_schedule

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ZOO = ROOT / "zoo" / "jobs-functions-files.yaml"


@pytest.fixture(scope="module")
def zoo() -> Design:
    return load_design(ZOO)


@pytest.fixture(scope="module")
def services(zoo: Design) -> dict[str, Any]:
    return compose_dict(zoo)["services"]


def test_the_zoo_compose_file_passes_the_compose_spec_schema(zoo: Design, tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(compose_yaml(zoo), encoding="utf-8")
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _caddy_routes(design: Design, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "Caddyfile"
    path.write_text(proxy.caddyfile(design, DEV_SERVER_PORT), encoding="utf-8")
    result = subprocess.run(
        [str(BIN / "caddy"), "adapt", "--config", str(path), "--adapter", "caddyfile", "--validate"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "not formatted" not in result.stderr
    return json.loads(result.stdout)


def _alb_handlers(config: dict[str, Any]) -> list[tuple[str, str]]:
    """(path regexp, upstream or status) of the ALB site's route, in the order Caddy applies them."""
    server = next(
        s for s in config["apps"]["http"]["servers"].values() if s["listen"] == [f":{proxy.PROXY_PORT}"]
    )
    out = []
    for route in server["routes"][0]["handle"][0]["routes"]:
        regexp = route.get("match", [{}])[0].get("path_regexp", {}).get("pattern", "")
        handler = route["handle"][0]
        target = (
            handler["upstreams"][0]["dial"]
            if handler["handler"] == "reverse_proxy"
            else str(handler["status_code"])
        )
        out.append((regexp, target))
    return out


def test_the_proxy_routes_the_default_design_as_the_alb_and_cloudfront_do(tmp_path: Path) -> None:
    design = load_design(ROOT / "design.yaml")
    config = _caddy_routes(design, tmp_path)
    assert _alb_handlers(config) == [("^/api/.*$", "backend:8080"), ("", "404")]
    listens = sorted(s["listen"][0] for s in config["apps"]["http"]["servers"].values())
    assert listens == [":8800", ":8801", ":8802"]  # the ALB, then one distribution per static front end


def test_the_proxy_applies_the_rules_in_listener_priority_order(zoo: Design, tmp_path: Path) -> None:
    handlers = _alb_handlers(_caddy_routes(zoo, tmp_path))
    priorities = sorted(route_table(zoo).items(), key=lambda kv: kv[1].priority)
    assert [h[1] for h in handlers] == ["501", "api:8080", "storefront:8081", "404"]
    assert [name for name, _ in priorities] == ["status", "api", "storefront"]
    assert handlers[0][0] == "^(?:/status|/status/.*)$"


def test_stand_ins_for_buckets_and_tables_are_created_as_prod_declares_them(services: dict[str, Any]) -> None:
    assert services["minio"]["image"].startswith("minio/minio:RELEASE.")
    assert services["dynamodb"]["image"].startswith("amazon/dynamodb-local:")
    script = services["aws-init"]["command"][0]
    assert "create-bucket --bucket uploads" in script and "put-bucket-versioning --bucket uploads" in script
    assert "put-bucket-versioning --bucket thumbnails" not in script  # versioned: false
    assert "--key-schema AttributeName=pk,KeyType=HASH AttributeName=sk,KeyType=RANGE" in script
    assert "StreamViewType=NEW_AND_OLD_IMAGES" in script
    assert services["api"]["depends_on"]["aws-init"] == {"condition": "service_completed_successfully"}
    assert services["api"]["environment"]["AWS_ENDPOINT_URL_S3"] == "http://minio:9000"
    assert services["api"]["environment"]["UPLOADS_BUCKET"] == "uploads"


def test_a_shared_file_system_is_one_named_volume_mounted_where_prod_mounts_it(
    services: dict[str, Any],
) -> None:
    assert services["api"]["volumes"] == ["fs-shared-files:/srv/reports:ro"]
    assert services["nightly-report"]["volumes"] == ["fs-shared-files:/mnt/reports"]


def test_jobs_run_on_their_schedule_by_the_cron_runner(zoo: Design, services: dict[str, Any]) -> None:
    job = services["nightly-report"]
    assert job["container_name"] == "kinds-zoo-nightly-report" and job["restart"] == "no"
    assert job["command"] == ["python", "-m", "report"]
    labels = services["scheduler"]["labels"]
    assert labels["ofelia.job-run.nightly-report.schedule"] == "CRON_TZ=Europe/Berlin 0 30 2 * * *"
    assert labels["ofelia.job-run.nightly-report.container"] == "kinds-zoo-nightly-report"
    assert services["notifier"]["labels"]["ofelia.job-exec.notifier-schedule-1.schedule"] == "@every 15m"


@pytest.mark.parametrize(
    ("aws", "dev"),
    [
        ("rate(1 minute)", "@every 1m"),
        ("rate(2 hours)", "@every 2h"),
        ("rate(1 day)", "@every 24h"),
        ("cron(0/15 8-17 ? * MON-FRI *)", "CRON_TZ=UTC 0 0/15 8-17 * * MON-FRI"),
        ("cron(0 9 ? * 2,6 *)", "CRON_TZ=UTC 0 0 9 * * 1,5"),  # AWS counts Sunday as 1, robfig/cron as 0
        ("cron(0 3 L * ? *)", None),  # the last day of the month: robfig/cron has no L
    ],
)
def test_aws_schedules_in_the_cron_runner(aws: str, dev: str | None) -> None:
    assert dev_schedule(aws, "UTC") == dev


def test_functions_run_on_the_lambda_runtime_interface_emulator(services: dict[str, Any]) -> None:
    sink = services["order-sink"]
    assert sink["image"] == base_image("python3.13") == "public.ecr.aws/lambda/python:3.13"
    assert sink["command"] == ["app.handler"] and sink["volumes"] == ["../functions/order-sink:/var/task:ro"]
    assert services["notifier"]["image"] == "public.ecr.aws/lambda/nodejs:22"
    assert services["thumbnailer"]["build"] == {"context": "../functions/thumbnailer"}  # an image function
    # a function's secrets: the value in dev (no Secrets Manager stand-in), its ARN in AWS
    assert sink["environment"]["ORDERSDB_PASSWORD"].startswith("${ORDERSDB_PASSWORD:?")
    assert "ORDERSDB_SECRET_ARN" not in sink["environment"]
    ports = [p for s in services.values() for p in s.get("ports", [])]
    assert len(ports) == len(set(ports))


def test_the_env_example_names_every_secret_once(zoo: Design) -> None:
    names = [line[:-1] for line in env_example(zoo).splitlines() if line.endswith("=")]
    assert names == sorted(set(names))
    assert {"MINIO_ROOT_PASSWORD", "ORDERSDB_USERNAME", "ORDERSDB_PASSWORD", "WEBHOOK_KEY"} == set(names)


def test_dev_rows_name_the_prod_counterpart_of_jobs_functions_and_tools(zoo: Design) -> None:
    rows = {r["name"]: r for r in dev_services(zoo)}
    assert (
        rows["nightly-report"]["role"] == "job" and "EventBridge Scheduler" in rows["nightly-report"]["prod"]
    )
    assert rows["thumbnailer"]["role"] == "function" and rows["thumbnailer"]["prod"].startswith(
        "Lambda function"
    )
    assert {rows[n]["role"] for n in ("aws-init", "scheduler", "proxy")} == {"tool"}
