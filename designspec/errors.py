"""The one exception root of the spec package: a bad design is a SpecError with a one-line message."""

from __future__ import annotations


class SpecError(Exception):
    """A design spec that cannot be used: names the file, the field path, the line, the value and what is allowed."""

    exit_code = 2

    def __init__(self, file: str, path: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.path = path
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {path}: {message}" if path else f"{where}: {message}")


def format_loc(loc: tuple[str | int, ...]) -> str:
    """`("services", 2, "port")` -> `services[2].port`: the field path as a person would write it."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
