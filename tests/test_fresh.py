"""`make run`'s no-op path: scripts/fresh.py skips a step only when every input and output hashes as it did after
the step last succeeded, and the bootstrap skips its checks through its own stamp."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_fresh(root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("fresh_under_test", ROOT / "scripts" / "fresh.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ROOT = root  # a project of its own, in a temporary folder
    return module


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in {
        "design.yaml": "project: demo\n",
        "requirements.txt": "pyyaml==6.0.2\n",
        "package-lock.json": "{}\n",
        "designspec/model.py": "X = 1\n",
        "generators/compose.py": "Y = 1\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


# The step's command: counts its runs in runs.txt (outside the step's inputs and outputs) and writes generated/.
WRITER = (
    "import pathlib; r = pathlib.Path('runs.txt'); r.write_text(str(int(r.read_text() or 0) + 1) "
    "if r.exists() else '1'); pathlib.Path('generated').mkdir(exist_ok=True); "
    "pathlib.Path('generated/out.yml').write_text('made\\n')"
)


def run_step(fresh: ModuleType, root: Path, code: str = WRITER) -> int:
    cwd = Path.cwd()
    os.chdir(root)
    try:
        return fresh.main(["generate", "--", sys.executable, "-c", code, "--design", "design.yaml"])
    finally:
        os.chdir(cwd)


def runs(root: Path) -> int:
    return int((root / "runs.txt").read_text())


def test_second_run_is_skipped_and_says_so(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fresh = load_fresh(tree)
    assert run_step(fresh, tree) == 0
    assert run_step(fresh, tree) == 0
    assert runs(tree) == 1
    assert "run: skipped generators: nothing changed since the last run" in capsys.readouterr().out
    stamp = (tree / ".stamps" / "generate.json").read_text()
    assert (
        '"generated/out.yml"' in stamp and '"design:design.yaml"' in stamp and '"requirements.txt"' in stamp
    )


def test_a_touched_file_is_not_a_change(tree: Path) -> None:
    fresh = load_fresh(tree)
    run_step(fresh, tree)
    os.utime(tree / "designspec" / "model.py")
    run_step(fresh, tree)
    assert runs(tree) == 1


@pytest.mark.parametrize(
    "path",
    ["design.yaml", "designspec/model.py", "generators/compose.py", "requirements.txt", "package-lock.json"],
)
def test_changed_content_with_the_same_mtime_reruns(
    tree: Path, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = load_fresh(tree)
    run_step(fresh, tree)
    target = tree / path
    before = target.stat()
    target.write_text(target.read_text() + "# edited\n")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # content hashes, not mtimes
    run_step(fresh, tree)
    assert runs(tree) == 2
    assert f"inputs changed: {path}" in capsys.readouterr().err


def test_a_new_input_file_reruns(tree: Path) -> None:
    fresh = load_fresh(tree)
    run_step(fresh, tree)
    (tree / "generators" / "pipeline.py").write_text("Z = 1\n")
    run_step(fresh, tree)
    assert runs(tree) == 2


def test_an_edited_or_deleted_output_reruns(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fresh = load_fresh(tree)
    run_step(fresh, tree)
    (tree / "generated" / "out.yml").write_text("edited by hand\n")
    run_step(fresh, tree)
    (tree / "generated" / "out.yml").unlink()
    run_step(fresh, tree)
    assert runs(tree) == 3
    assert "outputs changed: generated/out.yml" in capsys.readouterr().err


def test_a_failed_step_leaves_no_stamp_and_runs_again(tree: Path) -> None:
    fresh = load_fresh(tree)
    run_step(fresh, tree)
    assert run_step(fresh, tree, WRITER + "; raise SystemExit(4)") == 4  # another command: it runs, fails
    assert not (tree / ".stamps" / "generate.json").exists()
    assert run_step(fresh, tree) == 0
    assert runs(tree) == 3


def test_usage_error_exits_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-S", str(ROOT / "scripts" / "fresh.py"), "nosuchstep", "--", "true"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and proc.stderr.startswith("usage: fresh.py {generate|doc}")


def test_the_doc_step_covers_the_synth_and_docgen_inputs() -> None:
    """Whatever docgen's synth reads (the stamp of cdk.out names it) is an input of the doc step."""
    fresh = load_fresh(ROOT)
    doc_inputs = {p.relative_to(ROOT).as_posix() for p in fresh.files(fresh.STEPS["doc"]["inputs"])}
    synth_inputs = (
        "app.py",
        "cdk.json",
        "package-lock.json",
        "requirements.txt",
        "designspec/**/*.py",
        "stacks/**/*.py",
    )
    expected = {p.relative_to(ROOT).as_posix() for p in fresh.files(synth_inputs)}
    assert expected <= doc_inputs
    assert "docgen/templates/design-doc-template-infrastructure.md" in doc_inputs


# --- the bootstrap's stamp -----------------------------------------------------------------------------------


def bootstrap_project(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    (tmp_path / "requirements.txt").write_text("pyyaml==6.0.2\n")
    (tmp_path / "package-lock.json").write_text("{}\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("#!/bin/sh\n")
    (tmp_path / ".venv" / "bin" / "python").chmod(0o755)
    (tmp_path / ".venv" / ".requirements.sha256").write_text("r\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / ".bootstrap-lock.sha256").write_text("n\n")
    return tmp_path


def write_boot_stamp(root: Path) -> None:
    names = ["scripts/bootstrap.sh", "requirements.txt", "package-lock.json"]
    names += [".venv/.requirements.sha256", "node_modules/.bootstrap-lock.sha256"]
    joined = b"".join((root / n).read_bytes() for n in names)
    (root / ".stamps").mkdir(exist_ok=True)
    (root / ".stamps" / "bootstrap.sha256").write_text(hashlib.sha256(joined).hexdigest() + "\n")


def test_bootstrap_skips_its_checks_when_its_stamp_matches(tmp_path: Path) -> None:
    root = bootstrap_project(tmp_path)
    write_boot_stamp(root)
    proc = subprocess.run(
        ["bash", str(root / "scripts" / "bootstrap.sh")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("bootstrap: skipped the checks: nothing changed since the last bootstrap")
    assert "1/4" not in proc.stdout
