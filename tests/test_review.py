"""`docgen review` on a spec change (a new worker with its queue, a bigger backend, one NAT gateway fewer): the
comment lists the new resources, the replacement, the cost delta and the new IAM actions, each checked against
the templates and the estimate rather than against docgen's own wording."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from docgen.cli import main
from tests.conftest import Synth

pytestmark = pytest.mark.synth


def _review(capsys: pytest.CaptureFixture[str], base: Path, head: Path, *extra: str) -> tuple[int, str]:
    rc = main(["review", "--quiet", "--cdk-out", str(head), "--no-synth", "--base", str(base), *extra])
    return rc, capsys.readouterr().out


@pytest.fixture(scope="module")
def review(default_synth: Synth, changed_synth: Synth) -> dict[str, Any]:
    """The JSON review of the changed design against the default one (the same facts as the comment)."""
    out = io.StringIO()
    argv = ["review", "--quiet", "--format", "json", "--no-synth", "--cdk-out", str(changed_synth.outdir)]
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--base", str(default_synth.outdir)]) == 0
    return json.loads(out.getvalue())


def _env(review: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in review["environments"] if e["name"] == name)


def _policy_actions(template: dict[str, Any], role_logical_id: str) -> set[str]:
    """Every action the template's IAM policies attached to the role allow (read from the template alone)."""
    found: set[str] = set()
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_logical_id} in props.get("Roles", []):
            for statement in props["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                found.update(actions if isinstance(actions, list) else [actions])
    return found


def test_the_new_worker_and_its_queue_are_listed_as_added(
    review: dict[str, Any], changed_synth: Synth
) -> None:
    for env in ("staging", "prod"):
        data = _env(review, env)
        assert data["stacksAdded"] == ["Service-agent-summary"]
        added = {(r["stack"], r["path"], r["type"]) for r in data["resources"] if r["change"] == "added"}
        template = changed_synth.templates(env)["Service-agent-summary"]
        expected = {r["Type"] for r in template["Resources"].values() if r["Type"] != "AWS::CDK::Metadata"}
        assert {t for stack, _, t in added if stack == "Service-agent-summary"} == expected
        assert ("Service-agent-summary", "agent-summary/Service/Service", "AWS::ECS::Service") in added
        assert ("Messaging", "summary-tasks/Queue", "AWS::SQS::Queue") in added
        assert ("Messaging", "summary-tasks/DeadLetterQueue", "AWS::SQS::Queue") in added


def test_the_new_iam_actions_are_those_of_the_workers_role(
    review: dict[str, Any], changed_synth: Synth
) -> None:
    template = changed_synth.templates("prod")["Service-agent-summary"]
    role = next(
        k for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role" and "TaskRole" in k
    )
    iam = _env(review, "prod")["security"]["iam"]
    task_role = iam["Service-agent-summary/agent-summary/Task/TaskRole"]
    assert set(task_role["added"]) == _policy_actions(template, role)
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= set(task_role["added"]) and not task_role["removed"]
    ingress = _env(review, "prod")["security"]["ingress"]["added"]
    assert ingress == [
        "tcp 5432 from Service-agent-summary/agent-summary/SecurityGroup to Data/appdb/SecurityGroup"
    ]


def test_the_cost_delta_is_the_estimates_difference_without_sub_cent_noise(
    review: dict[str, Any], default_synth: Synth, changed_synth: Synth
) -> None:
    from docgen import document
    from docgen.assembly.reader import read_assembly

    before = document.estimate_for(read_assembly(default_synth.outdir))
    after = document.estimate_for(read_assembly(changed_synth.outdir))
    for env in ("staging", "prod"):
        cost = _env(review, env)["cost"]
        delta = after.total(env).monthly - before.total(env).monthly
        assert cost["delta"] == float(delta.quantize(Decimal("0.01")))
        assert all(abs(row["delta"]) >= 0.01 for row in cost["rows"])
    rows = {(r["service"], r["awsService"]): r for r in _env(review, "prod")["cost"]["rows"]}
    fargate = sum(
        (
            x.monthly
            for x in after.lines_for("prod")
            if x.service == "agent-summary" and x.aws_service == "ECS Fargate"
        ),
        Decimal(0),
    )
    assert rows[("agent-summary", "ECS Fargate")]["before"] == 0
    assert rows[("agent-summary", "ECS Fargate")]["after"] == float(fargate.quantize(Decimal("0.01"))) > 0
    assert rows[("backend", "ECS Fargate")]["delta"] > 0  # 1 -> 2 vCPU in prod only
    assert ("backend", "ECS Fargate") not in {
        (r["service"], r["awsService"]) for r in _env(review, "staging")["cost"]["rows"]
    }


def test_create_only_properties_flag_the_replacement(review: dict[str, Any]) -> None:
    """Cpu and Memory of a task definition are create-only in CloudFormation's schema: a new revision."""
    changed = {r["path"]: r for r in _env(review, "prod")["resources"] if r["change"] == "changed"}
    task = changed["backend/Task"]
    assert task["type"] == "AWS::ECS::TaskDefinition" and task["replacement"] is True
    props = {p["path"]: p for p in task["properties"]}
    assert (props["Cpu"]["before"], props["Cpu"]["after"], props["Cpu"]["replaces"]) == ("1024", "2048", True)
    removed = {r["path"] for r in _env(review, "prod")["resources"] if r["change"] == "removed"}
    assert "Network/Vpc/publicSubnet3/NATGateway" in removed  # three NAT gateways -> two
    route = changed["Network/Vpc/appSubnet3/DefaultRoute"]
    assert route["replacement"] is False and route["properties"][0]["path"] == "NatGatewayId"


def test_the_doc_sections_that_change_are_named(review: dict[str, Any]) -> None:
    sections = {s["region"]: s for s in review["sections"]}
    assert sections["compute"]["change"] == "changed" and sections["compute"]["linesAdded"] > 0
    assert "cost" in sections


def test_the_comment_is_one_markdown_comment_with_its_marker(
    capsys: pytest.CaptureFixture[str], default_synth: Synth, changed_synth: Synth, tmp_path: Path
) -> None:
    digest = _digest(default_synth.outdir)
    out = tmp_path / "review.md"
    rc, stdout = _review(capsys, default_synth.outdir, changed_synth.outdir, "--output", str(out))
    assert rc == 0 and stdout == ""
    text = out.read_text()
    assert text.startswith("<!-- docgen-review -->\n") and len(text) < 65_536
    assert "| prod | " in text and "+ `sqs:ReceiveMessage`" in text
    assert "**replacement**" in text and "`Cpu`: `1024` → `2048` (replaces)" in text
    assert "| **prod** | **total** |" in text
    assert _digest(default_synth.outdir) == digest  # the base folder is read, never written


def test_no_change_is_said_in_one_line(capsys: pytest.CaptureFixture[str], default_synth: Synth) -> None:
    rc, text = _review(capsys, default_synth.outdir, default_synth.outdir)
    assert rc == 0
    assert "No change to resources, cost, security or the design doc." in text


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_cost_compare_has_a_subtotal_per_environment_and_no_sub_cent_rows(
    capsys: pytest.CaptureFixture[str], default_synth: Synth, changed_synth: Synth
) -> None:
    argv = ["cost", "-q", "--cdk-out", str(changed_synth.outdir), "--no-synth"]
    assert main([*argv, "--compare", str(default_synth.outdir), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for env in data["environments"]:
        assert env["delta"] == pytest.approx(env["after"] - env["before"], abs=1e-6)
        assert all(abs(r["delta"]) >= 0.005 for r in env["resources"])
    prod = next(e for e in data["environments"] if e["name"] == "prod")
    assert prod["subCentChanges"] >= 0 and any("agent-summary" in r["path"] for r in prod["resources"])
    assert main([*argv, "--compare", str(default_synth.outdir)]) == 0
    text = capsys.readouterr().out
    assert any(line.startswith("prod: ") and "USD/month (+" in line for line in text.splitlines())
