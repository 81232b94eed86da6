"""The one exception root of the spec package: a bad design is a SpecError with a one-line, sanitized message."""

from __future__ import annotations

import math
import re
from typing import Any

VALUE_LIMIT = 80  # characters of a quoted value shown in a message
KEY_LIMIT = 40  # characters of a mapping key shown in a field path
PATH_LIMIT = 200  # characters of a field path (a path 30 levels deep is cut)
LINE_LIMIT = 1000  # the whole message, a last guard: a message is read on one terminal line or two

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class SpecError(Exception):
    """A design spec that cannot be used: names the file, the field path, the line, the value and what is allowed.

    Every part is sanitized here, whatever the caller passed: control and other non-printable characters are
    escaped, so the message is always exactly one line and never drives the terminal (ANSI escapes)."""

    exit_code = 2

    def __init__(self, file: str, path: str, message: str, line: int | None = None) -> None:
        self.file = clean(file)
        self.path = cut(clean(path), PATH_LIMIT)
        self.line = line
        self.message = clean(message)
        where = f"{self.file}:{line}" if line else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        super().__init__(cut(text, LINE_LIMIT))


def clean(text: str) -> str:
    """`text` with every non-printable character (newline, tab, ESC, bidi controls, ...) written as an escape."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown(value: Any, limit: int = VALUE_LIMIT) -> str:
    """A value as a message quotes it, YAML-like: strings repr-quoted (which escapes control characters), `true`,
    `null`, `.inf`; cut to about `limit` characters, so a 10 kB value never makes a 10 kB message."""
    if isinstance(value, str):
        text = repr(value[:limit])  # never repr a megabyte to show 80 characters of it
        if len(value) <= limit and len(text) <= limit + 2:
            return text
        return text[: limit - 2] + "..." + text[-1]  # keep the closing quote
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, dict):
        return cut("a mapping {" + ", ".join(shown(k, 20) for k in list(value)[:4]) + "}", limit)
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item(s)"
    return cut(clean(repr(value)), limit)


def format_loc(loc: tuple[str | int, ...]) -> str:
    """`("services", 2, "port")` -> `services[2].port`: the field path as a person would write it.

    Keys that are not plain names (a space, a quote, a newline, 300 characters) are shown quoted and cut."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part) and len(part) <= KEY_LIMIT:
            out += f".{part}" if out else part
        else:
            out += f"[{shown(part, KEY_LIMIT)}]"
    return out


UNEXPECTED_EXIT = 3


class SettingError(ValueError):
    """A bad setting from the environment (SYNTH_WORKERS, GUARD_WORKERS): one line naming it and what is allowed."""


def env_count(name: str, default: int) -> int:
    """A whole number of 1 or more from environment variable `name` (unset or empty: `default`)."""
    import os

    value = os.environ.get(name) or ""
    if not value:
        return default
    if not value.isdecimal() or int(value) < 1:
        raise SettingError(
            f"{name}={clean(cut(value, 40))!r} is not a number of processes (a whole number, 1 or more)"
        )
    return int(value)


def report_unexpected(exc: BaseException, doing: str, log_prefix: str) -> int:
    """For a command line: one line on stderr, the traceback in a log file; returns exit status 3.

    The convention of docgen/cli.py: a bad spec is exit 2 with its SpecError line, a bug is exit 3 with a log."""
    import sys
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile("w", prefix=log_prefix, suffix=".log", delete=False) as log:
        traceback.print_exception(exc, file=log)
    lines = str(exc).strip().splitlines()
    first = cut(clean(lines[0]), 300) if lines else ""
    print(
        f"error: unexpected {type(exc).__name__} while {doing}: {first}; details in {log.name}",
        file=sys.stderr,
    )
    return UNEXPECTED_EXIT
