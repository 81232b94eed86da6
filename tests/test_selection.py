"""One design selection end to end: stamps decide which assembly and which generated files belong to the design;
anything else is refused in one line (exit 1, nothing written), and a named --cdk-out is never written into."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Synth

pytestmark = pytest.mark.synth


def _docgen(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DESIGN_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "docgen", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _generators(cwd: Path, design: str, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "generators", "--design", design, "--out", str(out)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture()
def project(tmp_path: Path, default_synth: Synth) -> Path:
    """A checkout of the project: its code and design, the default design's stamped cdk.out and generated/."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("app.py", "cdk.json", "package-lock.json", "requirements.txt", "design.yaml"):
        shutil.copy(ROOT / name, root / name)
    for folder in ("designspec", "stacks", "generators", "zoo"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(default_synth.outdir, root / "cdk.out", ignore=shutil.ignore_patterns("asset.*"))
    stamp = json.loads((root / "cdk.out" / "design-stamp.json").read_text())
    stamp["design"] = "design.yaml"  # the session synth was stamped at the repository's root
    (root / "cdk.out" / "design-stamp.json").write_text(json.dumps(stamp))
    _generators(root, "design.yaml", root / "generated")
    return root


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_the_projects_own_fresh_assembly_and_generated_files_make_the_doc(project: Path) -> None:
    result = _docgen(project, "--no-synth", "--no-picture")
    assert result.returncode == 0, result.stderr
    doc = (project / "design-docs" / "60-infrastructure.md").read_text()
    assert "# Infrastructure Design: acme-agents" in doc and "## Docker Compose Structure" in doc
    assert "frontend-admin" in doc.split("## Docker Compose Structure")[1]
    assert (project / "design-docs" / "60-infrastructure.sources.json").exists()
    assert _docgen(project, "--no-synth", "--no-picture", "--check").returncode == 0


def test_an_assembly_of_another_design_is_refused_without_synth(project: Path) -> None:
    """The hybrid: cdk.out from another design, generated/ and the doc from this one. --check must fail."""
    assert _docgen(project, "--no-synth", "--no-picture").returncode == 0
    stamp_path = project / "cdk.out" / "design-stamp.json"
    stamp = json.loads(stamp_path.read_text())
    stamp["design"] = "zoo/static-sites.yaml"
    stamp_path.write_text(json.dumps(stamp))
    result = _docgen(project, "--no-synth", "--no-picture", "--check")
    assert result.returncode == 1
    line = _one_line(result)
    assert "synthesized from design zoo/static-sites.yaml" in line and "not from design.yaml" in line


def test_an_assembly_without_a_stamp_is_not_trusted(project: Path) -> None:
    (project / "cdk.out" / "design-stamp.json").unlink()  # an interrupted synth, or another tool's
    result = _docgen(project, "--no-synth", "--no-picture")
    assert result.returncode == 1 and "has no stamp" in _one_line(result)
    assert not (project / "design-docs").exists()


def test_a_spec_edited_since_the_synth_makes_the_assembly_stale(project: Path) -> None:
    design = project / "design.yaml"
    design.write_text(design.read_text().replace("desired: 3, min: 3", "desired: 4, min: 3", 1))
    result = _docgen(project, "--no-synth", "--no-picture")
    assert result.returncode == 1 and "design.yaml changed since cdk.out was synthesized" in _one_line(result)


def test_an_assembly_rewritten_since_its_stamp_is_refused(project: Path) -> None:
    template = next((project / "cdk.out").glob("assembly-prod/*Network*.template.json"))
    template.write_text(template.read_text().replace("10.30.0.0/16", "10.31.0.0/16"))
    result = _docgen(project, "--no-synth", "--no-picture")
    assert result.returncode == 1 and "was rewritten since its stamp" in _one_line(result)


def test_a_named_assembly_is_read_only_and_names_its_design(project: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    shutil.copytree(project / "cdk.out", saved)
    design = project / "design.yaml"
    design.write_text(design.read_text().replace("desired: 3, min: 3", "desired: 4, min: 3", 1))  # now stale
    before = _tree_digest(saved)
    result = _docgen(project, "--cdk-out", str(saved), "--no-picture", "--doc", str(tmp_path / "doc.md"))
    assert result.returncode == 0, result.stderr  # documented as it is: never re-synthesized into
    assert _tree_digest(saved) == before
    other = _docgen(project, "--cdk-out", str(saved), "--design", "zoo/static-sites.yaml", "--no-picture")
    assert other.returncode == 1
    assert (
        "synthesized from design design.yaml (project acme-agents), but --design names zoo/static-sites.yaml"
        in (_one_line(other))
    )


def test_generated_files_of_another_project_are_refused(project: Path) -> None:
    stamp_path = project / "generated" / ".design-stamp.json"
    stamp = json.loads(stamp_path.read_text())
    stamp["project"] = "someone-else"
    stamp_path.write_text(json.dumps(stamp))
    doc = project / "design-docs" / "60-infrastructure.md"
    result = _docgen(project, "--no-synth", "--no-picture")
    line = _one_line(result)
    assert (
        result.returncode == 1
        and "another project" in line
        and "someone-else" in line
        and "acme-agents" in line
    )
    assert not doc.exists()


def test_check_fails_when_generated_files_are_stale_and_docgen_refreshes_them(project: Path) -> None:
    assert _docgen(project, "--no-synth", "--no-picture").returncode == 0
    compose = project / "generated" / "docker-compose.yml"
    compose.write_text(compose.read_text() + "# edited by hand\n")
    check = _docgen(project, "--no-synth", "--no-picture", "--check")
    assert check.returncode == 1 and "generated is stale: was edited since it was generated" in _one_line(
        check
    )
    again = _docgen(project, "--no-synth", "--no-picture")  # the own generated/ is regenerated, not trusted
    assert again.returncode == 0, again.stderr
    assert "# edited by hand" not in compose.read_text()
    assert _docgen(project, "--no-synth", "--no-picture", "--check").returncode == 0


def test_a_bad_spec_stops_the_synth_with_the_specs_own_line_and_exit_2(project: Path) -> None:
    """docgen synthesizes through the CDK CLI: the user sees the spec's one line, not the CLI's wrapper."""
    for name in (".venv", "node_modules"):
        (project / name).symlink_to(ROOT / name)
    design = project / "design.yaml"
    design.write_text(design.read_text().replace("nat_gateways: 3", "nat_gateways: 7", 1))
    result = _docgen(project, "--no-picture")
    assert result.returncode == 2, result.stderr
    line = _one_line(result)
    assert line.startswith("error: design.yaml:") and "environments.prod.nat_gateways" in line
    assert "Subprocess exited" not in result.stderr


def test_leftovers_of_a_killed_run_are_removed_by_the_next(project: Path) -> None:
    docs = project / "design-docs"
    docs.mkdir()
    (docs / ".60-infrastructure.md.1a2b3c4d.tmp").write_text("half a doc")
    (docs / ".picture-xyz").mkdir()
    (docs / "notes.tmp").write_text("a person's file: not ours")
    assert _docgen(project, "--no-synth", "--no-picture").returncode == 0
    names = sorted(p.name for p in docs.iterdir())
    assert not [n for n in names if n.startswith(".")], names  # our temporary files and picture folders
    assert {"60-infrastructure.md", "60-infrastructure.sources.json", "notes.tmp"} <= set(names)
