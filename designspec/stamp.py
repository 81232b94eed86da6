"""Stamps: which design, project and code an output folder (cdk.out, generated/) was made from.

A stamp is a small JSON file written atomically into the folder after the folder is complete, and removed
before anything starts rewriting it, so an interrupted synth leaves no stamp at all. It records the design
file and its project, the SHA-256 of every input file (the design and the code that turns it into the
folder), the globs those inputs were found by, and a digest of the folder's own outputs. docgen reads
stamps without importing this package: the JSON fields below are the contract (format `design-stamp/1`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FORMAT = "design-stamp/1"
CDK_OUT_STAMP = "design-stamp.json"
GENERATED_STAMP = ".design-stamp.json"
# What a synth depends on besides the design file (paths relative to the project root).
SYNTH_INPUTS = (
    "app.py",
    "cdk.json",
    "package-lock.json",
    "requirements.txt",
    "designspec/**/*.py",
    "stacks/**/*.py",
    "stacks/**/*.js",  # the Guard worker
)
GENERATOR_INPUTS = ("designspec/**/*.py", "generators/**/*.py")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def relative_name(path: Path, root: Path) -> str:
    """`path` as the stamp names it: relative to the project root when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def expand(root: Path, globs: Iterable[str]) -> list[Path]:
    """The files the globs name under `root`, sorted (caches and virtual environments never count)."""
    found: set[Path] = set()
    for pattern in globs:
        for path in root.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts:
                found.add(path)
    return sorted(found)


def outputs_digest(folder: Path, patterns: Iterable[str]) -> str:
    """One SHA-256 over the folder's output files (names and bytes), in a stable order."""
    digest = hashlib.sha256()
    for path in expand(folder, patterns):
        if path.name in (CDK_OUT_STAMP, GENERATED_STAMP):
            continue
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def make_stamp(
    *,
    root: Path,
    design_file: Path,
    project: str,
    kind: str,
    input_globs: Iterable[str],
    folder: Path,
    output_globs: Iterable[str],
) -> dict[str, Any]:
    globs = list(input_globs)
    inputs = {relative_name(p, root): sha256_file(p) for p in expand(root, globs)}
    return {
        "format": FORMAT,
        "kind": kind,
        "design": relative_name(design_file, root),
        "project": project,
        "design_sha256": sha256_file(design_file),
        "input_globs": globs,
        "inputs": dict(sorted(inputs.items())),
        "output_globs": list(output_globs),
        "outputs_sha256": outputs_digest(folder, output_globs),
    }


def write_stamp(path: Path, stamp: dict[str, Any]) -> None:
    """Atomically: a reader sees the old stamp, no stamp, or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(stamp, indent=2, sort_keys=True) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stamp(path: Path) -> None:
    path.unlink(missing_ok=True)


# The files of a cloud assembly whose bytes decide what docgen reads: manifests and templates at any depth.
CDK_OUT_OUTPUTS = ("**/manifest.json", "**/*.template.json")
