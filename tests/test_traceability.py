"""Requirement traceability: the matrix equals the Requirements tags in templates; unsatisfied ids block."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from docgen.assembly.reader import read_assembly
from docgen.verify import traceability
from tests.test_docgen import doc_tables
from tests.test_invocation import FIXTURE, create, run_work, write_context


def tagged_in_templates(cdk_out: Path) -> dict[str, set[tuple[str, str]]]:
    """Requirement id -> {(component, logical id)}, read straight from the template files."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in cdk_out.glob("assembly-*/*.template.json"):
        for logical_id, body in json.loads(path.read_text())["Resources"].items():
            tags = body.get("Properties", {}).get("Tags")
            if not isinstance(tags, list):
                continue
            tag = {t["Key"]: t["Value"] for t in tags if isinstance(t, dict) and "Key" in t}
            for rid in tag.get("Requirements", "").split():
                if rid != "none":
                    out[rid].add((tag.get("Service", ""), logical_id))
    return out


def test_the_matrix_holds_every_tagged_requirement_component_and_logical_id() -> None:
    traces = traceability.build(read_assembly(FIXTURE), ["staging", "prod"])
    got: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for t in traces:
        got[t.requirement] |= {(t.component, lid) for lid in t.logical_ids}
    expected = tagged_in_templates(FIXTURE)
    assert set(got) == set(expected) and len(expected) >= 6
    for rid, pairs in expected.items():
        assert pairs <= got[rid], rid  # the tree may add untagged-in-template resources (tags from the tree)


def test_traces_are_grouped_per_component_with_constructs_and_environments() -> None:
    traces = {
        (t.requirement, t.component): t
        for t in traceability.build(read_assembly(FIXTURE), ["staging", "prod"])
    }
    db = traces[("REQ-001-NFR-AVAIL-001", "appdb")]
    assert db.environments == ("staging", "prod") and db.seqs == ("1",)
    assert "Data/appdb/Instance" in db.constructs and "appdbInstance21A3DD95" in db.logical_ids
    assert "AWS::RDS::DBInstance" in db.types
    assert ("REQ-002-DEP-002", "llm-api-key") in traces and ("REQ-001-NFR-AVAIL-001", "backend") in traces


def test_unsatisfied_lists_what_nothing_carries_in_the_order_asked() -> None:
    traces = traceability.build(read_assembly(FIXTURE))
    asked = ["REQ-009-DEP-001", "REQ-001-DEP-001", "REQ-001-NFR-AVAIL-002"]
    assert traceability.unsatisfied(asked, traces) == ["REQ-009-DEP-001", "REQ-001-NFR-AVAIL-002"]


def test_the_doc_has_the_matrix_with_logical_ids(tmp_path: Path) -> None:
    doc = tmp_path / "design-docs" / "60-infrastructure.md"
    create(doc)
    found = doc_tables(doc)
    summary = {(r["Requirement"], r["Component"]): r for r in found["Requirements Traceability"]}
    rows = found["Traceability"]  # the verification details: constructs and logical ids
    by_key = {(r["Requirement"], r["Component"]): r for r in rows}
    row = by_key[("REQ-002-DEP-001", "research-tasks")]
    assert row["Seq"] == "2" and row["Environments"] == "staging, prod"
    assert summary[("REQ-002-DEP-001", "research-tasks")]["Constructs"] == str(
        len(row["Constructs"].split("<br>"))
    )
    assert "researchtasksQueue1933DE1B" in row["CloudFormation logical ids"]
    assert "Messaging/research-tasks/Queue" in row["Constructs"].split("<br>")
    assert by_key[("REQ-001-NFR-AVAIL-001", "backend")]["Verification"] == "no target stated"
    assert {r["Requirement"] for r in rows} == set(tagged_in_templates(FIXTURE))


def test_a_requirement_nothing_satisfies_blocks_with_the_reason_and_writes_nothing(tmp_path: Path) -> None:
    doc = tmp_path / "design-docs" / "60-infrastructure.md"
    ctx = write_context(
        tmp_path,
        mode="create",
        seq=1,
        short_name="foundation",
        requirements=["REQ-001-DEP-001", "REQ-001-DEP-099"],
    )
    result = run_work(doc, context=ctx)
    assert result.rc == 3 and result.task["status"] == "blocked"
    assert result.task["blocked_reason"].startswith(
        "REQ-001-DEP-099 is not satisfied by anything in the design"
    )
    assert result.entry["action"] == "BLOCKED" and result.entry["requirements"] == [
        "REQ-001-DEP-001",
        "REQ-001-DEP-099",
    ]
    assert any("REQ-001-DEP-099" in e for e in result.entry["errors"])
    assert result.entry["files_created"] == [] and not doc.exists()
    assert not (doc.parent / "inventory").exists()


def test_an_unsatisfied_requirement_in_an_update_leaves_the_doc(tmp_path: Path) -> None:
    doc = tmp_path / "design-docs" / "60-infrastructure.md"
    create(doc)
    before = doc.read_bytes()
    result = run_work(
        doc, "--mode", "update", "--seq", "2", "--short-name", "x", "--requirements", "REQ-002-DEP-077"
    )
    assert result.rc == 3 and "REQ-002-DEP-077" in result.task["blocked_reason"]
    assert doc.read_bytes() == before
