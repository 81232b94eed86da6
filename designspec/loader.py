"""Reads a design YAML file into a validated Design, turning every problem into one SpecError line."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError

from designspec.errors import SpecError, format_loc, shown
from designspec.fields import PATTERN_HELP
from designspec.model import Design
from designspec.references import check_references
from designspec.yamldoc import MAX_CHARS, Loc, YamlRefused, line_of, read_yaml

MAX_BYTES = 4 * MAX_CHARS  # UTF-8 takes at most 4 bytes a character


def load_design(path: str | Path) -> Design:
    """Load and validate `path`; raise SpecError naming file, field path, line, value and what is allowed."""
    file = str(path)
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):  # a FIFO or /dev/zero would block or never end
            raise SpecError(file, "", "not a regular file; give the path of a YAML file")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError(file, "", "file not found") from None
    except OSError as exc:
        raise SpecError(file, "", f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise SpecError(
            file, "", f"the file is larger than {MAX_BYTES:,} bytes; a design spec is far smaller"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SpecError(
            file, "", f"not UTF-8 text (byte {raw[exc.start]:#04x}); save the file as UTF-8", line
        ) from None
    return parse_design(text, file)


def parse_design(text: str, file: str = "<design>") -> Design:
    data, lines = _read(text, file)
    try:
        design = Design.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, file, lines) from None
    check_references(design, file, lambda loc: line_of(lines, loc))
    return design


def _read(text: str, file: str) -> tuple[dict[str, Any], dict[Loc, int]]:
    if not text.strip():
        raise SpecError(
            file, "", "the file is empty; expected a mapping with at least 'project' and 'environments'"
        )
    try:
        data, lines = read_yaml(text)
    except YamlRefused as exc:
        raise SpecError(file, format_loc(exc.loc), exc.message, exc.line) from None
    if data is None:
        raise SpecError(file, "", "the file holds no document; expected a mapping")
    if not isinstance(data, dict):
        raise SpecError(file, "", f"the top level is {_kind(data)}; expected a mapping", lines.get((), 1))
    return data, lines


def _kind(value: Any) -> str:
    kinds = {tuple: "a list", dict: "a mapping", str: "text", bool: "a boolean", int: "an integer"}
    return kinds.get(type(value), "a number")


# --- pydantic errors -> one line -----------------------------------------------------------------


def _first_error(exc: ValidationError, file: str, lines: dict[Loc, int]) -> SpecError:
    err = exc.errors(include_url=False)[0]
    raw: Loc = tuple(err["loc"])
    is_key = bool(raw) and raw[-1] == "[key]"  # a dict key failed its pattern, not its value
    loc: Loc = tuple(
        p for p in raw if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
    )
    message = _message(err, loc)
    if is_key:
        message = "the key " + message
    return SpecError(file, format_loc(loc), message, line_of(lines, loc))


def _message(err: Any, loc: Loc) -> str:
    value, kind, ctx = err.get("input"), err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = ", ".join(sorted(_fields_at(loc[:-1])))
        return f"unknown key {shown(loc[-1])}; allowed keys: {allowed}"
    if kind == "missing":
        return "required field is missing" + _expected(loc)
    if kind == "literal_error":
        return f"{shown(value)} is not allowed; expected {ctx['expected']}"
    if kind == "string_pattern_mismatch" and ctx["pattern"] in PATTERN_HELP:
        return f"{shown(value)} is not {PATTERN_HELP[ctx['pattern']]}"
    if kind == "string_pattern_mismatch":
        return f"{shown(value)} does not match the pattern {ctx['pattern']}"
    if kind in ("model_type", "dict_type"):
        return f"{shown(value)} is invalid: expected a mapping (key: value lines)"
    if kind in ("tuple_type", "list_type"):
        return f"{shown(value)} is invalid: expected a list ([a, b] or one '- item' per line)"
    return f"{shown(value)} is invalid: {err['msg']}{_hint(kind, value)}"


def _hint(kind: str, value: Any) -> str:
    """Why a value YAML read one way is not the type the field needs: strict types never coerce."""
    if kind in ("int_type", "float_type") and isinstance(value, bool):
        return " (true and false are booleans, not numbers)"
    if kind == "int_type" and isinstance(value, str) and _numeric(value):
        return " (YAML reads this as text: write the digits only, without quotes)"
    if kind == "float_type" and isinstance(value, str) and _numeric(value):
        return " (YAML reads this as text: no quotes, and a decimal point in exponents: 1.0e+6, not 1e6)"
    if kind == "int_type" and isinstance(value, float):
        return " (a whole number, without a decimal point)"
    if kind == "string_type" and isinstance(value, (bool, int, float)):
        return " (write it in quotes to make it text)"
    if kind == "bool_type" and isinstance(value, str):
        return " (true or false, without quotes)"
    return ""


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fields_at(loc: Loc) -> list[str]:
    """The field names the model accepts at `loc` (for 'allowed keys' in unknown-key errors)."""
    model: Any = Design
    for part in loc:
        model = _step(model, part)
        if model is None:
            return []
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _step(annotation: Any, part: str | int) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return _unwrap(field.annotation) if field else None
    origin = get_origin(annotation)
    if origin in (tuple, list):
        return _unwrap(get_args(annotation)[0])
    if origin is dict:
        return _unwrap(get_args(annotation)[1])
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] / X | None to the model or container inside."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is None or get_origin(annotation) in (tuple, list, dict):
        return annotation
    return _unwrap(args[0]) if len(args) == 1 else annotation


def _expected(loc: Loc) -> str:
    """What a missing field takes, from its annotation: "; expected an integer", "; expected one of ..."."""
    model: Any = Design
    for part in loc[:-1]:
        model = _step(model, part)
    if (
        not (isinstance(model, type) and issubclass(model, BaseModel))
        or str(loc[-1]) not in model.model_fields
    ):
        return ""
    info = model.model_fields[str(loc[-1])]
    annotation = _unwrap(info.annotation)
    if get_origin(annotation) is Literal:
        return "; expected one of " + ", ".join(repr(a) for a in get_args(annotation))
    pattern = next((m.pattern for m in info.metadata if getattr(m, "pattern", None)), None)
    kinds = {str: "text", int: "an integer", float: "a number", bool: "true or false"}
    if annotation in kinds:
        if pattern in PATTERN_HELP:
            return f"; expected {PATTERN_HELP[pattern]}"
        return f"; expected {kinds[annotation]}" + (f" matching {pattern}" if pattern else "")
    if get_origin(annotation) is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return "; expected a mapping"
    return "; expected a list" if get_origin(annotation) is tuple else ""
