"""The generated-region marker format of design docs: parsing, verifying and merging regions as pure text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from docgen.errors import MarkerError

NAME_PATTERN = r"[a-z0-9][a-z0-9._-]*"
BEGIN_PREFIX = "<!-- BEGIN GENERATED"
END_PREFIX = "<!-- END GENERATED"
BEGIN_SYNTAX = "'<!-- BEGIN GENERATED: <name> sha256=<12 hex digits> -->'"
END_SYNTAX = "'<!-- END GENERATED: <name> -->'"

_NAME = re.compile(NAME_PATTERN)
# The checksum is optional so a person can place an empty placeholder pair for a new region by hand.
_BEGIN = re.compile(
    rf"<!-- BEGIN GENERATED: (?P<name>{NAME_PATTERN})(?: sha256=(?P<checksum>[0-9a-f]{{12}}))? -->[ \t]*"
)
_END = re.compile(rf"<!-- END GENERATED: (?P<name>{NAME_PATTERN}) -->[ \t]*")


@dataclass(frozen=True)
class Text:
    """Hand-written text between regions, exactly as in the document (CRLF and all)."""

    text: str
    line: int  # 1-based line of its first character


@dataclass(frozen=True)
class Region:
    """One generated region: its markers, its body and whether the body is still what was generated."""

    name: str
    body: str  # exactly as in the document: everything between the two marker lines
    checksum: str | None  # as stored in the begin marker; None for a hand-placed placeholder
    line: int  # 1-based line of the begin marker
    end_line: int  # 1-based line of the end marker
    raw: str  # begin marker through the end marker's line ending, byte for byte

    @property
    def intact(self) -> bool:
        """True when nobody edited the body since it was generated (a placeholder must be blank)."""
        if self.checksum is None:
            return not self.body.strip()
        return self.checksum == checksum(self.body)


Segment = Text | Region


@dataclass(frozen=True)
class Document:
    """A parsed document: its segments in order; concatenating them gives back the exact input."""

    source: str
    segments: tuple[Segment, ...]

    @property
    def regions(self) -> tuple[Region, ...]:
        return tuple(s for s in self.segments if isinstance(s, Region))

    def region(self, name: str) -> Region | None:
        return next((r for r in self.regions if r.name == name), None)

    @property
    def text(self) -> str:
        return "".join(s.text if isinstance(s, Text) else s.raw for s in self.segments)


@dataclass(frozen=True)
class _Marker:
    kind: str  # "begin" or "end"
    name: str
    checksum: str | None
    line: int


def normalize_body(body: str) -> str:
    """The text the checksum covers: LF line ends, no trailing whitespace at the very end."""
    return body.replace("\r\n", "\n").rstrip()


def checksum(body: str) -> str:
    """The first 12 hex digits of the sha256 of the normalized body."""
    return hashlib.sha256(normalize_body(body).encode("utf-8")).hexdigest()[:12]


def canonical_body(body: str) -> str:
    """The body as render_region writes it (LF form): no trailing blanks on any line, one final newline."""
    # Trailing blanks are stripped per line so pre-commit's trailing-whitespace hook never changes a region.
    lines = body.replace("\r\n", "\n").split("\n")
    stripped = "\n".join(line.rstrip(" \t\r") for line in lines).rstrip()
    return stripped + "\n" if stripped else ""


def dominant_newline(text: str) -> str:
    """CRLF if most line ends in text are CRLF, else LF (also for text without line ends)."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf > text.count("\n") - crlf else "\n"


def _split_lines(text: str) -> list[str]:
    # Only "\n" ends a line: str.splitlines would also split on \x0c, \u2028 etc. and shift line numbers.
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _content(line: str) -> str:
    return line.removesuffix("\n").removesuffix("\r")


def _read_marker(line: str, number: int, source: str) -> _Marker | None:
    content = _content(line)
    if content.startswith(BEGIN_PREFIX):
        match = _BEGIN.fullmatch(content)
        if match is None:
            raise MarkerError(
                f"{source}: malformed begin marker at line {number}; expected {BEGIN_SYNTAX}"
                f" with <name> matching {NAME_PATTERN}"
            )
        return _Marker("begin", match["name"], match["checksum"], number)
    if content.startswith(END_PREFIX):
        match = _END.fullmatch(content)
        if match is None:
            raise MarkerError(
                f"{source}: malformed end marker at line {number}; expected {END_SYNTAX}"
                f" with <name> matching {NAME_PATTERN}"
            )
        return _Marker("end", match["name"], None, number)
    return None


