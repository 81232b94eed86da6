"""Reuses cdk.out when it is fresh for the current spec and code, and synthesizes (through the CDK CLI) when not."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from docgen.errors import DocgenError

# What a synth depends on. docgen never imports these: it only hashes them to know when cdk.out is stale.
INPUTS = ("app.py", "cdk.json", "design.yaml", "package-lock.json", "requirements.txt")
INPUT_DIRS = ("designspec", "stacks")
STAMP = ".docgen-inputs.sha256"


def fingerprint(root: Path, design: Path) -> str:
    digest = hashlib.sha256()
    files = [root / name for name in INPUTS if (root / name).exists()] + [design]
    for folder in INPUT_DIRS:
        files += sorted((root / folder).rglob("*.py"))
    for path in sorted(set(files)):
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def is_fresh(cdk_out: Path, stamp: str) -> bool:
    marker = cdk_out / STAMP
    return (cdk_out / "manifest.json").exists() and marker.exists() and marker.read_text().strip() == stamp


def ensure_assembly(root: Path, cdk_out: Path, design: Path, *, synth: bool) -> bool:
    """Make `cdk_out` current; returns True when it synthesized. With synth=False it only checks it exists."""
    if not synth:
        if not (cdk_out / "manifest.json").exists():
            raise DocgenError(
                f"{cdk_out}/manifest.json not found: run `make synth` first (or drop --no-synth)"
            )
        return False
    stamp = fingerprint(root, design)
    if is_fresh(cdk_out, stamp):
        return False
    node_bin = root / "node_modules" / ".bin"
    if not (node_bin / "cdk").exists():
        raise DocgenError("the CDK CLI is not installed (node_modules/.bin/cdk): run `make setup`")
    env = {
        **os.environ,
        "PATH": f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "DESIGN_FILE": str(design),
    }
    if (node_bin / "node").exists():
        env.setdefault("JSII_NODE", str(node_bin / "node"))
    proc = subprocess.run(
        [str(node_bin / "cdk"), "synth", "--quiet", "--no-notices", "-o", str(cdk_out)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        lines = [
            line for line in (proc.stderr + proc.stdout).splitlines() if line.strip().startswith("error:")
        ]
        detail = (
            lines[0].removeprefix("error: ") if lines else (proc.stderr.strip().splitlines() or ["?"])[-1]
        )
        raise DocgenError(f"cdk synth failed: {detail}")
    (cdk_out / STAMP).write_text(stamp + "\n")
    return True
