"""Shared fixtures: one CDK synth of the default design per test session, and helpers to read its templates."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
_NODE22 = ROOT / "node_modules" / ".bin" / "node"
if _NODE22.exists():  # the same Node the Makefile gives jsii (see Makefile: JSII_NODE)
    os.environ.setdefault("JSII_NODE", str(_NODE22))


@dataclass
class Synth:
    """A synthesized app: the App object and the cloud assembly directory it wrote."""

    app: Any
    outdir: Path

    def templates(self, environment: str) -> dict[str, dict[str, Any]]:
        """Stack id (e.g. "Data", "Service-backend") -> template, for one environment's stage."""
        stage_dir = self.outdir / f"assembly-{environment}"
        manifest = json.loads((stage_dir / "manifest.json").read_text())
        out: dict[str, dict[str, Any]] = {}
        for artifact in manifest["artifacts"].values():
            if artifact["type"] != "aws:cloudformation:stack":
                continue
            stack_id = artifact["displayName"].split("/")[-1].split(" ")[0]
            out[stack_id] = json.loads((stage_dir / artifact["properties"]["templateFile"]).read_text())
        return out

    def template(self, environment: str, stack_id: str) -> Any:
        from aws_cdk.assertions import Template

        return Template.from_json(self.templates(environment)[stack_id])


def synth_design(design_path: Path, outdir: Path, environments: list[str] | None = None) -> Synth:
    """Synthesize `design_path` (only `environments`' stages if given: a sampled design needs one)."""
    from app import build_app

    app = build_app(str(design_path), outdir=str(outdir), environments=environments)
    app.synth()
    return Synth(app, outdir)


@pytest.fixture(scope="session")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth_design(ROOT / "design.yaml", tmp_path_factory.mktemp("cdkout-default"))


def assert_one_line(message: str, file: str) -> None:
    """A SpecError as the user sees it: names the file, one printable line (no newline, no ESC), bounded."""
    from designspec.errors import LINE_LIMIT

    assert message.startswith(f"{file}:"), message
    assert message.isprintable(), repr(message)
    assert len(message) <= LINE_LIMIT


def cfn_lint_errors(templates: list[Path]) -> list[str]:
    """cfn-lint's error-level findings (warnings are the default design's too: W3010 fixed zones, W3045)."""
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), "--format", "json", "--ignore-checks", "W3005", "--"]
        + [str(t) for t in templates],
        capture_output=True,
        text=True,
        timeout=600,
    )
    findings = json.loads(proc.stdout or "[]")
    return [f"{f['Rule']['Id']} {f['Message']} ({f['Filename']})" for f in findings if f["Level"] == "Error"]