def _later_begin(lines: list[str], start: int, name: str) -> int | None:
    for index in range(start, len(lines)):
        match = _BEGIN.fullmatch(_content(lines[index]))
        if match is not None and match["name"] == name:
            return index + 1
    return None


def _check_begin(marker: _Marker, open_begin: _Marker | None, seen: Mapping[str, int], source: str) -> None:
    if open_begin is not None:
        raise MarkerError(
            f"{source}: begin marker for '{marker.name}' at line {marker.line} is inside region"
            f" '{open_begin.name}' opened at line {open_begin.line}; regions cannot nest"
        )
    if marker.name in seen:
        raise MarkerError(
            f"{source}: region '{marker.name}' at line {marker.line} duplicates region '{marker.name}'"
            f" at line {seen[marker.name]}; region names must be unique"
        )


def _check_end(marker: _Marker, open_begin: _Marker | None, lines: list[str], source: str) -> _Marker:
    if open_begin is None:
        later = _later_begin(lines, marker.line, marker.name)
        where = f"comes before its begin marker at line {later}" if later else "has no begin marker above it"
        raise MarkerError(f"{source}: end marker for '{marker.name}' at line {marker.line} {where}")
    if marker.name != open_begin.name:
        raise MarkerError(
            f"{source}: end marker for '{marker.name}' at line {marker.line} does not close region"
            f" '{open_begin.name}' opened at line {open_begin.line};"
            f" expected '<!-- END GENERATED: {open_begin.name} -->'"
        )
    return open_begin


def parse(text: str, *, source: str) -> Document:
    """Split text into hand-written text and generated regions; MarkerError on any marker problem."""
    lines = _split_lines(text)
    segments: list[Segment] = []
    seen: dict[str, int] = {}
    open_begin: _Marker | None = None
    text_start = 0  # index of the first line not yet in a segment
    for index, line in enumerate(lines):
        marker = _read_marker(line, index + 1, source)
        if marker is None:
            continue
        if marker.kind == "begin":
            _check_begin(marker, open_begin, seen, source)
            seen[marker.name] = marker.line
            if index > text_start:
                segments.append(Text("".join(lines[text_start:index]), text_start + 1))
            open_begin, text_start = marker, index
            continue
        begin = _check_end(marker, open_begin, lines, source)
        body = "".join(lines[begin.line : index])
        raw = "".join(lines[begin.line - 1 : index + 1])
        segments.append(Region(begin.name, body, begin.checksum, begin.line, marker.line, raw))
        open_begin, text_start = None, index + 1
    if open_begin is not None:
        raise MarkerError(
            f"{source}: begin marker for '{open_begin.name}' at line {open_begin.line} has no end marker;"
            f" add '<!-- END GENERATED: {open_begin.name} -->' after its body"
        )
    if text_start < len(lines):
        segments.append(Text("".join(lines[text_start:]), text_start + 1))
    return Document(source, tuple(segments))


def region_names(text: str, *, source: str = "<document>") -> list[str]:
    """The names of the regions in text, in document order."""
    return [region.name for region in parse(text, source=source).regions]


def render_region(name: str, body: str, newline: str = "\n") -> str:
    """Both markers around the canonical body, ending with a newline; every line end is `newline`."""
    if not _NAME.fullmatch(name):
        raise MarkerError(f"invalid region name '{name}': names must match {NAME_PATTERN}")
    if newline not in ("\n", "\r\n"):
        raise ValueError(f"newline must be LF or CRLF, not {newline!r}")
    canonical = canonical_body(body)
    for number, line in enumerate(canonical.split("\n"), start=1):
        if line.startswith((BEGIN_PREFIX, END_PREFIX)):
            raise MarkerError(
                f"generated body of region '{name}' has a marker at its line {number};"
                " bodies cannot contain markers"
            )
    text = (
        f"<!-- BEGIN GENERATED: {name} sha256={checksum(canonical)} -->\n"
        f"{canonical}"
        f"<!-- END GENERATED: {name} -->\n"
    )
    return text.replace("\n", newline)


def _check_unknown(document: Document, generated: Mapping[str, str], force: bool) -> None:
    for region in document.regions:
        if region.name not in generated and not force:
            known = ", ".join(generated) or "none"
            raise MarkerError(
                f"{document.source}: region '{region.name}' at line {region.line} is not produced by the"
                f" generator: delete its markers or rename it (generated regions: {known})"
            )


def _canonical_order(generated: Mapping[str, str], order: Sequence[str] | None) -> list[str]:
    listed = [name for name in (order or ()) if name in generated]
    return listed + [name for name in generated if name not in listed]


