"""docgen end to end: the doc's tables equal the templates, markers protect hand-written text, --check works."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from docgen.cli import main
from tests.conftest import ROOT
from tests.doccheck.markdown import expand

FIXTURE = ROOT / "tests" / "fixtures" / "assemblies" / "default"
TEMPLATE = ROOT / "design-templates" / "design-doc-template-infrastructure.md"
SECTIONS = (
    "Infrastructure Context",
    "Network",
    "Compute",
    "Storage",
    "Database",
    "Security",
    "Observability",
    "CI/CD",
    "Disaster Recovery",
    "Cost Management",
    "Compliance",
    "Operations",
    "Scalability",
    "Deployment Progression",
    "Docker Compose Structure",
    "AWS Services Matrix",
    "Cross-References",
    "Success Criteria",
)


def docgen_argv(doc: Path, *extra: str, cdk_out: Path = FIXTURE) -> list[str]:
    """docgen on a committed assembly, never synthesizing, with no generated inputs and no picture."""
    return [
        "--cdk-out",
        str(cdk_out),
        "--no-synth",
        "--doc",
        str(doc),
        "--template",
        str(TEMPLATE),
        "--no-generated",
        "--no-picture",
        "--quiet",  # no progress lines: the tests read stderr for the one error line
        *extra,
    ]


def run_docgen(doc: Path, *extra: str, cdk_out: Path = FIXTURE) -> int:
    return main(docgen_argv(doc, *extra, cdk_out=cdk_out))


@pytest.fixture()
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "design-docs" / "60-infrastructure.md"
    assert run_docgen(path) == 0
    return path


def tables(markdown: str) -> dict[str, list[dict[str, str]]]:
    """Every Markdown table keyed by the nearest heading above it (suffixed #2, #3 when a heading has several)."""
    out: dict[str, list[dict[str, str]]] = {}
    heading, lines = "", markdown.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("#"):
            heading = lines[i].lstrip("#").strip()
        if lines[i].startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            headers = _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("| "):
                # a row for several environments: one row each (the template's `staging: …` convention)
                rows += expand(dict(zip(headers, _cells(lines[i]), strict=True)))
                i += 1
            key, n = heading, 2
            while key in out:
                key, n = f"{heading}#{n}", n + 1
            out[key] = rows
            continue
        i += 1
    return out


def doc_tables(doc: Path) -> dict[str, list[dict[str, str]]]:
    """`tables` of the doc and of each companion file beside it (`60-infrastructure-*.md`)."""
    out = tables(doc.read_text())
    for companion in sorted(doc.parent.glob(f"{doc.stem}-*.md")):
        for key, rows in tables(companion.read_text()).items():
            out.setdefault(key if key not in out else f"{companion.stem}: {key}", rows)
    return out


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def templates(cdk_out: Path, env: str) -> dict[str, dict[str, Any]]:
    stage = cdk_out / f"assembly-{env}"
    return {p.name: json.loads(p.read_text()) for p in sorted(stage.glob("*.template.json"))}


def resources_of(cdk_out: Path, env: str, cfn_type: str) -> list[dict[str, Any]]:
    return [
        r for t in templates(cdk_out, env).values() for r in t["Resources"].values() if r["Type"] == cfn_type
    ]


def test_every_key_design_section_is_present(doc: Path) -> None:
    headings = {line[3:].strip() for line in doc.read_text().splitlines() if line.startswith("## ")}
    assert set(SECTIONS) <= headings


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_ecs_table_equals_the_task_definitions(doc: Path, env: str) -> None:
    rows = [r for r in tables(doc.read_text())["ECS/Fargate Structure"] if r["Environment"] == env]
    expected = set()
    for tpl in templates(FIXTURE, env).values():
        res = tpl["Resources"]
        for svc in (r for r in res.values() if r["Type"] == "AWS::ECS::Service"):
            task = res[svc["Properties"]["TaskDefinition"]["Ref"]]["Properties"]
            name = {tag["Key"]: tag["Value"] for tag in svc["Properties"]["Tags"]}["Service"]
            expected.add(
                (name, int(task["Cpu"]), int(task["Memory"]), str(svc["Properties"]["DesiredCount"]))
            )
    # Shown for people: "0.5 vCPU" (CPU units / 1024) and "1 GiB" (MiB / 1024)
    got = {
        (
            r["Service"],
            round(float(r["CPU"].removesuffix(" vCPU")) * 1024),
            round(float(r["Memory"].removesuffix(" GiB")) * 1024),
            r["Desired"],
        )
        for r in rows
    }
    assert got == expected and len(got) >= 3


def test_ecs_table_header_follows_the_specification(doc: Path) -> None:
    header = next(line for line in doc.read_text().splitlines() if "| Service | Task Definition" in line)
    assert _cells(header)[1:5] == ["Service", "Task Definition", "CPU", "Memory"]
    assert "Scaling" in _cells(header)


def test_database_table_equals_the_rds_instances(doc: Path) -> None:
    rows = tables(doc.read_text())["RDS"]
    expected = {
        (env, r["Properties"]["DBInstanceClass"], "yes" if r["Properties"]["MultiAZ"] else "no")
        for env in ("staging", "prod")
        for r in resources_of(FIXTURE, env, "AWS::RDS::DBInstance")
    }
    assert {(r["Environment"], r["Class"], r["Multi-AZ"]) for r in rows} == expected


def test_every_acknowledgement_is_listed_with_its_reason(doc: Path) -> None:
    security = doc.with_name("60-infrastructure-security.md")  # the companion file the doc links to
    assert f"]({security.name})" in doc.read_text()
    rows = tables(security.read_text())["Acknowledged findings"]
    listed = {(r["Rule"], r["Reason"]) for r in rows}
    in_templates = set()
    for env in ("staging", "prod"):
        for t in templates(FIXTURE, env).values():
            for res in t["Resources"].values():
                for ack in res.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                    in_templates.add((ack["id"], ack["reason"]))
    assert listed == in_templates and listed


def test_nat_and_vpc_table_follow_the_templates(doc: Path) -> None:
    rows = {r["Environment"]: r for r in tables(doc.read_text())["VPC"]}
    for env in ("staging", "prod"):
        assert rows[env]["NAT gateways"] == str(len(resources_of(FIXTURE, env, "AWS::EC2::NatGateway")))
        assert (
            rows[env]["VPC CIDR"] == resources_of(FIXTURE, env, "AWS::EC2::VPC")[0]["Properties"]["CidrBlock"]
        )


def test_success_criteria_tick_only_what_the_tree_shows(tmp_path: Path) -> None:
    broken = tmp_path / "cdk.out"
    shutil.copytree(FIXTURE, broken)
    for path in broken.glob("assembly-*/*.template.json"):
        tpl = json.loads(path.read_text())
        tpl["Resources"] = {
            k: v
            for k, v in tpl["Resources"].items()
            if v["Type"] != "AWS::ApplicationAutoScaling::ScalingPolicy"
        }
        path.write_text(json.dumps(tpl))
    doc = tmp_path / "doc.md"
    assert run_docgen(doc, cdk_out=broken) == 0
    line = next(
        x for x in doc.read_text().splitlines() if x.startswith("- [") and "Auto-scaling defined" in x
    )
    assert line.startswith("- [ ] Auto-scaling defined: no scaling policy: prod/")
    good = tmp_path / "good.md"
    assert run_docgen(good) == 0
    assert "- [x] Auto-scaling defined" in good.read_text()


def test_regeneration_is_deterministic(doc: Path) -> None:
    first = doc.read_bytes()
    doc.unlink()
    assert run_docgen(doc) == 0
    assert doc.read_bytes() == first


def test_hand_written_text_survives_byte_for_byte(doc: Path) -> None:
    text = doc.read_text()
    notes = "\n> Reviewer note: keep NAT per AZ in prod. \t ünïcode stays\n\n"
    edited = text.replace("## Network\n", "## Network\n" + notes, 1) + "\n## Our own appendix\n\nfree text\n"
    doc.write_text(edited)
    assert run_docgen(doc) == 0
    assert doc.read_text() == edited


def test_hand_edit_inside_a_region_is_refused_unless_forced(
    doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = doc.read_text()
    edited = text.replace("| Fact | Value |", "| Fact | Value (edited) |", 1)
    doc.write_text(edited)
    assert run_docgen(doc) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "region 'summary'" in err[0] and "edited by hand" in err[0]
    assert doc.read_text() == edited  # untouched
    assert run_docgen(doc, "--force") == 0
    assert "(edited)" not in doc.read_text()


def test_crlf_checkout_still_checks_clean(doc: Path) -> None:
    doc.write_bytes(doc.read_bytes().replace(b"\n", b"\r\n"))
    assert run_docgen(doc, "--check") == 0


def test_check_passes_when_fresh_and_fails_with_a_diff_when_stale(
    doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_docgen(doc, "--check") == 0
    capsys.readouterr()
    doc.write_text(doc.read_text().replace("| CloudFormation stacks |", "| Stacks |"))
    before = doc.read_text()
    rc = run_docgen(doc, "--check", "--force")
    out = capsys.readouterr()
    assert rc == 1
    assert (
        out.out.startswith(f"--- a/{doc}")
        and "-| Stacks |" in out.out
        and "+| CloudFormation stacks |" in out.out
    )
    assert doc.read_text() == before


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: shutil.rmtree(d), "manifest.json not found"),
        (lambda d: (d / "manifest.json").write_text('{"version": "4'), "manifest.json"),
        (lambda d: (d / "tree.json").write_text("{}"), "tree.json"),
        (lambda d: next(d.glob("assembly-prod/*Data*.template.json")).unlink(), "template"),
    ],
)
def test_bad_assembly_gives_one_line_and_leaves_the_doc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], breakage: Any, message: str
) -> None:
    cdk_out = tmp_path / "cdk.out"
    shutil.copytree(FIXTURE, cdk_out)
    doc = tmp_path / "doc.md"
    doc.write_text("existing doc\n")
    breakage(cdk_out)
    assert run_docgen(doc, cdk_out=cdk_out) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err
    assert doc.read_text() == "existing doc\n"


