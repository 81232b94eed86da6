#!/usr/bin/env python3
"""Security scanners over a cloud assembly: cfn-lint and checkov, against the committed exceptions list.

    .venv/bin/python scripts/scan.py [CDK_OUT]        (default cdk.out; `make scan` synthesizes first)

Fails (exit 1) on any cfn-lint error or warning not ignored in security/scan-exceptions.yaml, on any checkov
finding no entry there accepts, and on any entry that accepts nothing (a stale exception). Writes the counts to
CDK_OUT/security-scan.json for the design doc. checkov runs from its own venv (.venv-scan, made by
`scripts/bootstrap.sh --scan`), so its many dependencies cannot disturb the project's pinned venv.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXCEPTIONS = ROOT / "security" / "scan-exceptions.yaml"
CHECKOV = ROOT / ".venv-scan" / "bin" / "checkov"
CFN_LINT = ROOT / ".venv" / "bin" / "cfn-lint"


def templates(cdk_out: Path) -> list[Path]:
    return sorted(cdk_out.glob("assembly-*/*.template.json")) or sorted(cdk_out.glob("*.template.json"))


def cfn_lint(files: list[Path], ignores: list[str]) -> list[dict[str, Any]]:
    """Every cfn-lint match (errors and warnings) not in `ignores`."""
    args = [str(CFN_LINT), "--format", "json", "--ignore-checks", *ignores, "--", *map(str, files)]
    run = subprocess.run(args, capture_output=True, text=True, check=False)
    if run.returncode not in (0, 2, 4, 6, 8, 10, 12, 14):  # bit flags: 2 error, 4 warning, 8 info
        raise SystemExit(f"scan: cfn-lint failed to run: {run.stderr.strip()[:400]}")
    return [m for m in json.loads(run.stdout or "[]") if m["Level"] in ("Error", "Warning")]


def checkov(cdk_out: Path) -> dict[str, Any]:
    if not CHECKOV.exists():
        raise SystemExit("scan: checkov is not installed; run scripts/bootstrap.sh --scan (or make scan)")
    args = [str(CHECKOV), "-d", str(cdk_out), "--framework", "cloudformation", "--quiet", "-o", "json"]
    run = subprocess.run(args, capture_output=True, text=True, check=False)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"scan: checkov failed to run: {run.stderr.strip()[:400]}") from None
    return report[0] if isinstance(report, list) else report


def cdk_path(finding: dict[str, Any], cache: dict[str, dict[str, Any]]) -> str:
    """The resource's construct path, from its template's aws:cdk:path metadata."""
    file = finding["file_abs_path"]
    if file not in cache:
        cache[file] = json.loads(Path(file).read_text(encoding="utf-8"))
    logical_id = finding["resource"].split(".", 1)[1]
    resource = cache[file]["Resources"].get(logical_id, {})
    return str(resource.get("Metadata", {}).get("aws:cdk:path", logical_id))


def classify(
    failed: list[dict[str, Any]], skips: list[dict[str, Any]]
) -> tuple[list[str], dict[int, int], list[str]]:
    """(unaccepted findings, matches per skip entry, accepted findings)."""
    cache: dict[str, dict[str, Any]] = {}
    unaccepted, accepted, used = [], [], dict.fromkeys(range(len(skips)), 0)
    for finding in failed:
        path = cdk_path(finding, cache)
        line = f"{finding['check_id']} {finding['check_name']}: {path}"
        hits = [
            i
            for i, s in enumerate(skips)
            if s["id"] == finding["check_id"] and any(fnmatch.fnmatch(path, p) for p in s["paths"])
        ]
        for i in hits:
            used[i] += 1
        (accepted if hits else unaccepted).append(line)
    return unaccepted, used, accepted


def main(argv: list[str]) -> int:
    cdk_out = Path(argv[1] if len(argv) > 1 else "cdk.out")
    files = templates(cdk_out)
    if not files:
        print(f"scan: no templates in {cdk_out}; synthesize first (make synth)", file=sys.stderr)
        return 1
    exceptions = yaml.safe_load(EXCEPTIONS.read_text(encoding="utf-8"))
    for entry in [*exceptions["cfn_lint_ignores"], *exceptions["skips"]]:
        if len(str(entry.get("reason", "")).strip()) < 20:
            print(f"scan: {EXCEPTIONS.name}: {entry['id']} has no real reason", file=sys.stderr)
            return 1
    lint = cfn_lint(files, [e["id"] for e in exceptions["cfn_lint_ignores"]])
    report = checkov(cdk_out)
    unaccepted, used, accepted = classify(report["results"]["failed_checks"], exceptions["skips"])
    stale = [f"{s['id']} {s['paths']}" for i, s in enumerate(exceptions["skips"]) if not used[i]]
    summary = {
        "cfn_lint": {
            "version": subprocess.run(
                [str(CFN_LINT), "--version"], capture_output=True, text=True
            ).stdout.strip(),
            "templates": len(files),
            "errors": sum(m["Level"] == "Error" for m in lint),
            "warnings": sum(m["Level"] == "Warning" for m in lint),
            "ignored_checks": [e["id"] for e in exceptions["cfn_lint_ignores"]],
        },
        "checkov": {
            "version": report["summary"]["checkov_version"],
            "passed": report["summary"]["passed"],
            "failed": len(unaccepted),
            "accepted": len(accepted),
            "resources": report["summary"]["resource_count"],
        },
    }
    (cdk_out / "security-scan.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for m in lint:
        print(f"cfn-lint {m['Rule']['Id']} {m['Message']} ({Path(m['Filename']).name})")
    for line in unaccepted:
        print(f"checkov {line}")
    for entry in stale:
        print(f"stale exception (accepts nothing): {entry}")
    c, k = summary["cfn_lint"], summary["checkov"]
    print(
        f"scan: cfn-lint {c['errors']} errors, {c['warnings']} warnings over {c['templates']} templates; "
        f"checkov {k['passed']} passed, {k['failed']} failed, {k['accepted']} accepted by {EXCEPTIONS.name}"
    )
    return 1 if lint or unaccepted or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
