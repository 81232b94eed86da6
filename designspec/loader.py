"""Reads a design YAML file into a validated Design, turning every problem into one SpecError line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from designspec.errors import SpecError, format_loc
from designspec.model import Design
from designspec.references import check_references

Loc = tuple[str | int, ...]


def load_design(path: str | Path) -> Design:
    """Load and validate `path`; raise SpecError naming file, field path, line, value and what is allowed."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(file, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(file, "", f"cannot read: {exc}") from None
    return parse_design(text, file)


def parse_design(text: str, file: str = "<design>") -> Design:
    data, lines = _read_yaml(text, file)
    try:
        design = Design.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, file, lines) from None
    check_references(design, file, lambda loc: _line_of(lines, loc))
    return design


# --- YAML with positions -------------------------------------------------------------------------


def _read_yaml(text: str, file: str) -> tuple[Any, dict[Loc, int]]:
    if not text.strip():
        raise SpecError(
            file, "", "the file is empty; expected a mapping with at least 'project' and 'environments'"
        )
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(file, "", f"YAML syntax error: {problem}", mark.line + 1 if mark else None) from None
    if node is None:
        raise SpecError(file, "", "the file holds no document; expected a mapping")
    lines: dict[Loc, int] = {}
    _index(node, (), lines, file)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise SpecError(file, "", f"the top level is a {type(data).__name__}; expected a mapping", 1)
    return data, lines


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int], file: str) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise SpecError(
                    file,
                    format_loc((*loc, key)),
                    f"duplicate key (first at line {seen[key]}); keys must be unique",
                    line,
                )
            seen[key] = line
            _index(value_node, (*loc, key), lines, file)
            lines[(*loc, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), lines, file)


def _line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, or of its nearest ancestor the YAML has."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


# --- pydantic errors -> one line -----------------------------------------------------------------


def _first_error(exc: ValidationError, file: str, lines: dict[Loc, int]) -> SpecError:
    err = exc.errors(include_url=False)[0]
    loc: Loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    value = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(sorted(_fields_at(loc[:-1])))
        message = f"unknown key '{loc[-1]}'; allowed keys: {allowed}"
    elif kind == "missing":
        message = "required field is missing"
    elif kind == "literal_error":
        message = f"{value!r} is not allowed; expected {err['ctx']['expected']}"
    elif kind == "string_pattern_mismatch":
        message = f"{value!r} does not match the pattern {err['ctx']['pattern']}"
    else:
        message = f"{_short(value)} is invalid: {err['msg']}"
    return SpecError(file, format_loc(loc), message, _line_of(lines, loc))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
