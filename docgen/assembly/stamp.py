"""Reads the stamps that say which design, project and code made a folder (cdk.out, generated/).

The writer is `designspec/stamp.py` (docgen never imports it); the JSON fields are the contract, format
`design-stamp/1`. A stamp is only trusted when its outputs digest still matches the folder: a folder rewritten
by anything else since (another synth, a hand edit) no longer matches its stamp.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from docgen.errors import AssemblyError

FORMAT = "design-stamp/1"
CDK_OUT_STAMP = "design-stamp.json"
GENERATED_STAMP = ".design-stamp.json"


@dataclass(frozen=True)
class Stamp:
    path: Path
    kind: str
    design: str  # relative to the project root when inside it, else absolute
    project: str
    design_sha256: str
    inputs: dict[str, str] = field(default_factory=dict)
    input_globs: tuple[str, ...] = ()
    output_globs: tuple[str, ...] = ()
    outputs_sha256: str = ""

    def describe(self) -> str:
        return f"design {self.design} (project {self.project})"


def read_stamp(folder: Path, name: str) -> Stamp | None:
    """The folder's stamp, or None when it has none; a stamp that is not ours fails in one line."""
    path = folder / name
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AssemblyError(f"{path} is not a readable stamp ({exc}); delete it and re-run") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AssemblyError(
            f"{path}: unknown stamp format {data.get('format') if isinstance(data, dict) else data!r}"
        )
    try:
        return Stamp(
            path=path,
            kind=str(data["kind"]),
            design=str(data["design"]),
            project=str(data["project"]),
            design_sha256=str(data["design_sha256"]),
            inputs={str(k): str(v) for k, v in dict(data.get("inputs") or {}).items()},
            input_globs=tuple(str(g) for g in data.get("input_globs") or ()),
            output_globs=tuple(str(g) for g in data.get("output_globs") or ()),
            outputs_sha256=str(data.get("outputs_sha256", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AssemblyError(
            f"{path}: stamp field missing or malformed ({exc}); delete it and re-run"
        ) from None


def _expand(root: Path, globs: Iterable[str]) -> list[Path]:
    found: set[Path] = set()
    for pattern in globs:
        found.update(p for p in root.glob(pattern) if p.is_file() and "__pycache__" not in p.parts)
    return sorted(found)


def outputs_digest(folder: Path, globs: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for path in _expand(folder, globs):
        if path.name in (CDK_OUT_STAMP, GENERATED_STAMP):
            continue
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def outputs_intact(stamp: Stamp) -> bool:
    """False when the folder was rewritten since the stamp was written (another synth, a hand edit)."""
    return outputs_digest(stamp.path.parent, stamp.output_globs) == stamp.outputs_sha256


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def stale_inputs(stamp: Stamp, root: Path) -> list[str]:
    """Inputs that changed, appeared or disappeared since the stamp (the design file included)."""
    current = {
        p.resolve().relative_to(root.resolve()).as_posix(): p for p in _expand(root, stamp.input_globs)
    }
    changed = sorted(
        name
        for name in set(current) | set(stamp.inputs)
        if name not in current or name not in stamp.inputs or _sha256(current[name]) != stamp.inputs[name]
    )
    if _sha256(design_path(stamp, root)) != stamp.design_sha256:
        changed.insert(0, stamp.design)
    return changed


def design_path(stamp: Stamp, root: Path) -> Path:
    path = Path(stamp.design)
    return path if path.is_absolute() else root / path


def same_design(stamp: Stamp, design: Path, root: Path) -> bool:
    return design_path(stamp, root).resolve() == (design if design.is_absolute() else root / design).resolve()
