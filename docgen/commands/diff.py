"""`python -m docgen diff`: what changed since a recorded work item, or the CDK CLI's own diff against a saved
cloud assembly (`--against DIR`), one `cdk diff --template` per changed stack, offline and credential-free."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from docgen import document, progress
from docgen.errors import DocgenError

WORKERS = 3  # CLI processes at once: each is mostly Node start-up, so a few overlap well


def diff_command(args: argparse.Namespace) -> int:
    if args.against is not None:
        return cdk_diff(args)
    return seq_diff(args)


def seq_diff(args: argparse.Namespace) -> int:
    """What the current design adds, changes and removes since a recorded work item (default: the latest)."""
    from docgen.history import changes as delta
    from docgen.history import inventory
    from docgen.workitem import seqdiff

    folder = args.inventory if args.inventory is not None else args.doc.parent / "inventory"
    recorded = inventory.recorded(folder)
    if not recorded:
        raise DocgenError(
            f"no inventory in {folder}: record a work item first (python -m docgen --context FILE), "
            "or compare with a saved cdk.out: python -m docgen diff --against .baseline/cdk.out"
        )
    if args.seq is not None:
        if not str(args.seq).isdigit() or int(args.seq) not in recorded:
            known = ", ".join(str(n) for n in recorded)
            raise DocgenError(f"--seq {args.seq}: no inventory for it in {folder} (recorded seqs: {known})")
        number = int(args.seq)
    else:
        number = max(recorded)
    base = inventory.load(recorded[number])
    assembly = document.load_assembly(args)
    current = inventory.build(assembly, seq=number, short_name=str(base.get("short_name", "")))
    changes = delta.diff(base, current)
    if args.format == "json":
        print(json.dumps([_change_json(c) for c in changes], indent=2))
        return 0
    print(seqdiff.text_report(changes, f"seq {number} ({recorded[number]})"), end="")
    return 0


def _change_json(c: Any) -> dict[str, Any]:
    return {
        "environment": c.environment,
        "change": c.change,
        "path": c.key,
        "type": c.type,
        "component": c.component,
        "logical_id": c.logical_id,
        "changed_properties": list(c.changed_keys),
    }


# --- cdk diff against a saved cloud assembly ----------------------------------------------------------


def _templates(assembly: Any) -> dict[str, Path]:
    """Top-level stack (construct path, e.g. `prod/Data`) -> its template file; nested stacks diff with it."""
    root = Path(assembly.root)
    return {s.construct_path: root / s.template_file for s in assembly.stacks if not s.parent}


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocgenError(f"cannot read {path}: {exc}") from None


def cdk_diff(args: argparse.Namespace) -> int:
    """`cdk diff --app <current cdk.out> --template <saved template> --exclusively <stack>` per changed stack."""
    from docgen.assembly.reader import read_assembly

    head = document.load_assembly(args)
    with progress.step(f"reading {args.against}"):
        base = read_assembly(args.against)
    now, saved = _templates(head), _templates(base)
    changed = [path for path in sorted(now) if path not in saved or _load(now[path]) != _load(saved[path])]
    cli = _cdk_cli()
    with tempfile.TemporaryDirectory(prefix="docgen-diff-") as scratch:
        empty = Path(scratch) / "empty.template.json"
        empty.write_text("{}\n", encoding="utf-8")  # a stack that is new: everything in it is added
        jobs = [(cli, Path(head.root), saved.get(path, empty), path) for path in changed]
        # One CLI process per stack (the CLI compares one stack with one fixed template), a few at a time.
        with progress.step(f"cdk diff of {len(jobs)} changed stack(s)"), ThreadPoolExecutor(WORKERS) as pool:
            outputs = list(pool.map(lambda job: _run_cdk_diff(*job), jobs))
    for output in outputs:
        print(output, end="")
    for path in sorted(set(saved) - set(now)):
        print(f"Stack {path}\n[-] removed: in {args.against} but not in {head.root}\n")
    unchanged = len(now) - len(changed)
    print(f"{len(changed)} stack(s) changed, {len(set(saved) - set(now))} removed, {unchanged} unchanged")
    return 0


def _cdk_cli() -> list[str]:
    node_bin = Path.cwd() / "node_modules" / ".bin"
    if not (node_bin / "cdk").exists():
        raise DocgenError("the CDK CLI is not installed (node_modules/.bin/cdk): run `make setup`")
    return [str(node_bin / "cdk")]


def _run_cdk_diff(cli: list[str], app: Path, template: Path, stack: str) -> str:
    node_bin = Path(cli[0]).parent
    env = {**os.environ, "PATH": f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [*cli, "diff", "--app", str(app), "--template", str(template), "--exclusively"]
    command += ["--method", "template", "--no-notices", "--no-lookups", "--no-color", stack]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=600)
    if proc.returncode != 0:
        last = next((x for x in reversed((proc.stderr + proc.stdout).splitlines()) if x.strip()), "")
        raise DocgenError(f"cdk diff {stack} failed (exit {proc.returncode}): {last.strip()}")
    return proc.stdout + proc.stderr