def test_broken_markers_give_one_line_and_leave_the_doc(
    doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = doc.read_text()
    broken = text.replace("<!-- END GENERATED: network -->\n", "", 1)
    doc.write_text(broken)
    assert run_docgen(doc) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "network" in err[0]
    assert doc.read_text() == broken


@pytest.mark.render
def test_every_mermaid_block_renders(doc: Path, tmp_path: Path) -> None:
    from tests.mermaid_render import mermaid_blocks, render_many

    texts = [doc.read_text()] + [p.read_text() for p in sorted(doc.parent.glob("60-infrastructure-*.md"))]
    blocks = [b for text in texts for b in mermaid_blocks(text)]
    assert len(blocks) >= 2  # progression + one architecture per topology (staging and prod share one)
    svgs = render_many({f"block{i}": b for i, b in enumerate(blocks)}, tmp_path / "svg")
    assert len(svgs) == len(blocks) and all(p.stat().st_size > 1000 for p in svgs.values())


def test_an_unexpected_failure_is_one_line_and_a_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (here: the renderer raising KeyError) is one line, a log file with the traceback, exit 3."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("Cpu")

    monkeypatch.setattr("docgen.render.template.render", broken)
    doc = tmp_path / "doc.md"
    doc.write_text("existing doc\n")
    assert run_docgen(doc) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: unexpected KeyError") and "Traceback" not in err[0]
    log = Path(err[0].rsplit("details in ", 1)[1])
    assert "Traceback" in log.read_text()
    assert doc.read_text() == "existing doc\n"


def test_a_section_that_fails_is_named_in_its_regions_and_the_rest_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sections degrade, never die: one section's failure is a one-line warning and a notice in its regions;
    --strict (this project's CI) turns it into exit 1."""

    def broken(*_args: object) -> None:
        raise ValueError("an intrinsic docgen does not understand")

    monkeypatch.setattr("docgen.sections.database.build", broken)
    doc = tmp_path / "doc.md"
    assert run_docgen(doc) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "warning: section database could not be built: ValueError: an intrinsic docgen does not understand"
    ]
    text = doc.read_text()
    database = text.split("## Database")[1].split("## Security")[0]
    assert "_This section could not be built from the templates (ValueError" in database
    assert "| Environment | VPC CIDR |" in text  # the other sections are there
    assert run_docgen(tmp_path / "strict.md", "--strict") == 1
