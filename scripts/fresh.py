#!/usr/bin/env python3
"""`make run`'s no-op path: run a step's command only when its inputs or outputs changed since it last succeeded.

    python3 scripts/fresh.py STEP -- COMMAND...

Each step (`generate`, `doc`) names the files it reads (the design, the code, the lockfiles, the data) and the
files it writes. After the command succeeds, a stamp (`.stamps/STEP.json`, git-ignored) records the SHA-256 of
every one of them and the command line; the next time, when every hash is the same, the command is skipped and
one line says so. Content hashes, not modification times: a checkout, a copy or an editor that keeps mtimes
cannot fool it, and touching a file does not cost a rerun. Inputs are hashed before the command runs (an edit
made while it runs makes the next run stale); outputs after. The stamp is removed before the command starts, so
a failed or interrupted step is never skipped.

Standard library only, run with the system python3 (it is also what the bootstrap builds the venv with): the
no-op path must not pay for importing the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAMPS = Path(".stamps")
FORMAT = "run-stamp/1"
LOCKS = ("requirements.txt", "package-lock.json")

# What each step reads and writes, as globs relative to the project root (the design file is added to the inputs).
# `doc` covers the synth too: docgen synthesizes cdk.out when its own stamp is stale, so the synth's inputs
# (app.py, cdk.json, designspec, stacks) are the doc step's inputs, and cdk.out is one of its outputs.
STEPS: dict[str, dict[str, tuple[str, ...]]] = {
    "generate": {
        "inputs": (*LOCKS, "designspec/**/*", "generators/**/*"),
        "outputs": ("generated/**/*",),
        "says": ("generators",),
    },
    "doc": {
        "inputs": (
            *LOCKS,
            "app.py",
            "cdk.json",
            "designspec/**/*",
            "stacks/**/*",
            "docgen/**/*",
            "generators/**/*",
            "generated/**/*",
            "runbooks/**/*",
            "security/**/*",
        ),
        "outputs": ("cdk.out/**/*", "design-docs/**/*"),
        "says": ("synth (cdk-nag included)", "docgen"),
    },
}


def files(globs: tuple[str, ...]) -> list[Path]:
    """The files the globs name under the project root, sorted; caches and temporary files never count."""
    found: set[Path] = set()
    for pattern in globs:
        for path in ROOT.glob(pattern):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and not path.name.endswith((".pyc", ".tmp"))
            ):
                found.add(path)
    return sorted(found)


def digest(paths: list[Path]) -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def design_of(command: list[str]) -> Path:
    """The design the command reads: its `--design` value, else $DESIGN_FILE, else design.yaml."""
    if "--design" in command[:-1]:
        return Path(command[command.index("--design") + 1])
    return Path(os.environ.get("DESIGN_FILE") or "design.yaml")


def inputs_of(step: str, command: list[str]) -> dict[str, str]:
    design = design_of(command)
    path = design if design.is_absolute() else ROOT / design
    found = digest(files(STEPS[step]["inputs"]))
    found[f"design:{design.as_posix()}"] = (
        hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    )
    return found


def stamp_path(step: str) -> Path:
    return ROOT / STAMPS / f"{step}.json"


def read_stamp(step: str) -> dict[str, object] | None:
    try:
        data = json.loads(stamp_path(step).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def write_stamp(step: str, stamp: dict[str, object]) -> None:
    """Atomically: a reader sees the old stamp, no stamp, or the whole new one."""
    target = stamp_path(step)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(stamp, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def why_stale(step: str, command: list[str], inputs: dict[str, str]) -> str | None:
    """Why the step must run (a short reason), or None when its stamp matches every input and output."""
    stamp = read_stamp(step)
    if stamp is None:
        return "no stamp of a successful run"
    if stamp.get("command") != command:
        return "the command changed"
    for kind, now in (("inputs", inputs), ("outputs", digest(files(STEPS[step]["outputs"])))):
        before = stamp.get(kind)
        if not isinstance(before, dict) or before != now:
            changed = sorted(n for n in set(now) | set(before or {}) if now.get(n) != (before or {}).get(n))
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            return f"{kind} changed: {', '.join(n.removeprefix('design:') for n in changed[:3])}{more}"
    return None


def run(step: str, command: list[str]) -> int:
    start = time.perf_counter()
    inputs = inputs_of(step, command)
    reason = why_stale(step, command, inputs)
    says = " and ".join(STEPS[step]["says"])
    if reason is None:
        took = time.perf_counter() - start
        print(
            f"run: skipped {says}: nothing changed since the last run ({stamp_path(step).name}, {took:.2f} s)"
        )
        return 0
    print(f"run: {step} ({reason}): {' '.join(command)}", file=sys.stderr)
    stamp_path(step).unlink(missing_ok=True)
    status = subprocess.run(command, cwd=ROOT, check=False).returncode
    if status == 0:
        outputs = digest(files(STEPS[step]["outputs"]))
        write_stamp(step, {"format": FORMAT, "command": command, "inputs": inputs, "outputs": outputs})
    return status


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in STEPS or argv[1] != "--":
        print(f"usage: fresh.py {{{'|'.join(STEPS)}}} -- COMMAND...", file=sys.stderr)
        return 2
    return run(argv[0], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
