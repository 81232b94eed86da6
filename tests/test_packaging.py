"""docgen as a tool for any CDK project: `pip install .` gives a `docgen` command that runs from any folder,
with its template and data files inside the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pip_install_gives_a_docgen_command_that_runs_from_any_folder(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy: the build writes its egg-info next to the sources
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".venv", "node_modules", "cdk.out", ".git", "tests", "*.egg-info"),
    )
    prefix = tmp_path / "prefix"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-build-isolation",
            "--no-deps",
            "--prefix",
            str(prefix),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    command = prefix / "bin" / "docgen"
    project = tmp_path / "their-cdk-project"
    shutil.copytree(ROOT / "tests" / "corpus" / "fargate-nlb" / "cdk.out", project / "cdk.out")
    site = next(prefix.glob("lib/python*/site-packages"))
    run = subprocess.run(
        [str(command), "--cdk-out", "cdk.out", "--no-synth", "--no-picture"],
        cwd=project,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    doc = (project / "design-docs" / "60-infrastructure.md").read_text()
    assert "Network Load Balancer" in doc and "# Infrastructure Design" in doc
    assert str(site) in subprocess.run(
        [str(command.parent / "python3") if (command.parent / "python3").exists() else sys.executable, "-c",
         "import docgen, sys; print(docgen.__file__)"],
        env={"PYTHONPATH": str(site)}, capture_output=True, text=True, cwd=project, check=True,
    ).stdout  # fmt: skip
