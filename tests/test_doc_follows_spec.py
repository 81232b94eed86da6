"""Change the spec (backend CPU, prod NAT count, a new worker), synthesize, regenerate: the doc follows the tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.cli import main
from tests.conftest import ROOT, Synth, synth_design
from tests.test_docgen import TEMPLATE, tables

pytestmark = pytest.mark.synth

WORKER = """  - name: agent-summary
    type: worker
    build: ./agents/summary
    queue: summary-tasks
    databases: [appdb]
    secrets: [llm-api-key]
    seq: 3
    requirements: [REQ-003-DEP-001]
"""
QUEUE = """  - name: summary-tasks
    seq: 3
    requirements: [REQ-003-DEP-001]
"""


def changed_design() -> str:
    text = (ROOT / "design.yaml").read_text()
    text = text.replace(
        "backend: {cpu: 1024, memory: 2048, desired: 3", "backend: {cpu: 2048, memory: 4096, desired: 3"
    )
    text = text.replace("nat_gateways: 3", "nat_gateways: 2")
    text = text.replace("\nfrontends:\n", "\n" + WORKER + "\nfrontends:\n", 1)
    text = text.replace("\nsecrets:\n", "\n" + QUEUE + "\nsecrets:\n", 1)
    for env, size in (
        ("staging", "{cpu: 256, memory: 512, desired: 0, min: 0, max: 1}"),
        ("prod", "{cpu: 512, memory: 1024, desired: 1, min: 0, max: 3}"),
    ):
        anchor = (
            f"      agent-report: {{cpu: {'256, memory: 512' if env == 'staging' else '512, memory: 1024'}"
        )
        text = text.replace(anchor, f"      agent-summary: {size}\n{anchor}", 1)
    return text


@pytest.fixture(scope="session")
def changed_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    work = tmp_path_factory.mktemp("changed")
    design = work / "design.yaml"
    design.write_text(changed_design())
    return synth_design(design, work / "cdk.out")


def doc_for(cdk_out: Path, doc: Path) -> str:
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
    return doc.read_text()


def test_the_doc_follows_a_spec_change(default_synth: Synth, changed_synth: Synth, tmp_path: Path) -> None:
    before = tables(doc_for(default_synth.outdir, tmp_path / "before.md"))
    after = tables(doc_for(changed_synth.outdir, tmp_path / "after.md"))

    def ecs(t: dict[str, list[dict[str, str]]], env: str) -> dict[str, dict[str, str]]:
        return {row["Service"]: row for row in t[env]}

    assert ecs(before, "prod")["backend"]["CPU"].startswith("1024 ")
    assert ecs(after, "prod")["backend"]["CPU"].startswith("2048 ")
    assert ecs(after, "prod")["backend"]["Memory"] == "4096 MiB"
    assert ecs(after, "staging")["backend"] == ecs(before, "staging")["backend"]  # staging unchanged

    nat = {r["Environment"]: r["NAT gateways"] for r in after["VPC"]}
    assert nat == {"staging": "1", "prod": "2"}
    assert {r["Environment"]: r["NAT gateways"] for r in before["VPC"]}["prod"] == "3"

    assert "agent-summary" not in ecs(before, "prod")
    assert ecs(after, "prod")["agent-summary"]["CPU"].startswith("512 ")
    queues = {(r["Environment"], r["Queue"], r["Role"]) for r in after["Queues (SQS)"]}
    assert {("prod", "summary-tasks", "queue"), ("prod", "summary-tasks", "dead-letter queue")} <= queues


def test_the_cost_table_follows_a_task_size_change(
    default_synth: Synth, changed_synth: Synth, tmp_path: Path
) -> None:
    def backend_cost(cdk_out: Path, name: str) -> float:
        rows = tables(doc_for(cdk_out, tmp_path / name))
        prod_heading = next(k for k in rows if k.startswith("prod: ") and "USD/month" in k)
        row = next(r for r in rows[prod_heading] if r["Service"] == "backend")
        return float(row["Monthly (USD)"].replace(",", ""))

    assert backend_cost(changed_synth.outdir, "after.md") > backend_cost(default_synth.outdir, "before.md")
