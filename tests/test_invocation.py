"""The orchestrator's invocation: context YAML (file, stdin, flags), the output protocol and bad input."""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from docgen.cli import main
from docgen.render.template import COMPANIONS
from docgen.workitem.invocation import InvocationError, load_context
from docgen.workitem.protocol import ENDING, STARTING
from tests.test_docgen import FIXTURE, docgen_argv

LOG_FIELDS = [
    "agent",
    "action",
    "phase",
    "requirements",
    "task_id",
    "details",
    "files_created",
    "files_modified",
    "decisions",
    "errors",
]


@dataclass
class Result:
    rc: int
    out: str
    entry: dict[str, Any]
    task: dict[str, str]


def parse_protocol(out: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The log entry (parsed JSON) and the Task Result fields; asserts the start and end lines."""
    lines = out.splitlines()
    assert lines[0] == STARTING, lines[:2]
    assert lines[-1] == ENDING, lines[-2:]
    found = re.findall(r"```json\n<log-entry>\n(.*?)\n</log-entry>\n```", out, re.S)
    assert len(found) == 1, out
    entry = json.loads(found[0])
    result = out.split("\n## Task Result\n", 1)[1].splitlines()[:3]
    task = dict(line.split(":", 1) for line in result)
    return entry, {k: v.strip() for k, v in task.items()}


def write_context(folder: Path, **fields: Any) -> Path:
    path = folder / f"context-{len(list(folder.glob('context-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(fields, sort_keys=False))
    return path


def run_work(doc: Path, *args: str, cdk_out: Path = FIXTURE, context: Path | None = None) -> Result:
    argv = docgen_argv(doc, *args, cdk_out=cdk_out)
    if context is not None:
        argv += ["--context", str(context)]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        rc = main(argv)
    entry, task = parse_protocol(buffer.getvalue())
    return Result(rc, buffer.getvalue(), entry, task)


@pytest.fixture()
def doc(tmp_path: Path) -> Path:
    return tmp_path / "design-docs" / "60-infrastructure.md"


def create(doc: Path, **extra: Any) -> Result:
    fields = {
        "mode": "create",
        "seq": 1,
        "short_name": "foundation",
        "requirements": ["REQ-001-DEP-001"],
        **extra,
    }
    result = run_work(doc, context=write_context(doc.parent.parent, **fields))
    assert result.rc == 0, result.out
    return result


def test_create_prints_the_protocol_and_a_log_entry_with_exactly_the_specified_fields(doc: Path) -> None:
    result = create(doc)
    assert list(result.entry) == LOG_FIELDS
    assert result.entry["agent"] == "infrastructure-design-agent"
    assert result.entry["action"] == "COMPLETE" and result.entry["phase"] == "design"
    assert result.entry["requirements"] == ["REQ-001-DEP-001"] and result.entry["task_id"] is None
    companions = [
        p for n in COMPANIONS for p in (f"60-infrastructure-{n}.md", f"60-infrastructure-{n}.sources.json")
    ]
    assert result.entry["files_created"][0] == str(doc)  # the doc first, as people look for it
    assert sorted(result.entry["files_created"][1:]) == sorted(
        [
            str(doc.parent / "inventory" / "seq-001.json"),
            str(doc.parent / "60-infrastructure.sources.json"),
            *(str(doc.parent / name) for name in companions),
        ]
    )
    assert result.entry["files_modified"] == [] and result.entry["errors"] == []
    assert any("ECS::Service backend" in d for d in result.entry["decisions"])
    assert result.task == {"status": "complete", "blocked_reason": "", "notes": result.task["notes"]}
    assert doc.read_text().startswith("# Infrastructure Design: acme-agents")


def test_context_from_standard_input(doc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "mode: create\nseq: 1\nshort_name: foundation\nrequirements: [REQ-001-DEP-001]\ntask_id: T-7\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    result = run_work(doc, "--context", "-")
    assert result.rc == 0 and result.entry["task_id"] == "T-7" and doc.exists()


def test_flags_alone_are_a_context_and_flags_override_the_file(doc: Path) -> None:
    result = run_work(
        doc,
        "--mode",
        "create",
        "--seq",
        "1",
        "--short-name",
        "foundation",
        "--requirements",
        "REQ-001-DEP-001,REQ-001-DEP-002",
    )
    assert result.rc == 0 and result.entry["requirements"] == ["REQ-001-DEP-001", "REQ-001-DEP-002"]
    ctx = write_context(doc.parent, mode="update", seq=2, short_name="from-file")
    result = run_work(doc, "--short-name", "from-flag", context=ctx)
    assert result.rc == 0, result.out
    assert "## Seq 2: From Flag Infrastructure" in doc.read_text()


def test_a_zero_padded_seq_is_decimal_not_octal(tmp_path: Path) -> None:
    path = tmp_path / "ctx.yaml"
    path.write_text("mode: update\nseq: 010\nshort_name: x\n")
    assert load_context(str(path), {}).seq == 10


def test_plain_invocation_keeps_its_output_without_the_protocol(
    doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(docgen_argv(doc))
    out = capsys.readouterr().out
    assert (
        rc == 0
        and out.startswith(f"wrote {doc} and 60-infrastructure.sources.json, ")
        and out.count("\n") == 1
    )


BAD_CONTEXTS = [
    (
        {"mode": "delete", "seq": 1, "short_name": "x"},
        "at key `mode`: expected one of create, update, got 'delete'",
    ),
    ({"mode": "create", "seq": "two", "short_name": "x"}, "at key `seq`: expected a whole number"),
    ({"mode": "create", "seq": 2.5, "short_name": "x"}, "at key `seq`: expected a whole number"),
    ({"mode": "create", "seq": True, "short_name": "x"}, "at key `seq`"),
    ({"mode": "create", "seq": 0, "short_name": "x"}, "at key `seq`"),
    ({"mode": "create", "seq": 1, "short_name": "Read Replica"}, "at key `short_name`: expected a slug"),
    ({"mode": "create", "seq": 1, "short_name": "read_replica"}, "at key `short_name`"),
    (
        {"mode": "create", "seq": 1, "short_name": "x", "requirements": ["REQ-001-DEP-*"]},
        "at key `requirements[0]`: expected a requirement id like REQ-003-NFR-AVAIL-001",
    ),
    ({"mode": "create", "seq": 1, "short_name": "x", "requirements": ["DEP-001"]}, "requirements[0]"),
    (
        {"mode": "create", "seq": 1, "short_name": "x", "colour": "red"},
        "unknown key `colour`; valid keys: mode",
    ),
    ({"seq": 1, "short_name": "x"}, "key `mode` is required"),
    (
        {
            "mode": "create",
            "seq": 1,
            "short_name": "x",
            "targets": {"REQ-001-NFR-AVAIL-001": {"availability": 101}},
        },
        "targets`.REQ-001-NFR-AVAIL-001.availability: expected a number between 0 and 100",
    ),
    (
        {"mode": "create", "seq": 1, "short_name": "x", "targets": {"REQ-001-NFR-AVAIL-001": {"uptime": 99}}},
        "unknown key `uptime`",
    ),
]


@pytest.mark.parametrize(("context", "message"), BAD_CONTEXTS)
def test_bad_context_fails_with_the_reason_and_writes_nothing(
    doc: Path, context: dict[str, Any], message: str
) -> None:
    result = run_work(
        doc, context=write_context(doc.parent.parent if doc.parent.exists() else _mk(doc), **context)
    )
    assert result.rc == 1
    assert result.task["status"] == "failed" and message in result.task["notes"]
    assert result.entry["action"] == "ERROR" and message in result.entry["errors"][0]
    assert result.entry["files_created"] == [] and result.entry["files_modified"] == []
    assert not doc.exists() and not (doc.parent / "inventory").exists()


def _mk(doc: Path) -> Path:
    doc.parent.parent.mkdir(parents=True, exist_ok=True)
    return doc.parent.parent


def test_context_that_is_not_yaml_or_not_a_mapping(doc: Path) -> None:
    folder = _mk(doc)
    (folder / "bad.yaml").write_text("mode: [create\n")
    result = run_work(doc, context=folder / "bad.yaml")
    assert result.rc == 1 and "not valid YAML at line" in result.task["notes"]
    (folder / "list.yaml").write_text("- create\n")
    result = run_work(doc, context=folder / "list.yaml")
    assert result.rc == 1 and "expected a mapping with keys mode, seq" in result.task["notes"]
    result = run_work(doc, context=folder / "missing.yaml")
    assert result.rc == 1 and "context file" in result.task["notes"] and "not found" in result.task["notes"]


def test_create_on_an_existing_doc_fails_and_leaves_it(doc: Path) -> None:
    create(doc)
    before = doc.read_bytes()
    result = run_work(doc, context=write_context(doc.parent.parent, mode="create", seq=2, short_name="again"))
    assert result.rc == 1 and result.task["status"] == "failed"
    assert "already exists: use mode update" in result.task["notes"]
    assert doc.read_bytes() == before and not (doc.parent / "inventory" / "seq-002.json").exists()


def test_update_on_a_missing_doc_fails_and_creates_nothing(doc: Path) -> None:
    result = run_work(doc, context=write_context(_mk(doc), mode="update", seq=2, short_name="x"))
    assert result.rc == 1 and "does not exist: use mode create first" in result.task["notes"]
    assert not doc.exists()


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda t: t.replace("<!-- END GENERATED: network -->\n", "", 1), "regions cannot nest"),
        (lambda t: t.replace("| Fact | Value |", "| Fact | Value (mine) |", 1), "was edited by hand"),
        (
            lambda t: t.replace("<!-- BEGIN GENERATED: cost", "<!-- BEGIN GENERATED cost", 1),
            "malformed begin marker",
        ),
    ],
)
def test_update_on_a_doc_with_broken_markers_is_blocked_and_leaves_it(
    doc: Path, breakage: Any, message: str
) -> None:
    create(doc)
    doc.write_text(breakage(doc.read_text()))
    before = doc.read_bytes()
    result = run_work(doc, context=write_context(doc.parent.parent, mode="update", seq=2, short_name="x"))
    assert result.rc == 3 and result.task["status"] == "blocked"
    assert message in result.task["blocked_reason"] and result.entry["action"] == "BLOCKED"
    assert any(message in e for e in result.entry["errors"])
    assert doc.read_bytes() == before and not (doc.parent / "inventory" / "seq-002.json").exists()


def test_an_unexpected_error_still_ends_the_protocol(doc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: Any, **__: Any) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr("docgen.history.inventory.build", boom)
    result = run_work(doc, "--mode", "create", "--seq", "1", "--short-name", "x")
    assert result.rc == 1 and "internal error: KeyError" in result.task["notes"]
    assert not doc.exists()


def test_a_work_item_cannot_be_combined_with_check(doc: Path) -> None:
    result = run_work(doc, "--check", "--mode", "create", "--seq", "1", "--short-name", "x")
    assert result.rc == 1 and "--check" in result.task["notes"]


def test_load_context_rejects_a_seq_flag_that_is_not_a_number() -> None:
    with pytest.raises(InvocationError, match="at key `seq`"):
        load_context(None, {"mode": "create", "seq": "3a", "short_name": "x"})


def test_existing_doc_names_the_doc_to_update_and_must_agree_with_doc(doc: Path) -> None:
    create(doc)
    folder = doc.parent.parent
    same = write_context(folder, mode="update", seq=2, short_name="x", existing_doc=str(doc))
    assert run_work(doc, context=same).rc == 0
    other = write_context(folder, mode="update", seq=3, short_name="y", existing_doc=str(folder / "other.md"))
    result = run_work(doc, context=other)
    assert result.rc == 1 and "name different docs" in result.task["notes"]
