"""docgen's folders are its layers: a lower layer never imports a higher one, and no package has an import circle.

The contracts live in pyproject.toml ([tool.importlinter]); this runs them the way `lint-imports` does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    script = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run(
        [sys.executable, "-c", script, str(config), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_every_layer_contract_is_kept() -> None:
    result = _lint_imports(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    """The check can fail: a copy of docgen whose assembly layer imports the sections layer is refused."""
    import shutil

    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "docgen", copy / "docgen", ignore=shutil.ignore_patterns("__pycache__", "*.yaml"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    model = copy / "docgen" / "assembly" / "model.py"
    model.write_text(model.read_text() + "\nfrom docgen.sections import build  # noqa: E402,F401\n")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from importlinter.cli import lint_imports_command; "
        "sys.argv = sys.argv[1:]; sys.exit(lint_imports_command())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(copy), str(copy / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=copy,
        check=False,
    )
    assert result.returncode == 1
    assert "docgen.assembly is not allowed to import docgen.sections" in result.stdout
