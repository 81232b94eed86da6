"""The independent doc checker itself: it accepts a doc that tells the truth and flags one that does not.

Each test writes a few lines of Markdown as the template would (a generated region holding one table) and
checks it against the default design's fixture assembly; no synth, no docgen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.doccheck import assembly, compute, context, criteria, data, network, observability, security
from tests.doccheck.__main__ import main
from tests.doccheck.markdown import parse
from tests.doccheck.report import Result

FIXTURE = Path(__file__).parent / "fixtures" / "assemblies" / "default"


@pytest.fixture(scope="module")
def asm() -> assembly.Assembly:
    return assembly.read(FIXTURE)


def region(name: str, *lines: str) -> str:
    return "\n".join(
        [f"<!-- BEGIN GENERATED: {name} sha256=0 -->", *lines, f"<!-- END GENERATED: {name} -->", ""]
    )


def kinds(result: Result) -> set[str]:
    return {m.kind for m in result.mismatches}


VPC = (
    "| Environment | VPC CIDR | AZs | NAT gateways | Flow logs |",
    "|---|---|---|---|---|",
    "| staging | 10.20.0.0/16 | 2 | 1 | yes (30 d retention) |",
    "| prod | {cidr} | 3 | 3 | yes (90 d retention) |",
)


def test_a_true_vpc_table_passes_and_a_wrong_cidr_is_named(asm: assembly.Assembly) -> None:
    good = network.check(parse(region("network", *VPC).replace("{cidr}", "10.30.0.0/16")), asm)
    bad = network.check(parse(region("network", *VPC).replace("{cidr}", "10.31.0.0/16")), asm)
    assert not {k for k in kinds(good) if k.startswith("vpc") or k.startswith("nat") or k.startswith("flow")}
    wrong = [m for m in bad.mismatches if m.kind == "vpc-cidr"]
    assert [(m.doc, m.template) for m in wrong] == [("10.31.0.0/16", "10.30.0.0/16")]
    assert "prod/Network" in wrong[0].source and "CidrBlock" in wrong[0].source


ENVIRONMENTS = (
    "| Environment | Platform | Account / Region | Availability zones | Services |",
    "|---|---|---|---|---|",
    "| staging | AWS | 111111111111 / us-east-1 | us-east-1a, us-east-1b | 3 |",
    "| prod | AWS | {place} | us-east-1a, us-east-1b, us-east-1c | 3 |",
)


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ("222222222222 / us-east-1; backup copies in us-west-2", set()),
        ("222222222222 / us-west-2", {"region", "region-set"}),  # the first stack's region, not the stage's
        ("222222222222 / us-east-1", {"region-set"}),  # the copy region left out
    ],
)
def test_an_environment_is_in_its_primary_region_with_the_others_named(
    asm: assembly.Assembly, place: str, expected: set[str]
) -> None:
    doc = parse(region("context", *ENVIRONMENTS).replace("{place}", place))
    found = kinds(context.check(doc, asm)) & {"region", "region-set", "account", "azs", "service-count"}
    assert found == expected


def alarms(condition: str, notifies: str) -> str:
    return region(
        "observability",
        "| Environment | Alarm | Severity | Metric | Condition | Runbook | Notifies |",
        "|---|---|---|---|---|---|---|",
        f"| staging | appdb/FreeStorage | P2 | FreeStorageSpace | {condition} | runbooks/db-storage.md | {notifies} |",
    )


@pytest.mark.parametrize(
    ("condition", "notifies", "expected"),
    [
        ("< 2 GiB", "P2 alarms", set()),
        ("< 2,147,483,648 bytes", "P2", set()),
        ("< 2.14748e+09", "P2", {"alarm-threshold"}),  # six significant digits are not the threshold
        ("> 2 GiB", "P2", {"alarm-operator"}),
        ("< 2 GiB", "observability", {"alarm-topic"}),  # one name for four topics names none of them
    ],
)
def test_an_alarm_row_gives_its_exact_threshold_and_its_own_topic(
    asm: assembly.Assembly, condition: str, notifies: str, expected: set[str]
) -> None:
    result = observability.check(parse(alarms(condition, notifies)), asm)
    found = {m.kind for m in result.mismatches if "appdb/FreeStorage" in m.where}
    assert found - {"alarm-missing-row"} == expected  # the other alarms have no row in this one-row doc


def test_rotation_is_claimed_only_where_a_rotation_schedule_says_so(asm: assembly.Assembly) -> None:
    doc = parse(
        region(
            "security",
            "| Environment | Owner | Secret | Rotation |",
            "|---|---|---|---|",
            "| prod | appdb | generated database credentials | every 30 days (hosted rotation) |",
            "| prod | llm-api-key | API key of the language-model provider used by the agents | every 30 days |",
        )
    )
    wrong = [m for m in security.check(doc, asm).mismatches if m.kind == "secret-rotation"]
    assert [m.where for m in wrong] == ["Security > Secrets / prod / llm-api-key"]


def test_queues_are_shown_fifo_exactly_when_they_are(asm: assembly.Assembly) -> None:
    doc = parse(
        region(
            "database",
            "| Environment | Queue | Role | Visibility (s) | Retention | Max receives | SSE |",
            "|---|---|---|---|---|---|---|",
            "| prod | report-tasks | queue (FIFO) | 600 | 4 d | 5 | yes |",
            "| prod | research-tasks | queue | 900 | 4 d | 5 | yes |",
        )
    )
    result = data.check(doc, asm)
    assert [m.where for m in result.mismatches if m.kind == "queue-fifo"] == [
        "Database > Queues / prod / report-tasks (queue)"
    ]
    assert not {"queue-visibility", "queue-retention", "queue-max-receives"} & kinds(result)


def test_an_ecs_row_is_compared_cell_by_cell(asm: assembly.Assembly) -> None:
    doc = parse(
        "### Compute\n\n#### prod\n\n"
        + region(
            "compute",
            "| Service | Task Definition | CPU | Memory | Arch | Desired | Scaling |",
            "|---|---|---|---|---|---|---|",
            "| backend | prodServicebackendTaskBF7E9FB3 | 1024 (1 vCPU) | 4096 MiB | ARM64 | 3 | 3–12 tasks (CPU 60%, memory 75%) |",
        )
    )
    result = compute.check(doc, asm)
    backend = {m.kind for m in result.mismatches if m.where.endswith("/ prod / backend")}
    assert backend == {"ecs-memory", "scaling-policy"}


def test_a_ticked_criterion_whose_evidence_fails_is_flagged(asm: assembly.Assembly) -> None:
    doc = parse(
        region(
            "success-criteria",
            "- [x] Dashboards specified: 999 dashboards",
            "- [x] Alerting rules and escalation defined: every alarm has a severity and an SNS action",
            "- [ ] Dashboards specified: an unticked line is not evidence",
        )
    )
    result = criteria.check(doc, asm, pipeline=None)
    assert kinds(result) == {"criterion-dashboards-count"}
    assert result.facts >= 4  # dashboards exist and their count; escalation and severity tags hold


def test_the_command_line_prints_mismatches_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(region("network", *VPC).replace("{cidr}", "10.31.0.0/16"))
    assert main([str(doc), str(FIXTURE)]) == 1
    out = capsys.readouterr().out
    assert "[vpc-cidr] Network > VPC / prod: doc says '10.31.0.0/16'; templates say '10.30.0.0/16'" in out
    assert out.rstrip().splitlines()[-1].endswith("facts checked")
    assert main([str(tmp_path / "missing.md"), str(FIXTURE)]) == 2
