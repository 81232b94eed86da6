"""docgen's command line: one subcommand per job with its own help and flags, `doc` by default, exit codes in the
help, progress on stderr unless --quiet, cost JSON shaped like Infracost's breakdown, review and diff bases."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from docgen.cli import main
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "assemblies" / "default"
ON_FIXTURE = ["--cdk-out", str(FIXTURE), "--no-synth"]


def _exit(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return int(done.value.code or 0)


def test_top_level_help_lists_the_commands_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit(["--help"]) == 0
    text = capsys.readouterr().out
    for command in ("doc", "cost", "diff", "review"):
        assert f"\n    {command} " in text
    for code in ("0  done", "1  stale", "2  bad input", "3  a blocked work item"):
        assert code in text


@pytest.mark.parametrize(
    ("command", "own", "foreign"),
    [
        ("doc", ["--check", "--context", "--strict"], ["--compare", "--base", "--against"]),
        ("cost", ["--compare", "--format"], ["--check", "--context", "--base"]),
        ("diff", ["--against", "--seq"], ["--check", "--compare", "--base"]),
        ("review", ["--base", "--output"], ["--check", "--compare", "--context"]),
    ],
)
def test_each_command_has_its_own_help_and_only_its_own_flags(
    capsys: pytest.CaptureFixture[str], command: str, own: list[str], foreign: list[str]
) -> None:
    assert _exit([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: python -m docgen {command} ")
    assert all(flag in text for flag in [*own, "--quiet", "--cdk-out"])
    assert not any(flag in text for flag in foreign)


def test_a_flag_of_another_command_is_an_error_naming_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit(["cost", "--check"]) == 2
    assert "python -m docgen cost: error: unrecognized arguments: --check" in capsys.readouterr().err
    assert _exit(["--check", "--format", "json"]) == 2  # no command: doc, which has no --format
    assert "python -m docgen doc: error: unrecognized arguments: --format json" in capsys.readouterr().err
    assert _exit(["review"]) == 2  # --base is required
    assert _exit(["diff", "--seq", "1", "--against", "x"]) == 2


def test_progress_goes_to_stderr_with_elapsed_time_unless_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", *ON_FIXTURE]) == 0
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith(f"docgen: reading {FIXTURE} (") and line.endswith(" s)") for line in err)
    assert any(line.startswith("docgen: pricing (") for line in err)
    assert main(["cost", *ON_FIXTURE, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_cost_json_is_shaped_like_infracost_with_numbers_and_components(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from docgen.cost import load_catalogue

    assert main(["cost", *ON_FIXTURE, "--quiet", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    catalogue = load_catalogue("us-east-1")
    assert {p["name"] for p in data["projects"]} == {"staging", "prod"}
    components = 0
    for project in data["projects"]:
        resources = project["breakdown"]["resources"]
        total = sum(r["monthlyCost"] or 0 for r in resources)
        assert project["breakdown"]["totalMonthlyCost"] == pytest.approx(total, abs=1e-4)
        for r in resources:
            assert r["monthlyCost"] is None or isinstance(r["monthlyCost"], int | float)
            if r["metadata"]["status"] != "priced":
                assert r["costComponents"] == []
                continue
            parts = r["costComponents"]
            assert parts and sum(c["monthlyCost"] for c in parts) == pytest.approx(r["monthlyCost"], abs=1e-5)
            for c in parts:
                components += 1
                entry = catalogue.prices[c["source"]["rateKey"]]
                assert (Decimal(str(c["price"])), c["unit"], c["source"]["source"]) == (
                    entry.price, entry.unit, entry.source
                )  # fmt: skip
                assert c["monthlyQuantity"] * c["price"] == pytest.approx(c["monthlyCost"], abs=1e-5)
                if c["hourlyQuantity"] is not None:  # billed per hour: 730 hours of the quantity
                    assert c["monthlyQuantity"] == pytest.approx(c["hourlyQuantity"] * 730, abs=1e-5)
    assert components > 100
    service = next(
        r for p in data["projects"] if p["name"] == "prod" for r in p["breakdown"]["resources"]
        if r["resourceType"] == "AWS::ECS::Service" and r["metadata"]["service"] == "backend"
    )  # fmt: skip
    vcpu = next(c for c in service["costComponents"] if c["name"].startswith("vCPU"))
    assert vcpu["unit"] == "vCPU-hour" and not vcpu["usageBased"] and vcpu["hourlyQuantity"] > 0


def test_review_refuses_an_unusable_base_with_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "file").write_text("x")
    for base, message in (
        (empty, "manifest.json not found"),
        (tmp_path / "file", "is a file"),
        ("no-such-ref-of-this-repo", "neither a folder nor a git ref"),
    ):
        assert main(["review", "-q", *ON_FIXTURE, "--base", str(base)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: --base") and message in err[0], err


def _worktrees(repo: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "worktree", "list", "--porcelain"], cwd=repo, capture_output=True, text=True
    )
    return [line for line in listed.stdout.splitlines() if line.startswith("worktree ")]


def test_a_git_base_without_the_design_file_fails_and_its_worktree_is_removed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The base is checked out in a temporary worktree; when it cannot be used the worktree goes too."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "README.md").write_text("no design here\n")
    subprocess.run([*git, "add", "README.md"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "first"], cwd=repo, check=True)
    (repo / "design.yaml").write_text("project: later\n")  # in the working tree only
    monkeypatch.chdir(repo)
    before = _worktrees(repo)
    assert main(["review", "-q", *ON_FIXTURE, "--design", "design.yaml", "--base", "HEAD"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --base HEAD (") and "has no design file design.yaml" in err
    assert _worktrees(repo) == before


@pytest.mark.synth
def test_a_git_base_is_synthesized_in_a_temporary_worktree_from_its_own_design(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--base HEAD`: the committed code and design synthesized beside the checkout, then removed. The change is
    an unstamped copy of the default design's assembly, so everything of the small base design is removed."""
    head = tmp_path / "head"
    shutil.copytree(FIXTURE, head)
    monkeypatch.chdir(ROOT)
    before = _worktrees(ROOT)
    argv = ["review", "-q", "--cdk-out", str(head), "--no-synth", "--design", "zoo/ci-circleci.yaml"]
    assert main([*argv, "--base", "HEAD", "--format", "json"]) == 0
    review = json.loads(capsys.readouterr().out)
    assert review["base"].startswith("HEAD (")
    prod = next(e for e in review["environments"] if e["name"] == "prod")
    removed = {(r["stack"], r["type"]) for r in prod["resources"] if r["change"] == "removed"}
    assert ("Service-api", "AWS::ECS::Service") in removed  # the base design's one service
    assert _worktrees(ROOT) == before