def _missing_message(name: str, sequence: list[str]) -> str:
    index = sequence.index(name)
    if index > 0:
        return f"missing marker for region '{name}': expected after region '{sequence[index - 1]}'"
    if len(sequence) > 1:
        return f"missing marker for region '{name}': expected before region '{sequence[1]}'"
    return f"missing marker for region '{name}'"


def _check_missing(document: Document, sequence: list[str]) -> None:
    present = {region.name for region in document.regions}
    messages = [_missing_message(name, sequence) for name in sequence if name not in present]
    if messages:
        raise MarkerError(f"{document.source}: " + "; ".join(messages))


def _check_order(document: Document, sequence: list[str]) -> None:
    rank = {name: index for index, name in enumerate(sequence)}
    placed = [region for region in document.regions if region.name in rank]
    for first, second in pairwise(placed):
        if rank[first.name] > rank[second.name]:
            raise MarkerError(
                f"{document.source}: region '{first.name}' at line {first.line} comes before region"
                f" '{second.name}' at line {second.line}; expected order: {', '.join(sequence)}"
            )


def _check_edits(document: Document, generated: Mapping[str, str]) -> None:
    for region in document.regions:
        if region.name in generated and not region.intact:
            raise MarkerError(
                f"{document.source}: region '{region.name}' at line {region.line} was edited by hand;"
                " move your text outside the markers or rerun with --force"
            )


def _merged(segment: Segment, generated: Mapping[str, str], newline: str) -> str:
    if isinstance(segment, Text):
        return segment.text
    if segment.name not in generated:
        return segment.raw  # only reachable with force: an unknown region is kept as it is
    rendered = render_region(segment.name, generated[segment.name], newline)
    # A document ending right after the end marker, without a newline, keeps ending that way.
    return rendered if segment.raw.endswith("\n") else rendered.removesuffix(newline)


def merge(
    existing: str,
    generated: Mapping[str, str],
    *,
    source: str,
    force: bool = False,
    order: Sequence[str] | None = None,
) -> str:
    """Existing with each region body replaced by the generated one; text outside is kept byte for byte."""
    document = parse(existing, source=source)
    sequence = _canonical_order(generated, order)
    _check_unknown(document, generated, force)
    _check_missing(document, sequence)
    if order is not None:
        _check_order(document, sequence)
    if not force:
        _check_edits(document, generated)
    newline = _document_newline(document, existing)
    return "".join(_merged(segment, generated, newline) for segment in document.segments)


def document_newline(existing: str, *, source: str) -> str:
    """The line end merge writes regions with: the dominant one of the text outside the regions (which merge
    never changes, so merging twice gives the same document), or of the whole document when that text has none."""
    return _document_newline(parse(existing, source=source), existing)


def _document_newline(document: Document, existing: str) -> str:
    outside = "".join(s.text for s in document.segments if isinstance(s, Text))
    return dominant_newline(outside if "\n" in outside else existing)


def compose(parts: Sequence[str | tuple[str, str]]) -> str:
    """A brand-new document from literal text and (name, body) regions, in the given order."""
    newline = dominant_newline("".join(part for part in parts if isinstance(part, str)))
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        so_far = "".join(pieces)
        if so_far and not so_far.endswith("\n"):
            pieces.append(newline)  # a marker must start its own line
        pieces.append(render_region(part[0], part[1], newline))
    text = "".join(pieces)
    parse(text, source="<composed document>")  # duplicate names or markers hidden in the literal text
    return text


def _ends_with_blank_line(text: str) -> bool:
    last = _content(_split_lines(text)[-1])
    return not last.strip()


def append_region(
    existing: str, name: str, body: str, heading: str | None = None, *, source: str = "<document>"
) -> str:
    """Existing with a new region appended after a blank line, optionally under a heading line."""
    found = parse(existing, source=source).region(name)
    if found is not None:
        raise MarkerError(f"{source}: region '{name}' already exists at line {found.line}")
    if heading is not None and ("\n" in heading or "\r" in heading):
        raise ValueError(f"heading must be one line, got {heading!r}")
    newline = dominant_newline(existing)
    text = existing
    if text and not text.endswith("\n"):
        text += newline
    if text and not _ends_with_blank_line(text):
        text += newline
    if heading is not None:
        text += heading + newline + newline
    return text + render_region(name, body, newline)


def region_bodies(text: str, source: str) -> dict[str, str]:
    """Region name -> body of a rendered document (the input of merge); broken markers fail here."""
    return {r.name: r.body for r in parse(text, source=source).regions}
