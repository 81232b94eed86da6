"""The JSON files of a cloud assembly, read with one-line errors that say what to do (re-synthesize)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docgen.errors import AssemblyError

SYNTH = "run `make synth` (or `npx cdk synth`) first"
RESYNTH = "re-run `make synth` (or `npx cdk synth`)"


def load_json(path: Path, missing: str) -> Any:
    """Parse one file of the assembly; `missing` is the message tail when it does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AssemblyError(f"{path} not found{missing}") from None
    except OSError as exc:
        raise AssemblyError(f"{path} cannot be read ({exc.strerror}): check its permissions") from None
    if not data.strip():
        raise AssemblyError(f"{path} is empty: the synth was interrupted; {RESYNTH}")
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise AssemblyError(
            f"{path} is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg}): "
            f"the file is truncated or corrupt; {RESYNTH}"
        ) from None
    except UnicodeDecodeError:
        raise AssemblyError(f"{path} is not UTF-8 JSON: the file is corrupt; {RESYNTH}") from None


def shape_error(path: Path, problem: str) -> AssemblyError:
    return AssemblyError(f"{path}: unexpected shape: {problem}; {RESYNTH}")


def mapping(value: Any, path: Path, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise shape_error(path, f"{what} is a {type(value).__name__}, expected a mapping")
    return value
