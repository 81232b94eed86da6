"""The dated, sourced data files docgen prices and verifies with (prices/, usage-defaults.yaml, slas.yaml),
and the helpers their loaders share: strict models, exact decimals, one-line errors naming the file.

The lowest layer beside `docgen.errors`: it knows YAML and pydantic, nothing of the assembly or the doc.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from docgen.errors import CostError

DATA_DIR = Path(__file__).resolve().parent
_REPO_ROOT = DATA_DIR.parent.parent


def display_path(path: Path) -> str:
    """A path as errors show it: relative to the repository when inside it, so messages are stable."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(_REPO_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def decimal(value: Any) -> Decimal:
    """A Decimal from a YAML scalar; floats are refused because they cannot carry an exact price."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValueError(f'{value!r} is not a decimal string (write it quoted, e.g. "0.045")')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def read_yaml(path: Path) -> dict[str, Any]:
    shown = display_path(path)
    try:
        # libyaml's safe loader when PyYAML has it: the price catalogues parse ten times faster.
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except OSError as exc:
        raise CostError(f"{shown}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CostError(f"{shown}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise CostError(f"{shown}: expected a mapping at the top level")
    return raw


def first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"])
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"
