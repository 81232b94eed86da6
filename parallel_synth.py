"""Synthesize a design's stages in parallel: one process per share of the stages, then one cloud assembly.

Each stage (one AWS environment) is independent of the others: its own nested assembly (`assembly-<env>/`), its
own templates, no reference across stages. So `app.py` starts one child process per core, each building and
synthesizing only its share of the stages (with every validation plugin) into a folder of its own, and merges the
results into the output folder as CDK would have written them in one process:

- `assembly-<env>/`, the `asset.*` files and `cdk.out` are moved as they are;
- `manifest.json` lists the nested assemblies in the design's order, then the app-level artifacts (tree,
  feature-flag report), which every child writes the same;
- `tree.json` holds each child's stage subtree under one App root, in the design's order;
- `validation-report.json` holds, per plugin, every child's findings and acknowledged findings; a plugin's
  conclusion is a failure when any child's is.

tests/test_parallel_synth.py shows the merged assembly equals a one-process synth: templates, manifests and the
tree byte for byte, the validation report as the same findings.

It is off unless SYNTH_WORKERS is above 1: on the 2-core machines this project is built on it does not pay. Each
child pays Python's imports, Node's start and the loading of aws-cdk-lib again, and the Guard plugin already keeps
both cores busy, so the default design took 22.5 s in parallel against 15.0 s in one process (35 against 19
CPU-seconds), and the sixty-service design 56.5 s against 61.5 s (90 against 69 CPU-seconds). With more cores
than Guard's share of the synth can use, or many stages, try SYNTH_WORKERS=<cores>.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from designspec.errors import env_count

STAGES_ENV = "SYNTH_STAGES"  # set in a child: the comma-separated stages it synthesizes
APP = Path(__file__).with_name("app.py")


class ChildFailed(Exception):
    """A child synth failed; its stderr was passed on, and the parent exits with its code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def workers() -> int:
    return env_count("SYNTH_WORKERS", 1)


def shares(stages: list[str], count: int) -> list[list[str]]:
    """`stages` dealt round-robin into at most `count` shares, each in the design's order."""
    count = max(1, min(count, len(stages)))
    return [stages[i::count] for i in range(count)]


def synthesize_stages(stages: list[str], outdir: Path) -> Path:
    """Synthesize `stages` in child processes and merge their assemblies into `outdir` (returned)."""
    outdir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.stages-", dir=outdir.parent))
    try:
        parts = shares(stages, workers())
        folders = [scratch / f"part{i}" for i in range(len(parts))]
        with ThreadPoolExecutor(len(parts)) as pool:
            children = list(pool.map(_child, parts, folders))
        for proc in children:
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr)
                raise ChildFailed(proc.returncode)
        for proc in children:
            sys.stderr.write(proc.stderr)  # warnings the children printed
        merged = scratch / "merged"
        merge(folders, parts, stages, merged)
        install(merged, outdir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return outdir


def _child(stages: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, STAGES_ENV: ",".join(stages), "CDK_OUTDIR": str(folder), "SYNTH_WORKERS": "1"}
    return subprocess.run([sys.executable, str(APP)], env=env, capture_output=True, text=True, check=False)


def merge(folders: list[Path], parts: list[list[str]], stages: list[str], target: Path) -> None:
    """One cloud assembly in `target` from the children's `folders` (`parts[i]`: the stages of folder i)."""
    target.mkdir()
    manifests = [_read(f / "manifest.json") for f in folders]
    trees = [_read(f / "tree.json") for f in folders]
    child_of = {stage: i for i, part in enumerate(parts) for stage in part}

    # the nested assemblies in the design's order, then the app-level artifacts (the same in every child)
    artifacts: dict[str, Any] = {}
    for stage in stages:
        name = f"assembly-{stage}"
        artifacts[name] = manifests[child_of[stage]]["artifacts"][name]
    for manifest in manifests:
        for name, artifact in manifest["artifacts"].items():
            if artifact.get("type") != "cdk:cloud-assembly":
                _same(artifacts, name, artifact, "manifest.json artifact")
    manifest = {**manifests[0], "artifacts": artifacts}
    _write(target / "manifest.json", manifest, indent=2)

    # one App root holding each stage's subtree, in the design's order, then the app-level nodes
    children: dict[str, Any] = {}
    for stage in stages:
        children[stage] = trees[child_of[stage]]["tree"]["children"][stage]
    for tree in trees:
        for name, node in tree["tree"]["children"].items():
            if name not in stages:
                _same(children, name, node, "tree.json node")
    root = {**trees[0]["tree"], "children": children}
    _write(target / "tree.json", {**trees[0], "tree": root}, indent=None)

    reports = [
        _read(f / "validation-report.json") for f in folders if (f / "validation-report.json").exists()
    ]
    if reports:
        _write(target / "validation-report.json", _merge_reports(reports), indent=2)

    for folder in folders:
        for entry in sorted(folder.iterdir()):
            if entry.name in {"manifest.json", "tree.json", "validation-report.json"}:
                continue
            dest = target / entry.name
            if not dest.exists():
                entry.rename(dest)
            elif entry.is_file() and entry.read_bytes() != dest.read_bytes():
                raise RuntimeError(f"two stage synths wrote different {entry.name}")


def _merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Per plugin (in the order the children list them): every child's findings; failed if any child's did."""
    plugins: dict[str, dict[str, Any]] = {}
    for report in reports:
        for plugin in report.get("pluginReports", []):
            name = plugin["pluginName"]
            if name not in plugins:
                plugins[name] = dict(plugin)
                continue
            merged = plugins[name]
            for key in ("violations", "suppressedViolations"):
                if key in plugin:
                    merged[key] = [*merged.get(key, []), *plugin[key]]
            if plugin.get("conclusion") != "success":
                merged["conclusion"] = plugin.get("conclusion")
            if (plugin.get("metadata") or {}).get("error") and not (merged.get("metadata") or {}).get(
                "error"
            ):
                merged["metadata"] = {**(merged.get("metadata") or {}), "error": plugin["metadata"]["error"]}
    return {**reports[0], "pluginReports": list(plugins.values())}


def install(merged: Path, outdir: Path) -> None:
    """Move the merged assembly's entries into `outdir`, each replacing the entry of the same name."""
    for entry in sorted(merged.iterdir()):
        dest = outdir / entry.name
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        elif dest.exists() or dest.is_symlink():
            dest.unlink()
        entry.rename(dest)


def _same(into: dict[str, Any], name: str, value: Any, what: str) -> None:
    if name in into and into[name] != value:
        raise RuntimeError(f"two stage synths wrote different {what} {name!r}")
    into[name] = value


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: Any, *, indent: int | None) -> None:
    """As CDK writes its JSON (JSON.stringify): unescaped non-ASCII, no newline at the end."""
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(data, indent=indent, separators=separators, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
