"""Synthesizes the corpus apps offline, prunes each cloud assembly into `<app>/cdk.out/`, writes the catalogue.

Usage: python -m tests.corpus.build [APP ...]     synthesize and prune the named apps (default: all), then
                                                  rewrite README.md and expected.json from every assembly
       python -m tests.corpus.build --no-synth    only rewrite README.md and expected.json

Each app is synthesized as its owner would, with the CDK CLI in the app's folder (its cdk.json gives the
feature flags, its cdk.context.json the availability zones a lookup would have cached), so asset and path
metadata are written exactly as in a real project. A synth that still needs a context lookup fails.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.corpus import inventory
from tests.fixtures.prune import prune

CORPUS = Path(__file__).resolve().parent
ROOT = CORPUS.parents[1]
BIN = ROOT / "node_modules" / ".bin"
ASSEMBLY = "cdk.out"


def apps() -> list[str]:
    return sorted(p.parent.name for p in CORPUS.glob("*/app.py"))


def synth(app: str, outdir: Path) -> float:
    """Runs `cdk synth` for one app into `outdir`; returns the wall-clock seconds it took."""
    command = [
        str(BIN / "cdk"),
        "synth",
        "--app",
        f"{shlex.quote(sys.executable)} app.py",
        "--quiet",
        "--no-notices",
        "-o",
        str(outdir),
    ]
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "JSII_NODE": os.environ.get("JSII_NODE", str(BIN / "node")),
        "CDK_DISABLE_CLI_TELEMETRY": "true",
    }
    start = time.monotonic()
    done = subprocess.run(command, cwd=CORPUS / app, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise SystemExit(f"error: cdk synth of {app} failed (exit {done.returncode}):\n{tail}")
    missing = _missing_context(outdir)
    if missing:
        raise SystemExit(f"error: {app} needs context lookups {missing}: add them to its cdk.context.json")
    return seconds


def _missing_context(directory: Path) -> list[str]:
    manifest = inventory.read_json(directory / "manifest.json")
    keys = [m["key"] for m in manifest.get("missing", [])]
    for artifact in manifest["artifacts"].values():
        if artifact["type"] == "cdk:cloud-assembly":
            keys += _missing_context(directory / artifact["properties"]["directoryName"])
    return keys


def describe(app: str) -> tuple[str, str]:
    """(pattern, description): the first line and the rest of the app's module docstring."""
    doc = ast.get_docstring(ast.parse((CORPUS / app / "app.py").read_text(encoding="utf-8"))) or app
    title, _, rest = doc.partition("\n")
    return title.strip(), " ".join(rest.split())


def catalogue() -> dict[str, Any]:
    """expected.json's content: per app, its pattern and the inventory of its committed assembly."""
    found = {}
    for app in apps():
        if not (CORPUS / app / ASSEMBLY / "manifest.json").is_file():
            raise SystemExit(f"error: {app} has no {ASSEMBLY}/ yet: run python -m tests.corpus.build {app}")
        pattern, _ = describe(app)
        found[app] = {"pattern": pattern, **inventory.summary(CORPUS / app / ASSEMBLY)}
    return {"generated_by": "python -m tests.corpus.build", "apps": found}


def size_kb(app: str) -> float:
    return sum(p.stat().st_size for p in (CORPUS / app / ASSEMBLY).rglob("*") if p.is_file()) / 1024


def write_outputs(data: dict[str, Any]) -> None:
    from tests.corpus.readme import render

    (CORPUS / "expected.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    (CORPUS / "README.md").write_text(render(data, {app: describe(app)[1] for app in data["apps"]}), "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus.build", description=__doc__.split("\n")[0])
    parser.add_argument("apps", nargs="*", help=f"apps to synthesize (default: all of {', '.join(apps())})")
    parser.add_argument("--no-synth", action="store_true", help="only rewrite README.md and expected.json")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.apps) - set(apps()))
    if unknown:
        parser.error(f"unknown app(s) {', '.join(unknown)}; known: {', '.join(apps())}")
    if not args.no_synth:
        for app in args.apps or apps():
            with tempfile.TemporaryDirectory(prefix=f"corpus-{app}-") as tmp:
                seconds = synth(app, Path(tmp) / ASSEMBLY)
                prune(Path(tmp) / ASSEMBLY, CORPUS / app / ASSEMBLY)
            print(f"{app}: synth {seconds:.1f} s, pruned assembly {size_kb(app):.0f} KB", flush=True)
    data = catalogue()
    write_outputs(data)
    total = sum(entry["resources"] for entry in data["apps"].values())
    print(f"wrote README.md and expected.json: {len(data['apps'])} apps, {total} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
