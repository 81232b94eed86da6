"""The runbook model and generator: a runbook per alarm kind, the specification's table, files current."""

from __future__ import annotations

from pathlib import Path

import pytest

from designspec.observability import ALARM_KINDS, Severities
from stacks.runbooks import GENERATED, RUNBOOKS, main, render, rendered, runbook
from tests.conftest import ROOT

# The specification's "Runbook Integration" table, word for word.
SPEC_TABLE = {
    "High CPU": ("runbooks/high-cpu.md", "Scale or investigate"),
    "High Error Rate": ("runbooks/high-errors.md", "Check logs, rollback"),
    "Database Connection Errors": ("runbooks/db-connection.md", "Check connectivity"),
}

# Default severities fixed by the design decisions.
DEFAULTS = {
    "availability": "P1",
    "high-errors": "P2",
    "latency-p99": "P2",
    "latency-p50": "P3",
    "dlq-depth": "P2",
    "queue-age": "P3",
    "high-cpu": "P3",
    "high-memory": "P3",
    "db-connection": "P2",
    "db-storage": "P2",
    "redis-memory": "P3",
    "alb-5xx": "P2",
    "cloudfront-5xx": "P3",
    "job-dlq": "P2",
    "function-errors": "P2",
    "function-throttles": "P3",
    "table-throttles": "P3",
    "efs-io-limit": "P3",
}


def test_one_runbook_per_alarm_kind() -> None:
    assert tuple(RUNBOOKS) == ALARM_KINDS
    assert len(RUNBOOKS) == 18  # 13 of the specification's table, 5 for jobs, functions, tables and EFS


def test_the_specification_table_is_implemented_word_for_word() -> None:
    by_title = {rb.title: rb for rb in RUNBOOKS.values()}
    for title, (path, action) in SPEC_TABLE.items():
        assert (by_title[title].path, by_title[title].on_call_action) == (path, action)


def test_default_severities() -> None:
    assert {kind: rb.default_severity for kind, rb in RUNBOOKS.items()} == DEFAULTS
    assert {kind: Severities().of(kind) for kind in ALARM_KINDS} == DEFAULTS


@pytest.mark.parametrize("kind", ALARM_KINDS)
def test_each_runbook_has_an_action_steps_and_an_escalation(kind: str) -> None:
    rb = runbook(kind)
    assert rb.on_call_action and rb.signal and rb.escalate
    assert len(rb.steps) >= 3
    text = render(rb)
    assert text.startswith(GENERATED + "\n\n# Runbook: ")
    assert f"`observability.severities.{kind.replace('-', '_')}`" in text
    assert f"| `{kind}` | {rb.default_severity} | {rb.on_call_action} |" in text


def test_unknown_kind_names_the_kinds() -> None:
    with pytest.raises(
        KeyError, match="no runbook for alarm kind 'hot-cpu'; kinds: availability, high-errors"
    ):
        runbook("hot-cpu")


def test_committed_runbooks_are_current() -> None:
    assert main(["--check", "--out", str(ROOT / "runbooks")]) == 0
    files = {p.name for p in (ROOT / "runbooks").glob("*.md")}
    assert files == {f"{kind}.md" for kind in ALARM_KINDS} | {"README.md"}


def test_index_lists_every_runbook() -> None:
    index = rendered()["README.md"]
    for rb in RUNBOOKS.values():
        assert (
            f"| {rb.title} | [{rb.path}]({rb.kind}.md) | {rb.on_call_action} | {rb.default_severity} |"
            in index
        )


def test_generator_is_deterministic_and_check_reports_stale_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "runbooks"
    assert main(["--out", str(out)]) == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["--out", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert len(first) == 19
    (out / "high-cpu.md").write_text("edited by hand\n")
    assert main(["--check", "--out", str(out)]) == 1
    assert (
        capsys.readouterr().err == f"error: {out / 'high-cpu.md'} is stale; run python -m stacks.runbooks\n"
    )


def test_cross_references_between_runbooks_resolve() -> None:
    for rb in RUNBOOKS.values():
        for word in render(rb).split():
            if word.startswith("runbooks/") and word.rstrip(".,)`").endswith(".md"):
                assert (ROOT / word.rstrip(".,)`")).is_file(), (rb.kind, word)
