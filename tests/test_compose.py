"""The dev docker-compose stack: schema-valid, prod's variable names, same-major stand-ins, clear errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from designspec import Design, SpecError, load_design, parse_design
from designspec.wiring import bindings, dev_platform_environment
from generators.__main__ import main as generators_main
from generators.compose import (
    SDK_ENV_NAMES,
    compose_dict,
    compose_yaml,
    elasticmq_conf,
    env_example,
    secret_names,
    stand_ins,
)
from tests.conftest import Synth

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _design_data() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "design.yaml").read_text(encoding="utf-8"))


def _edited(edit: Callable[[dict[str, Any]], None]) -> Design:
    """The bundled design with `edit` applied to its YAML data, parsed the way a user's file is."""
    data = _design_data()
    edit(data)
    return parse_design(yaml.safe_dump(data, sort_keys=False), "design.yaml")


def _add_service(data: dict[str, Any], name: str, **fields: Any) -> None:
    data["services"].append({"name": name, "type": "http", "build": f"./{name}", "port": 8090, **fields})
    for env in data["environments"].values():
        if env["platform"] == "aws":
            env["services"][name] = {"cpu": 256, "memory": 512, "desired": 1, "min": 1, "max": 2}


@pytest.fixture(scope="module")
def design() -> Design:
    return load_design(ROOT / "design.yaml")


@pytest.fixture(scope="module")
def compose(design: Design) -> dict[str, Any]:
    return compose_dict(design)


