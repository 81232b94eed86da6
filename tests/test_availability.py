"""Requirement verification: composite availability per request path, RPO and RTO, met or unmet targets."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from docgen.assembly.reader import read_assembly
from docgen.verify import availability, verification
from docgen.verify.slas import load_slas
from docgen.verify.targets import Target
from tests.test_docgen import doc_tables
from tests.test_invocation import FIXTURE, create, run_work, write_context

ENVS = ["staging", "prod"]
API_PATH = "frontend-user /api/* → backend"


def verify(cdk_out: Path = FIXTURE, **targets: Target) -> verification.Verification:
    return verification.verify(read_assembly(cdk_out), targets, ENVS)


def path_named(v: verification.Verification, env: str, name: str) -> availability.RequestPath:
    return next(p for p in v.paths if p.environment == env and p.name == name)


def edited_fixture(
    tmp_path: Path, env: str, cfn_type: str, edit: Callable[[dict[str, Any]], None], where: str = ""
) -> Path:
    """A copy of the fixture with `edit` applied to the properties of the matching resources of `env`."""
    out = tmp_path / "cdk.out"
    shutil.copytree(FIXTURE, out)
    hits = 0
    for path in (out / f"assembly-{env}").glob("*.template.json"):
        template = json.loads(path.read_text())
        for logical_id, body in template["Resources"].items():
            if body["Type"] == cfn_type and where in logical_id:
                edit(body["Properties"])
                hits += 1
        path.write_text(json.dumps(template))
    assert hits, f"no {cfn_type} {where} in {env}"
    return out


def test_prod_api_path_is_the_product_of_each_components_sla() -> None:
    path = path_named(verify(), "prod", API_PATH)
    assert [f.label for f in path.factors] == [
        "CloudFront frontend-user",
        "ALB platform",
        "ECS backend",
        "RDS appdb",
        "ElastiCache cache",
    ]
    assert [f.sla_key for f in path.factors] == [
        "cloudfront",
        "elb.multi_az",
        "ecs_fargate.region",
        "rds.multi_az",
        "elasticache.multi_az",
    ]
    slas = load_slas()
    expected = Decimal(1)
    for key in ("cloudfront", "elb.multi_az", "ecs_fargate.region", "rds.multi_az", "elasticache.multi_az"):
        expected *= slas[key].uptime_percent / 100
    assert (
        path.availability == expected * 100 == Decimal("99.82009798040164995")
    )  # exact: 0.999 × 0.9999³ × 0.9995
    assert path.arithmetic == "99.9% × 99.99% × 99.99% × 99.95% × 99.99% = 99.8200%"


def test_staging_is_single_az_and_task_level() -> None:
    path = path_named(verify(), "staging", API_PATH)
    assert [f.sla_key for f in path.factors] == [
        "cloudfront",
        "elb.multi_az",
        "ecs_fargate.task",
        "rds.single_az",
        "elasticache.single_az",
    ]
    assert "min 1 task over subnets in 2 AZs" in path.factors[2].because
    assert path.arithmetic.endswith("= 98.3991%")


def test_every_kind_of_request_path_is_found() -> None:
    names = {p.name for p in verify().paths if p.environment == "prod"}
    assert names == {
        "frontend-admin /api/* → backend",
        "frontend-user /api/* → backend",
        "frontend-admin default (static site)",
        "frontend-user default (static site)",
        "research-tasks messages → agent-research",
        "report-tasks messages → agent-report",
    }
    worker = path_named(verify(), "prod", "report-tasks messages → agent-report")
    assert [f.sla_key for f in worker.factors] == ["sqs", "ecs_fargate.task", "rds.multi_az"]


def test_a_single_minimum_task_drops_the_service_to_the_task_level_sla(tmp_path: Path) -> None:
    cdk_out = edited_fixture(
        tmp_path,
        "prod",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        lambda p: p.update(MinCapacity=1),
        where="backend",
    )
    factor = path_named(verify(cdk_out), "prod", API_PATH).factors[2]
    assert factor.sla_key == "ecs_fargate.task" and factor.uptime == Decimal("99.5")
    assert factor.because.startswith("min 1 task over subnets in 3 AZs")


def test_single_az_database_changes_availability_and_rto(tmp_path: Path) -> None:
    cdk_out = edited_fixture(tmp_path, "prod", "AWS::RDS::DBInstance", lambda p: p.update(MultiAZ=False))
    v = verify(cdk_out, **{"REQ-001-NFR-AVAIL-001": Target(rto_minutes=Decimal(30))})
    assert path_named(v, "prod", API_PATH).factors[3].sla_key == "rds.single_az"
    (rto,) = [x for x in v.verdicts if x.measure == "RTO"]
    assert rto.status == "unmet" and rto.design == "60 min" and "assumption" in rto.arithmetic


def test_no_automated_backups_means_an_unbounded_rpo(tmp_path: Path) -> None:
    cdk_out = edited_fixture(
        tmp_path, "prod", "AWS::RDS::DBInstance", lambda p: p.update(BackupRetentionPeriod=0)
    )
    v = verify(cdk_out, **{"REQ-001-NFR-AVAIL-001": Target(rpo_minutes=Decimal(1440))})
    (rpo,) = v.verdicts
    assert rpo.status == "unmet" and rpo.design == "unbounded" and "no automated backups" in rpo.arithmetic


def test_targets_met_and_unmet_show_their_arithmetic() -> None:
    met = verify(**{"REQ-001-NFR-AVAIL-001": Target(Decimal("99.8"), Decimal(15), Decimal(60))}).verdicts
    assert [(x.measure, x.status, x.design) for x in met] == [
        ("availability", "met", "99.8200%"),
        ("RPO", "met", "5 min"),
        ("RTO", "met", "2 min"),
    ]
    assert met[0].arithmetic.startswith("weakest of 2 paths, frontend-admin /api/* → backend: 99.9% ×")
    (unmet,) = verify(**{"REQ-001-NFR-AVAIL-001": Target(Decimal("99.9"))}).verdicts
    assert unmet.status == "unmet" and unmet.arithmetic.endswith("= 99.8200% < 99.9%")
    assert unmet.reason.startswith("REQ-001-NFR-AVAIL-001 availability target 99.9% is unmet in prod")


def test_an_availability_requirement_without_a_target_is_reported_not_blocking(tmp_path: Path) -> None:
    (verdict,) = verify().verdicts
    assert (verdict.requirement, verdict.status) == ("REQ-001-NFR-AVAIL-001", "no target stated")
    doc = tmp_path / "design-docs" / "60-infrastructure.md"
    result = create(doc, requirements=["REQ-001-NFR-AVAIL-001"])
    assert result.rc == 0 and result.task["status"] == "complete"


def test_a_target_for_an_unknown_environment_or_an_uncarried_requirement_is_unverifiable() -> None:
    v = verify(
        **{
            "REQ-001-NFR-AVAIL-001": Target(Decimal(99), environment="qa"),
            "REQ-005-NFR-AVAIL-001": Target(Decimal(99)),
        }
    )
    statuses = {(x.requirement, x.status, x.arithmetic) for x in v.verdicts}
    assert (
        "REQ-001-NFR-AVAIL-001",
        "unverifiable",
        "environment qa is not in the design (staging, prod)",
    ) in statuses
    assert ("REQ-005-NFR-AVAIL-001", "unverifiable", "no resource carries this requirement") in statuses
    assert not v.unmet


def test_the_doc_reports_each_target_and_every_factor(tmp_path: Path) -> None:
    doc = tmp_path / "design-docs" / "60-infrastructure.md"
    create(
        doc, targets={"REQ-001-NFR-AVAIL-001": {"availability": 99.8, "rpo_minutes": 15, "rto_minutes": 60}}
    )
    found = doc_tables(doc)
    verdicts = found["Requirement Verification"]
    assert [(r["Measure"], r["Result"]) for r in verdicts] == [
        ("availability", "met"),
        ("RPO", "met"),
        ("RTO", "met"),
    ]
    paths = {
        (r["Environment"], r["Request path"]): r for r in found["Composite availability per request path"]
    }
    assert paths[("prod", API_PATH)]["Arithmetic"] == "99.9% × 99.99% × 99.99% × 99.95% × 99.99% = 99.8200%"
    factors = {(r["Environment"], r["Component"]): r for r in found["Why each SLA applies"]}
    assert factors[("prod", "ECS backend")]["SLA"] == "ecs_fargate.region"
    sources = {r["Key"]: r for r in found["Figures and their sources"]}
    assert (
        "(unverified)" in sources["sqs"]["Source"] and "(assumption)" in sources["rds.restore_rto"]["Source"]
    )
    traced = {(r["Requirement"], r["Component"]): r for r in found["Traceability"]}
    assert (
        traced[("REQ-001-NFR-AVAIL-001", "backend")]["Verification"] == "availability met, RPO met, RTO met"
    )


def test_context_targets_are_recorded_so_plain_regeneration_agrees(tmp_path: Path) -> None:
    doc = tmp_path / "design-docs" / "60-infrastructure.md"
    result = create(doc, targets={"REQ-001-NFR-AVAIL-001": {"availability": "99.8%"}})
    requirements = doc.parent / "requirements.yaml"
    assert str(requirements) in result.entry["files_created"]
    assert "REQ-001-NFR-AVAIL-001:\n  availability: 99.8\n" in requirements.read_text()
    from tests.test_docgen import run_docgen

    assert run_docgen(doc, "--check") == 0


@pytest.mark.parametrize("mode", ["create", "update"])
def test_an_unmet_target_blocks_and_writes_nothing(tmp_path: Path, mode: str) -> None:
    doc = tmp_path / "design-docs" / "60-infrastructure.md"
    if mode == "update":
        create(doc)
    before = doc.read_bytes() if doc.exists() else None
    ctx = write_context(
        tmp_path,
        mode=mode,
        seq=2 if mode == "update" else 1,
        short_name="five-nines",
        requirements=["REQ-001-NFR-AVAIL-001"],
        targets={"REQ-001-NFR-AVAIL-001": {"availability": 99.999, "rto_minutes": 1}},
    )
    result = run_work(doc, context=ctx)
    assert result.rc == 3 and result.task["status"] == "blocked" and result.entry["action"] == "BLOCKED"
    reasons = result.task["blocked_reason"].split("; REQ")
    assert reasons[0].startswith(
        "REQ-001-NFR-AVAIL-001 availability target 99.999% is unmet in prod: design gives "
        "99.8200% (weakest of 2 paths"
    )
    assert "RTO target 1 min is unmet in prod: design gives 2 min" in result.task["blocked_reason"]
    assert "nothing was written" in result.task["notes"]
    assert result.entry["files_created"] == [] and result.entry["files_modified"] == []
    assert (doc.read_bytes() if doc.exists() else None) == before
    assert not (doc.parent / "requirements.yaml").exists()
    assert not (doc.parent / "inventory" / "seq-002.json").exists()
