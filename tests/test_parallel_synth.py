"""Stages synthesized in parallel processes (parallel_synth.py, SYNTH_WORKERS) make the same cloud assembly.

three-stages has three AWS environments, so two workers get uneven shares (qa and prod, staging) and the merge
must put every stage back in the design's order. The one-process synth is the zoo's own run of the design.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.synth


def _findings(report: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for plugin in report["pluginReports"]:
        out[(plugin["pluginName"], plugin["conclusion"])] = sorted(
            json.dumps(v, sort_keys=True)
            for key in ("violations", "suppressedViolations")
            for v in _without_traces(plugin.get(key, []))
        )
    return out


def _without_traces(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for v in violations:
        v = {k: x for k, x in v.items() if k != "acknowledgedStackTrace"}
        v["violatingConstructs"] = [
            {k: x for k, x in c.items() if k != "stackTraces"} for c in v.get("violatingConstructs", [])
        ]
        out.append(v)
    return out


def _files(folder: Path) -> dict[str, bytes]:
    """Every file but the report and the stamp; the stack traces in metadata name each synth's own jsii kernel
    folder (/tmp/jsii-kernel-<random>/, /tmp/tmp<random>/), so that name is blanked."""
    skip = {"validation-report.json", "design-stamp.json"}
    return {
        str(p.relative_to(folder)): re.sub(rb"/(jsii-kernel-|tmp)[A-Za-z0-9_]+/", b"/kernel/", p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file() and p.name not in skip
    }


def test_parallel_stages_make_the_same_assembly(zoo_named: Any, tmp_path: Path) -> None:
    from app import cli_context

    serial = zoo_named("three-stages")
    assert serial.synth_error is None, serial.synth_error
    outdir = tmp_path / "cdk.out"
    env = {
        **os.environ,
        "DESIGN_FILE": str(serial.design),
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(cli_context()),  # what the CDK CLI gives the app
        "SYNTH_WORKERS": "2",
    }
    proc = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((outdir / "manifest.json").read_text())
    stages = [
        a["properties"]["displayName"]
        for a in manifest["artifacts"].values()
        if "displayName" in a.get("properties", {})
    ]
    assert stages == ["qa", "staging", "prod"]
    ours, theirs = _files(outdir), _files(serial.outdir)
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []
    report = json.loads((outdir / "validation-report.json").read_text())
    assert _findings(report) == _findings(json.loads((serial.outdir / "validation-report.json").read_text()))
    assert (outdir / "design-stamp.json").exists()  # stamped like a one-process synth


def test_a_child_that_fails_passes_on_its_error_and_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import parallel_synth

    design = tmp_path / "design.yaml"
    design.write_text(
        (ROOT / "zoo" / "three-stages.yaml").read_text().replace("\nproject:", "\nproject: [a]\nx:", 1)
    )
    monkeypatch.setenv("DESIGN_FILE", str(design))
    monkeypatch.setenv("SYNTH_WORKERS", "2")
    with pytest.raises(parallel_synth.ChildFailed) as failed:
        parallel_synth.synthesize_stages(["qa", "staging", "prod"], tmp_path / "cdk.out")
    assert failed.value.code == 2  # a bad spec, as the loader says it
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines and lines[0].startswith(f"error: {design}:"), lines
    assert [
        p.name for p in tmp_path.iterdir() if p.name.startswith(".cdk.out.stages-")
    ] == []  # scratch removed


def test_a_bad_worker_count_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DESIGN_FILE": "design.yaml",
        "CDK_OUTDIR": str(tmp_path / "out"),
        "SYNTH_WORKERS": "two",
    }
    proc = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: SYNTH_WORKERS='two' is not a number of processes (a whole number, 1 or more)"
    ]