def _schema_check(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


# --- the file -------------------------------------------------------------------------------------


def test_compose_file_passes_the_compose_spec_schema(design: Design, tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(compose_yaml(design), encoding="utf-8")
    result = _schema_check(path, "vendor.compose-spec")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_workload_and_one_stand_in_per_managed_service_is_a_compose_service(
    design: Design, compose: dict[str, Any]
) -> None:
    expected = (
        [f.name for f in design.frontends]
        + [s.name for s in design.services]
        + [s.service for s in stand_ins(design)]
        + ["proxy"]  # the ALB's and CloudFront's path routing
    )
    assert list(compose["services"]) == expected
    assert {"postgres", "redis", "elasticmq"} <= set(compose["services"])


def test_built_workloads_use_their_build_context_seen_from_the_compose_folder(
    design: Design, compose: dict[str, Any]
) -> None:
    backend = compose["services"]["backend"]
    assert backend["build"] == {"context": "../backend"}
    assert backend["image"] == f"{design.project}/backend:dev"
    assert compose_dict(design, repo_root=".")["services"]["backend"]["build"] == {"context": "./backend"}


def test_http_ports_are_published_on_localhost_only(design: Design, compose: dict[str, Any]) -> None:
    for svc in design.http_services():
        assert compose["services"][svc.name]["ports"] == [f"127.0.0.1:{svc.port}:{svc.port}"]
    for worker in design.workers():
        assert "ports" not in compose["services"][worker.name]


def test_generation_is_deterministic(design: Design) -> None:
    assert compose_yaml(design) == compose_yaml(design)


# --- same names as prod, dev values ---------------------------------------------------------------


def test_plain_variable_names_are_exactly_prods(design: Design, compose: dict[str, Any]) -> None:
    for svc in design.services:
        prod_plain = {b.name for b in bindings(design, svc) if b.kind == "plain"}
        prod_plain |= set(dev_platform_environment(design, svc.name))  # logging + OpenTelemetry settings
        env = compose["services"][svc.name].get("environment", {})
        dev = {k for k, v in env.items() if not v.startswith("${")}  # secrets are interpolated references
        # The SDK settings only point the AWS SDK at ElasticMQ; ECS provides the equivalents in prod.
        assert dev - set(SDK_ENV_NAMES) == prod_plain, svc.name


def test_each_container_gets_only_its_own_secrets_interpolated_from_the_env_file(
    design: Design, compose: dict[str, Any]
) -> None:
    """No env_file hands every secret to every container: each names its own, taken from .env.local."""
    example_names = {line.split("=")[0] for line in env_example(design).splitlines() if line.endswith("=")}
    for name, entry in compose["services"].items():
        assert "env_file" not in entry, name
    for svc in design.services:
        secrets = {b.name for b in bindings(design, svc) if b.kind == "secret"}
        env = compose["services"][svc.name]["environment"]
        refs = {k for k, v in env.items() if v.startswith("${")}
        assert refs == secrets and secrets <= example_names, svc.name
        for name in secrets:
            assert env[name] == f"${{{name}:?set {name} in .env.local}}"
    # the stand-ins get only their own logins: postgres and redis never see LLM_API_KEY
    for stand_in in ("postgres", "redis"):
        assert "LLM_API_KEY" not in compose["services"][stand_in]["environment"]


def test_env_example_lists_names_only(design: Design) -> None:
    lines = [line for line in env_example(design).splitlines() if not line.startswith("#")]
    assert lines == [f"{name}=" for name in secret_names(design)]
    assert "LLM_API_KEY=" in lines and "APPDB_PASSWORD=" in lines


def test_plain_values_point_at_the_stand_ins(compose: dict[str, Any]) -> None:
    env = compose["services"]["backend"]["environment"]
    assert (env["APPDB_HOST"], env["APPDB_PORT"], env["APPDB_NAME"]) == ("postgres", "5432", "app")
    assert (env["CACHE_HOST"], env["CACHE_PORT"], env["CACHE_TLS"]) == ("redis", "6379", "false")
    assert env["RESEARCH_TASKS_QUEUE_URL"] == "http://elasticmq:9324/000000000000/research-tasks"
    assert env["AWS_ENDPOINT_URL_SQS"] == "http://elasticmq:9324"


def test_static_frontends_run_dev_servers_that_reach_the_backend(compose: dict[str, Any]) -> None:
    admin, user = compose["services"]["frontend-admin"], compose["services"]["frontend-user"]
    assert admin["build"] == {"context": "../frontend-admin"}
    assert (admin["ports"], user["ports"]) == (["127.0.0.1:5173:5173"], ["127.0.0.1:5174:5173"])
    assert admin["environment"] == {"API_URL": "http://backend:8080"}
    assert admin["depends_on"] == {"backend": {"condition": "service_healthy"}}


# --- stand-ins, health, volumes -------------------------------------------------------------------


def test_stand_ins_run_the_same_major_versions_as_prod(design: Design, compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]["image"]
    redis = compose["services"]["redis"]["image"]
    assert postgres.split(":")[1].split("-")[0] == design.databases[0].engine_version
    assert redis.split(":")[1].split("-")[0] == design.caches[0].engine_version.split(".")[0]


def test_database_version_follows_the_spec() -> None:
    design = _edited(lambda d: d["databases"][0].update(engine_version="16"))
    assert compose_dict(design)["services"]["postgres"]["image"] == "postgres:16-alpine"


def test_depends_on_waits_for_health_and_every_target_has_a_healthcheck(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["backend"]["depends_on"] == {
        name: {"condition": "service_healthy"} for name in ("elasticmq", "postgres", "redis")
    }
    for entry in services.values():
        for target, condition in entry.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}
            assert "healthcheck" in services[target], target


def test_data_stand_ins_keep_their_data_in_named_volumes(compose: dict[str, Any]) -> None:
    assert compose["volumes"] == {"postgres-data": {}, "redis-data": {}}
    assert compose["services"]["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert compose["services"]["redis"]["volumes"] == ["redis-data:/data"]


def test_stand_in_logins_come_from_the_env_file(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert set(postgres["environment"]) == {"POSTGRES_DB", "APPDB_USERNAME", "APPDB_PASSWORD"}
    assert '"$$APPDB_USERNAME"' in postgres["command"][2] and '"$$APPDB_PASSWORD"' in postgres["command"][2]
    assert compose["services"]["redis"]["environment"] == {
        "CACHE_AUTH_TOKEN": "${CACHE_AUTH_TOKEN:?set CACHE_AUTH_TOKEN in .env.local}"
    }
    assert '"$$CACHE_AUTH_TOKEN"' in compose["services"]["redis"]["command"][2]


def test_elasticmq_declares_each_queue_with_its_dlq(design: Design) -> None:
    conf = elasticmq_conf(design) or ""
    for queue in design.queues:
        assert f'"{queue.name}" {{' in conf
        assert (
            f'deadLettersQueue {{ name = "{queue.name}-dlq", maxReceiveCount = {queue.max_receive_count} }}'
            in conf
        )
        assert f"defaultVisibilityTimeout = {queue.visibility_timeout_seconds} seconds" in conf
    assert elasticmq_conf(_edited(_without_queues)) is None


def _without_queues(data: dict[str, Any]) -> None:
    data["queues"] = []
    for svc in data["services"]:
        svc.pop("sends_to", None)
    data["services"] = [s for s in data["services"] if s["type"] != "worker"]
    for env in data["environments"].values():
        for name in ("agent-research", "agent-report"):
            env.get("services", {}).pop(name, None)


# --- a service added to the spec ------------------------------------------------------------------


def test_a_service_added_to_the_spec_appears_in_compose() -> None:
    design = _edited(
        lambda d: _add_service(d, "billing", databases=["appdb"], secrets=["session-signing-key"])
    )
    entry = compose_dict(design)["services"]["billing"]
    assert entry["build"] == {"context": "../billing"}
    assert entry["ports"] == ["127.0.0.1:8090:8090"]
    platform = set(dev_platform_environment(design, "billing"))
    assert set(entry["environment"]) - platform == {
        "APPDB_HOST", "APPDB_NAME", "APPDB_PORT", "APPDB_USERNAME", "APPDB_PASSWORD", "SESSION_SIGNING_KEY"
    }  # fmt: skip
    assert entry["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_a_registry_image_service_is_pulled_not_built() -> None:
    design = _edited(lambda d: _add_service(d, "docs", image="nginx:1.27-alpine", build=None))
    entry = compose_dict(design)["services"]["docs"]
    assert entry["image"] == "nginx:1.27-alpine" and "build" not in entry


# --- bad input ------------------------------------------------------------------------------------


def test_two_services_on_one_host_port_name_the_field_and_the_other_service() -> None:
    design = _edited(lambda d: _add_service(d, "billing", port=8080))
    with pytest.raises(SpecError) as exc:
        compose_dict(design)
    assert str(exc.value) == (
        "design.yaml: services[3].port: host port 8080 is already published by service 'backend' "
        "(services[0].port) in docker-compose; every published port must be unique"
    )


def test_a_service_on_a_stand_in_port_names_the_stand_in() -> None:
    design = _edited(lambda d: d["services"][0].update(port=5432))
    with pytest.raises(SpecError) as exc:
        compose_dict(design)
    assert exc.value.path == "services[0].port"
    assert exc.value.message == (
        "host port 5432 is already published by the PostgreSQL stand-in 'postgres' in docker-compose; "
        "every published port must be unique"
    )


def test_a_service_on_a_dev_server_port_names_the_frontend() -> None:
    design = _edited(lambda d: d["services"][0].update(port=5174))
    with pytest.raises(SpecError, match=r"dev server of static frontend 'frontend-user'") as exc:
        compose_dict(design)
    assert exc.value.path == "services[0].port"


def test_a_service_with_no_image_and_no_build_is_rejected_naming_the_field(design: Design) -> None:
    with pytest.raises(SpecError) as exc:
        _edited(lambda d: d["services"][1].pop("build"))
    assert exc.value.path == "services[1].image"
    assert exc.value.message == "service 'agent-research' has neither 'image' nor 'build'; give one of them"
    # The generator checks it too, for designs built in code rather than loaded.
    broken = design.model_copy(
        update={"services": (design.services[0].model_copy(update={"build": None}), *design.services[1:])}
    )
    with pytest.raises(SpecError, match=r"^design.yaml: services\[0\].image: service 'backend' has neither"):
        compose_dict(broken)


def test_a_frontend_with_no_build_context_is_rejected_naming_the_field(design: Design) -> None:
    with pytest.raises(SpecError) as exc:
        _edited(lambda d: d["frontends"][1].pop("build"))
    assert exc.value.path == "frontends[1].build"
    assert exc.value.message == "a static frontend needs 'build': the CI and docker-compose build its files"
    # The generator checks it too, for designs built in code rather than loaded.
    broken = design.model_copy(
        update={"frontends": (design.frontends[0], design.frontends[1].model_copy(update={"build": None}))}
    )
    with pytest.raises(SpecError) as exc:
        compose_dict(broken)
    assert exc.value.path == "frontends[1].build"
    assert exc.value.message == (
        "frontend 'frontend-user' has no 'build' context; docker-compose builds its dev server from it"
    )


# --- the CLI --------------------------------------------------------------------------------------


def test_cli_writes_every_file(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    assert generators_main(["--design", str(ROOT / "design.yaml"), "--out", str(out)]) == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == [
        ".design-stamp.json",  # which design, project and generator code made the folder (docgen checks it)
        ".env.local.example",
        "Caddyfile",
        "compose.json",
        "docker-compose.yml",
        "elasticmq.conf",
        "github-actions/branch-protection.json",
        "github-actions/deploy.yml",
        "pipeline.json",
    ]
    assert not list(out.rglob("*.tmp"))


def test_cli_bad_design_prints_one_error_line_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "design.yaml"
    data = _design_data()
    _add_service(data, "billing", port=8080)
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "generated"
    result = subprocess.run(
        [sys.executable, "-m", "generators", "--design", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}: services[3].port: host port 8080 is already published")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert not out.exists()


def test_compose_and_prod_give_every_service_the_same_variable_names(default_synth: Synth) -> None:
    """Names only: each synthesized prod task definition (bindings, secrets + platform variables) against dev
    compose."""
    design = load_design(ROOT / "design.yaml")
    services = compose_dict(design)["services"]
    sdk = {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_REGION",
    }  # ElasticMQ only
    checked = 0
    for template in default_synth.templates("prod").values():
        for res in template["Resources"].values():
            if res["Type"] != "AWS::ECS::TaskDefinition":
                continue
            app = next(c for c in res["Properties"]["ContainerDefinitions"] if c["Name"] == "app")
            name = {t["Key"]: t["Value"] for t in res["Properties"]["Tags"]}["Service"]
            prod = {e["Name"] for e in app.get("Environment", [])}
            prod_secrets = {s["Name"] for s in app.get("Secrets", [])}
            spec = next(s for s in design.services if s.name == name)
            assert prod_secrets == {b.name for b in bindings(design, spec) if b.kind == "secret"}
            # compose names each secret the task definition injects, interpolated from .env.local
            both = prod | prod_secrets
            assert both == set(services[name]["environment"]) - sdk, sorted(
                both ^ (set(services[name]["environment"]) - sdk)
            )
            checked += 1
    assert checked == len(design.services)
