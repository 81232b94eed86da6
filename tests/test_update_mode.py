"""Update mode: Seq sections from real inventory diffs, hand-written text kept, re-runs replace, `diff`.

The end-to-end test synthesizes three cumulative variants of design.yaml (a new agent worker with its queue,
then an RDS read replica in prod, then a new secret used by the backend) once per session, on top of the
session's default synth, each through `app.build_app` with cdk-nag's validation on.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from docgen.assembly.reader import read_assembly
from docgen.cli import main
from docgen.history import changes as delta
from docgen.history import inventory
from docgen.output.regions import Text, parse
from docgen.render.template import COMPANIONS
from tests.conftest import ROOT, Synth
from tests.test_docgen import run_docgen, tables
from tests.test_invocation import FIXTURE, Result, create, run_work, write_context

# --- the three work items, as edits of the design spec ----------------------------------------------


def add_worker(design: dict[str, Any]) -> None:
    design["queues"].append(
        {
            "name": "summary-tasks",
            "visibility_timeout_seconds": 300,
            "seq": 2,
            "requirements": ["REQ-002-DEP-003"],
        }
    )
    design["services"].append(
        {
            "name": "agent-summary",
            "type": "worker",
            "build": "./agents/summary",
            "queue": "summary-tasks",
            "databases": ["appdb"],
            "secrets": ["llm-api-key"],
            "description": "Summary agent; consumes summary-tasks",
            "seq": 2,
            "requirements": ["REQ-002-DEP-003"],
        }
    )
    sizing = {
        "staging": {"cpu": 256, "memory": 512, "desired": 1, "min": 0, "max": 2},
        "prod": {"cpu": 512, "memory": 1024, "desired": 1, "min": 1, "max": 4},
    }
    for env, size in sizing.items():
        design["environments"][env]["services"]["agent-summary"] = {**size, "architecture": "arm64"}


def add_read_replica(design: dict[str, Any]) -> None:
    appdb = next(d for d in design["databases"] if d["name"] == "appdb")
    appdb["requirements"] = [*appdb["requirements"], "REQ-003-NFR-PERF-001"]
    design["environments"]["prod"]["databases"]["appdb"]["read_replicas"] = 1


def add_secret(design: dict[str, Any]) -> None:
    design["secrets"].append(
        {
            "name": "webhook-signing-key",
            "description": "Key that signs outgoing webhooks",
            "seq": 4,
            "requirements": ["REQ-004-DEP-001"],
        }
    )
    backend = next(s for s in design["services"] if s["name"] == "backend")
    backend["secrets"] = [*backend["secrets"], "webhook-signing-key"]


WORK_ITEMS = [
    (2, "summary-agent", "REQ-002-DEP-003", add_worker),
    (3, "read-replica", "REQ-003-NFR-PERF-001", add_read_replica),
    (4, "webhook-secret", "REQ-004-DEP-001", add_secret),
]


def _synth(design: Path, outdir: Path) -> Path:
    from app import build_app

    build_app(str(design), outdir=str(outdir)).synth()
    return outdir


@pytest.fixture(scope="session")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """seq -> cdk.out of the design after that work item (cumulative): three synths per session."""
    folder = tmp_path_factory.mktemp("variants")
    design = yaml.safe_load((ROOT / "design.yaml").read_text())
    out = {}
    for seq, name, _, edit in WORK_ITEMS:
        design = copy.deepcopy(design)
        edit(design)
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(design, sort_keys=False))
        out[seq] = _synth(path, folder / f"{name}.out")
    return out


# --- helpers -----------------------------------------------------------------------------------------


def texts(document: str) -> list[str]:
    return [s.text for s in parse(document, source="doc").segments if isinstance(s, Text)]


def assert_hand_written_kept(before: str, after: str) -> None:
    """Every byte outside the markers is still there, in place; only the end may have grown."""
    old, new = texts(before), texts(after)
    assert new[: len(old) - 1] == old[:-1]
    assert new[len(old) - 1].startswith(old[-1])


def seq_body(document: str, seq: int) -> str:
    region = parse(document, source="doc").region(f"seq-{seq:03d}")
    assert region is not None, f"no seq-{seq:03d} region"
    return region.body


def seq_rows(document: str, seq: int) -> list[dict[str, str]]:
    return tables(seq_body(document, seq))["Services, resources and configurations"]


def added(rows: list[dict[str, str]], env: str) -> set[tuple[str, str]]:
    return {
        (r["Type"], r["Construct path"]) for r in rows if r["Environment"] == env and r["Change"] == "added"
    }


def update(doc: Path, cdk_out: Path, seq: int, name: str, requirement: str, **extra: Any) -> Result:
    ctx = write_context(
        doc.parent.parent, mode="update", seq=seq, short_name=name, requirements=[requirement], **extra
    )
    return run_work(doc, cdk_out=cdk_out, context=ctx)


# --- end to end on real synths -------------------------------------------------------------------------


@pytest.mark.synth
def test_create_then_three_updates_keep_hand_written_text_and_record_each_work_item(
    tmp_path: Path, default_synth: Synth, variants: dict[int, Path]
) -> None:
    doc = tmp_path / "design-docs" / "60-infrastructure.md"
    inv = doc.parent / "inventory"
    first = run_work(
        doc,
        cdk_out=default_synth.outdir,
        context=write_context(
            tmp_path,
            mode="create",
            seq=1,
            short_name="foundation",
            requirements=["REQ-001-NFR-AVAIL-001"],
            targets={"REQ-001-NFR-AVAIL-001": {"availability": 99.8, "rpo_minutes": 15, "rto_minutes": 60}},
        ),
    )
    assert first.rc == 0, first.out
    sources = str(doc.parent / "60-infrastructure.sources.json")
    companions = {
        str(doc.parent / f"60-infrastructure-{n}{x}") for n in COMPANIONS for x in (".md", ".sources.json")
    }
    assert first.entry["files_created"][0] == str(doc)
    assert set(first.entry["files_created"][1:]) == {
        str(inv / "seq-001.json"),
        str(doc.parent / "requirements.yaml"),
        sources,
        *companions,
    }

    notes = {
        1: ("## Network\n", "## Network\n\n> Hand-written after create: keep one NAT per AZ. \t ünïcode\n"),
        2: (None, "\nHand-written under Seq 2: the summary agent may batch.\n"),
        3: ("## Compute\n", "Hand-written before Compute, after seq 3.\n\n## Compute\n"),
    }
    written: list[str] = []
    for step, (seq, name, requirement, _) in enumerate(WORK_ITEMS, start=1):
        text = doc.read_text()
        anchor, note = notes[step]
        text = text + note if anchor is None else text.replace(anchor, note, 1)
        written.append(note.strip())
        doc.write_text(text)
        result = update(doc, variants[seq], seq, name, requirement)
        assert result.rc == 0, result.out
        assert result.entry["action"] == "COMPLETE" and result.entry["requirements"] == [requirement]
        modified = result.entry["files_modified"]
        assert modified[:1] == [str(doc)] and sources in modified  # the design grew: new facts, new sources
        assert set(modified) <= {str(doc), sources, *companions}
        assert result.entry["files_created"] == [str(inv / f"seq-{seq:03d}.json")]
        after = doc.read_text()
        assert_hand_written_kept(text, after)
        assert all(after.count(w) == 1 for w in written)

    final = doc.read_text()
    headings = [line for line in final.splitlines() if line.startswith("## Seq ")]
    assert headings == [
        "## Seq 2: Summary Agent Infrastructure",
        "## Seq 3: Read Replica Infrastructure",
        "## Seq 4: Webhook Secret Infrastructure",
    ]
    for seq, name, requirement, _ in WORK_ITEMS:
        body = seq_body(final, seq)
        assert f"See [{seq}-design-{name}.md]({seq}-design-{name}.md)" in body and f"`{requirement}`" in body

    worker = seq_rows(final, 2)
    for env in ("staging", "prod"):
        assert {
            ("AWS::ECS::Service", "Service-agent-summary/agent-summary/Service/Service"),
            ("AWS::ECS::TaskDefinition", "Service-agent-summary/agent-summary/Task/Resource"),
            ("AWS::SQS::Queue", "Messaging/summary-tasks/Queue/Resource"),
            ("AWS::SQS::Queue", "Messaging/summary-tasks/DeadLetterQueue/Resource"),
        } <= added(worker, env)
    assert not [r for r in worker if r["Change"] == "removed"]
    assert not [r for r in worker if "Replica" in r["Construct path"] or "webhook" in r["Construct path"]]

    replica = seq_rows(final, 3)
    assert {t for t in added(replica, "prod") if t[0] == "AWS::RDS::DBInstance"} == {
        ("AWS::RDS::DBInstance", "Data/appdb/Replica1/Resource")
    }
    assert not added(replica, "staging")  # the replica is prod-only in the spec
    assert "read_replica true" in next(
        r["Configuration"] for r in replica if r["Construct path"] == "Data/appdb/Replica1/Resource"
    )

    secret = seq_rows(final, 4)
    for env in ("staging", "prod"):
        assert ("AWS::SecretsManager::Secret", "Data/webhook-signing-key/Secret/Resource") in added(
            secret, env
        )
        task = next(r for r in secret if r["Environment"] == env and r["Type"] == "AWS::ECS::TaskDefinition")
        assert task["Component"] == "backend" and task["Change"] == "changed"
        assert "ContainerDefinitions" in task["Configuration"]
    assert not [
        r for r in secret if "agent-summary" in r["Construct path"] or "Replica" in r["Construct path"]
    ]

    # Re-running the last seq replaces its generated part and keeps prose written under it.
    doc.write_text(final + "\nHand-written under Seq 4.\n")
    kept = doc.read_text()
    rerun = update(doc, variants[4], 4, "webhook-secret", "REQ-004-DEP-001")
    assert rerun.rc == 0 and rerun.entry["files_modified"] == [] and rerun.entry["files_created"] == []
    assert doc.read_text() == kept

    # The plain command agrees with what the work items wrote.
    assert run_docgen(doc, "--check", cdk_out=variants[4]) == 0

    # A target the design cannot meet blocks the next work item and leaves everything as it was.
    listing = sorted(p.name for p in inv.iterdir())
    blocked = update(
        doc,
        variants[4],
        5,
        "five-nines",
        "REQ-001-NFR-AVAIL-001",
        targets={"REQ-001-NFR-AVAIL-001": {"availability": 99.999}},
    )
    assert blocked.rc == 3 and blocked.task["status"] == "blocked" and blocked.entry["action"] == "BLOCKED"
    assert (
        "REQ-001-NFR-AVAIL-001 availability target 99.999% is unmet in prod" in blocked.task["blocked_reason"]
    )
    assert blocked.entry["files_created"] == [] and blocked.entry["files_modified"] == []
    assert doc.read_text() == kept and sorted(p.name for p in inv.iterdir()) == listing

    from tests.mermaid_render import mermaid_blocks, render_many

    seq_blocks = [b for seq in (2, 3, 4) for b in mermaid_blocks(seq_body(kept, seq))]
    assert len(seq_blocks) == 3
    assert len(render_many({f"seq{i}": b for i, b in enumerate(seq_blocks)}, tmp_path / "svg")) == 3


# --- on the committed fixture (no synth) ---------------------------------------------------------------


@pytest.fixture()
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "design-docs" / "60-infrastructure.md"
    create(path)
    return path


def changed_fixture(tmp_path: Path) -> Path:
    """The fixture with prod's backend at 4 desired tasks and research-tasks' DLQ-depth alarm gone."""
    out = tmp_path / "cdk.out"
    shutil.copytree(FIXTURE, out)
    for path in (out / "assembly-prod").glob("*.template.json"):
        template = json.loads(path.read_text())
        resources = template["Resources"]
        for logical_id in list(resources):
            if logical_id.startswith("researchtasksDlqDepth"):
                del resources[logical_id]
            elif (
                logical_id.startswith("backendService")
                and resources[logical_id]["Type"] == "AWS::ECS::Service"
            ):
                resources[logical_id]["Properties"]["DesiredCount"] = 4
        path.write_text(json.dumps(template))
    return out


def test_rerunning_a_seq_replaces_its_region_and_keeps_prose_under_it(doc: Path, tmp_path: Path) -> None:
    assert update(doc, FIXTURE, 2, "tuning", "REQ-002-DEP-001").rc == 0
    doc.write_text(doc.read_text() + "\nProse under Seq 2, written by a person.\n")
    changed = changed_fixture(tmp_path)
    result = update(doc, changed, 2, "tuning", "REQ-002-DEP-001")
    assert result.rc == 0 and result.entry["files_created"] == []
    modified = result.entry["files_modified"]
    assert modified[0] == str(doc)
    assert {
        str(doc.parent / "inventory" / "seq-002.json"),
        str(doc.parent / "60-infrastructure.sources.json"),
    } <= set(modified)
    assert all(Path(m).name.startswith("60-infrastructure") or m.endswith("seq-002.json") for m in modified)
    text = doc.read_text()
    assert (
        text.count("## Seq 2: Tuning Infrastructure") == 1
        and text.count("<!-- BEGIN GENERATED: seq-002") == 1
    )
    assert text.endswith("<!-- END GENERATED: seq-002 -->\n\nProse under Seq 2, written by a person.\n")
    rows = seq_rows(text, 2)
    assert {(r["Change"], r["Construct path"]) for r in rows} == {
        ("changed", "Service-backend/backend/Service/Service"),
        ("removed", "Messaging/research-tasks/DlqDepth/Resource"),
    }
    assert "desired 3 → 4" in next(r["Configuration"] for r in rows if r["Change"] == "changed")


def test_plain_regeneration_keeps_seq_sections_and_checks_clean(doc: Path) -> None:
    assert update(doc, FIXTURE, 2, "tuning", "REQ-002-DEP-001").rc == 0
    before = doc.read_text()
    assert run_docgen(doc) == 0 and doc.read_text() == before
    assert run_docgen(doc, "--check") == 0


def test_a_hand_edited_seq_region_blocks_the_next_update(doc: Path) -> None:
    assert update(doc, FIXTURE, 2, "tuning", "REQ-002-DEP-001").rc == 0
    doc.write_text(doc.read_text().replace("Work item **2**", "Work item **two**"))
    before = doc.read_bytes()
    result = update(doc, FIXTURE, 3, "more", "REQ-002-DEP-001")
    assert result.rc == 3 and "region 'seq-002'" in result.task["blocked_reason"]
    assert "edited by hand" in result.task["blocked_reason"] and doc.read_bytes() == before


def test_an_older_seq_than_the_latest_recorded_is_blocked(doc: Path) -> None:
    assert update(doc, FIXTURE, 3, "later", "REQ-002-DEP-001").rc == 0
    before = doc.read_bytes()
    result = update(doc, FIXTURE, 2, "earlier", "REQ-002-DEP-001")
    assert (
        result.rc == 3 and "seq 2 is older than the recorded work item seq 3" in result.task["blocked_reason"]
    )
    assert doc.read_bytes() == before


def test_without_a_baseline_resources_are_attributed_by_their_seq_tag(tmp_path: Path) -> None:
    doc = tmp_path / "design-docs" / "60-infrastructure.md"
    assert run_docgen(doc) == 0  # made by the plain command: no inventory
    result = update(doc, FIXTURE, 2, "workers", "REQ-002-DEP-001")
    assert result.rc == 0, result.out
    rows = seq_rows(doc.read_text(), 2)
    assert {r["Change"] for r in rows} == {"added"}
    assert {r["Component"] for r in rows} == {
        "agent-report",
        "agent-research",
        "report-tasks",
        "research-tasks",
        "llm-api-key",
    }
    assert "attributed by their `Seq` tag = 2" in doc.read_text()


def test_diff_command_prints_changes_against_the_latest_or_a_given_seq(
    doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = changed_fixture(tmp_path)
    capsys.readouterr()
    rc = main(["diff", "--cdk-out", str(changed), "--no-synth", "--doc", str(doc)])
    out = capsys.readouterr().out
    assert rc == 0 and out.startswith("Comparing the current design with seq 1 (")
    assert (
        "  [~] ECS::Service" in out
        and "Service-backend/backend/Service/Service (backend): DesiredCount" in out
    )
    assert "  [-] CloudWatch::Alarm" in out and "Messaging/research-tasks/DlqDepth/Resource" in out
    assert out.endswith("0 added, 1 changed, 1 removed\n")
    rc = main(
        ["diff", "--seq", "1", "--format", "json", "--cdk-out", str(FIXTURE), "--no-synth", "--doc", str(doc)]
    )
    assert rc == 0 and json.loads(capsys.readouterr().out) == []
    assert main(["diff", "--seq", "7", "--cdk-out", str(FIXTURE), "--no-synth", "--doc", str(doc)]) == 1
    assert "no inventory for it" in capsys.readouterr().err


def test_inventory_is_sorted_one_resource_per_line_and_scrubs_asset_hashes(doc: Path) -> None:
    path = doc.parent / "inventory" / "seq-001.json"
    text = path.read_text()
    data = json.loads(text)
    assert (
        data["format"] == "docgen-inventory/1"
        and data["seq"] == 1
        and list(data["environments"]) == ["prod", "staging"]
    )
    prod = data["environments"]["prod"]
    assert (
        list(prod) == sorted(prod)
        and len(text.splitlines()) == sum(len(v) for v in data["environments"].values()) + 12
    )
    db = prod["Data/appdb/Instance/Resource"]
    assert (
        db["type"] == "AWS::RDS::DBInstance" and db["facts"]["multi_az"] is True and db["service"] == "appdb"
    )
    assert (
        inventory.text(
            inventory.build(
                read_assembly(FIXTURE), seq=1, short_name="foundation", requirements=("REQ-001-DEP-001",)
            )
        )
        == text
    )
    one, two = "a" * 64, "b" * 64
    assert inventory.digest({"S3Key": f"{one}.zip"}, 16) == inventory.digest({"S3Key": f"{two}.zip"}, 16)


def test_diff_groups_untaggable_resources_with_their_tagged_neighbour() -> None:
    current = {
        "environments": {
            "prod": {
                "Svc/x/Role/Resource": {
                    "type": "AWS::IAM::Role",
                    "logical_id": "R",
                    "digest": "1",
                    "service": "x",
                    "stack": "Svc",
                },
                "Svc/x/Role/DefaultPolicy/Resource": {
                    "type": "AWS::IAM::Policy",
                    "logical_id": "P",
                    "digest": "2",
                    "stack": "Svc",
                },
                "Other/y/Resource": {
                    "type": "AWS::SQS::QueuePolicy",
                    "logical_id": "Q",
                    "digest": "3",
                    "stack": "Other",
                },
            }
        }
    }
    components = {c.key: c.component for c in delta.diff(None, current)}
    assert components == {
        "Svc/x/Role/Resource": "x",
        "Svc/x/Role/DefaultPolicy/Resource": "x",
        "Other/y/Resource": "stack Other",
    }