def test_diff_against_a_saved_assembly_runs_cdk_diff_for_the_changed_stack_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = tmp_path / "baseline"
    shutil.copytree(FIXTURE, saved)
    template = next(saved.glob("assembly-prod/*Messaging*.template.json"))
    data = json.loads(template.read_text())
    queue = next(k for k, r in data["Resources"].items() if r["Type"] == "AWS::SQS::Queue")
    data["Resources"][queue]["Properties"]["VisibilityTimeout"] = 31
    template.write_text(json.dumps(data))
    monkeypatch.chdir(ROOT)  # the project's CDK CLI
    assert main(["diff", "-q", *ON_FIXTURE, "--against", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "Stack prod/Messaging" in out and "[~] AWS::SQS::Queue" in out and "VisibilityTimeout" in out
    assert "Stack prod/Data" not in out and "Stack staging/" not in out
    from docgen.assembly.reader import read_assembly

    stacks = [s for s in read_assembly(FIXTURE).stacks if not s.parent]
    assert out.rstrip().endswith(f"1 stack(s) changed, 0 removed, {len(stacks) - 1} unchanged")


def test_cost_components_sum_to_every_priced_line_of_every_corpus_app() -> None:
    """Each pricing rule records its components (quantity × unit price) beside its own arithmetic: they must
    add up to the line, for every resource type the corpus apps and fixtures price."""
    from docgen import document
    from docgen.assembly.reader import read_assembly

    roots = [FIXTURE, ROOT / "tests" / "fixtures" / "assemblies" / "forest"]
    roots += sorted(p / "cdk.out" for p in (ROOT / "tests" / "corpus").iterdir() if (p / "cdk.out").is_dir())
    types = set()
    for root in roots:
        for line in document.estimate_for(read_assembly(root)).lines:
            if line.status == "priced":
                assert line.components, (root, line.path)
                total = sum((c.monthly_cost for c in line.components), Decimal(0))
                assert abs(total - line.monthly) < Decimal("1e-9"), (root, line.path, total, line.monthly)
                types.add(line.resource_type)
    assert {
        "AWS::Lambda::Function",
        "AWS::DynamoDB::Table",
        "AWS::ECS::Service",
        "AWS::RDS::DBCluster",
    } <= types
