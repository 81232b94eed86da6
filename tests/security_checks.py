"""Security checks over any synthesized cloud assembly (a cdk.out directory), reusable for every design.

from tests.security_checks import open_ingress, cfn_lint_problems
assert open_ingress(Path("cdk.out")) == []
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
OPEN_CIDRS = ("0.0.0.0/0", "::/0")


def templates(cdk_out: Path) -> dict[Path, dict[str, Any]]:
    """Every CloudFormation template of the assembly, nested stage assemblies included."""
    files = sorted(cdk_out.glob("assembly-*/*.template.json")) + sorted(cdk_out.glob("*.template.json"))
    return {f: json.loads(f.read_text(encoding="utf-8")) for f in files}


def resources(cdk_out: Path, cfn_type: str) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    for file, template in templates(cdk_out).items():
        for logical_id, resource in template.get("Resources", {}).items():
            if resource.get("Type") == cfn_type:
                yield file, logical_id, resource


def open_ingress(cdk_out: Path) -> list[str]:
    """Every security-group ingress rule that accepts any IPv4 or IPv6 address, as 'template/logical id port'.

    Covers inline rules (AWS::EC2::SecurityGroup SecurityGroupIngress) and standalone ones
    (AWS::EC2::SecurityGroupIngress). An empty list means no security group anywhere is open to the internet.
    """
    found = []
    for file, logical_id, resource in resources(cdk_out, "AWS::EC2::SecurityGroup"):
        for rule in resource.get("Properties", {}).get("SecurityGroupIngress", []):
            if rule.get("CidrIp") in OPEN_CIDRS or rule.get("CidrIpv6") in OPEN_CIDRS:
                found.append(f"{file.name}/{logical_id} port {rule.get('FromPort')}")
    for file, logical_id, resource in resources(cdk_out, "AWS::EC2::SecurityGroupIngress"):
        props = resource.get("Properties", {})
        if props.get("CidrIp") in OPEN_CIDRS or props.get("CidrIpv6") in OPEN_CIDRS:
            found.append(f"{file.name}/{logical_id} port {props.get('FromPort')}")
    return found


def cfn_lint_problems(cdk_out: Path) -> list[str]:
    """cfn-lint errors and warnings over the assembly, less the ignores committed (with reasons) in
    security/scan-exceptions.yaml: the same check CI's scan runs."""
    exceptions = yaml.safe_load((ROOT / "security" / "scan-exceptions.yaml").read_text(encoding="utf-8"))
    ignores = [entry["id"] for entry in exceptions["cfn_lint_ignores"]]
    files = [str(f) for f in templates(cdk_out)]
    cfn_lint = Path(sys.executable).parent / "cfn-lint"  # the venv's console script
    run = subprocess.run(
        [str(cfn_lint), "--format", "json", "--ignore-checks", *ignores, "--", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    # Exit status is a bit set (2 error, 4 warning, 8 info); anything else means cfn-lint itself failed.
    if run.returncode & ~0b1110:
        raise RuntimeError(f"cfn-lint failed to run ({run.returncode}): {run.stderr.strip()[:400]}")
    matches = json.loads(run.stdout)
    return [
        f"{m['Level']} {m['Rule']['Id']} {m['Message']} ({Path(m['Filename']).name})"
        for m in matches
        if m["Level"] in ("Error", "Warning")
    ]
