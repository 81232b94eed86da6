"""Change the spec (backend CPU, prod NAT count, a new worker), synthesize, regenerate: the doc follows the tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.cli import main
from tests.conftest import Synth
from tests.test_docgen import TEMPLATE, doc_tables

pytestmark = pytest.mark.synth


def doc_for(cdk_out: Path, doc: Path) -> dict[str, list[dict[str, str]]]:
    """The tables of the doc and its companion files (keyed by the heading above each)."""
    assert (
        main(
            [
                "--cdk-out",
                str(cdk_out),
                "--no-synth",
                "--doc",
                str(doc),
                "--template",
                str(TEMPLATE),
                "--no-picture",
            ]
        )
        == 0
    )
    return doc_tables(doc)


def test_the_doc_follows_a_spec_change(default_synth: Synth, changed_synth: Synth, tmp_path: Path) -> None:
    before = doc_for(default_synth.outdir, tmp_path / "before.md")
    after = doc_for(changed_synth.outdir, tmp_path / "after.md")

    def ecs(t: dict[str, list[dict[str, str]]], env: str) -> dict[str, dict[str, str]]:
        return {row["Service"]: row for row in t["ECS/Fargate Structure"] if row["Environment"] == env}

    assert ecs(before, "prod")["backend"]["CPU"] == "1 vCPU"
    assert ecs(after, "prod")["backend"]["CPU"] == "2 vCPU"
    assert ecs(after, "prod")["backend"]["Memory"] == "4 GiB"
    assert ecs(after, "staging")["backend"] == ecs(before, "staging")["backend"]  # staging unchanged

    nat = {r["Environment"]: r["NAT gateways"] for r in after["VPC"]}
    assert nat == {"staging": "1", "prod": "2"}
    assert {r["Environment"]: r["NAT gateways"] for r in before["VPC"]}["prod"] == "3"

    assert "agent-summary" not in ecs(before, "prod")
    assert ecs(after, "prod")["agent-summary"]["CPU"] == "0.5 vCPU"
    queues = {(r["Environment"], r["Queue"], r["Role"]) for r in after["Queues (SQS)"]}
    assert {("prod", "summary-tasks", "queue"), ("prod", "summary-tasks", "dead-letter queue")} <= queues


def test_the_cost_table_follows_a_task_size_change(
    default_synth: Synth, changed_synth: Synth, tmp_path: Path
) -> None:
    def backend_cost(cdk_out: Path, name: str) -> float:
        rows = doc_for(cdk_out, tmp_path / name)["Cost Management"]  # one column per environment
        row = next(r for r in rows if r["Service"] == "backend")
        return float(row["prod (USD/month)"].split(" ")[0].replace(",", ""))

    assert backend_cost(changed_synth.outdir, "after.md") > backend_cost(default_synth.outdir, "before.md")


def test_usage_overrides_in_the_spec_reach_the_estimate_through_the_tree(
    default_synth: Synth, changed_synth: Synth, tmp_path: Path
) -> None:
    after = doc_for(changed_synth.outdir, tmp_path / "after.md")
    before = doc_for(default_synth.outdir, tmp_path / "before.md")
    usage = {r["Assumption"]: r for r in after["Usage assumptions"]}
    assert usage["nat_gb_processed_month"]["prod"] == "999"
    assert (
        usage["nat_gb_processed_month"]["staging"]
        == {r["Assumption"]: r for r in before["Usage assumptions"]}["nat_gb_processed_month"]["staging"]
    )

    def nat_cost(t: dict[str, list[dict[str, str]]]) -> float:
        rows = t["By AWS service"]  # the cost details' table by AWS service
        cell = next(r for r in rows if r["AWS service"] == "NAT Gateway")["prod (USD/month)"]
        return float(cell.split(" ")[0].replace(",", ""))

    # 2 NAT gateways processing 999 GB each cost more than 3 processing the default
    assert nat_cost(after) > nat_cost(before)


def test_an_unknown_usage_field_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import shutil

    from tests.test_docgen import FIXTURE

    cdk_out = tmp_path / "cdk.out"
    shutil.copytree(FIXTURE, cdk_out)
    template = next(cdk_out.glob("assembly-prod/*Observability*.template.json"))
    data = json.loads(template.read_text())
    data["Metadata"] = {"CostUsage": {"nat_gb_procesed_month": 5}}
    template.write_text(json.dumps(data))
    doc = tmp_path / "doc.md"
    assert main(["--cdk-out", str(cdk_out), "--no-synth", "--doc", str(doc), "--no-picture", "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nat_gb_procesed_month" in err[0] and "prod" in err[0], err
    assert not doc.exists()
