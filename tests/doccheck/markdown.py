"""The design doc as the checker sees it: generated regions, headings, pipe tables, Mermaid blocks, checklist.

Written from the template's side (design-templates/), never from docgen's code: a region is the text between
`<!-- BEGIN GENERATED: name ... -->` and `<!-- END GENERATED: name -->`; a table is a run of `|` lines whose
second line is the `|---|` separator; a Mermaid block is a ```mermaid fence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

BEGIN = re.compile(r"<!--\s*BEGIN GENERATED:\s*([\w:.-]+)[^>]*-->")
END = re.compile(r"<!--\s*END GENERATED:\s*([\w:.-]+)\s*-->")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
CHECK_ITEM = re.compile(r"^\s*[-*]\s+\[([ xX])\]\s+(.*?)\s*$")


@dataclass
class Table:
    """A pipe table: its header cells, its rows (each a dict by header), and where it is in the doc."""

    headers: list[str]
    rows: list[dict[str, str]]
    region: str
    headings: tuple[str, ...]  # the headings above it, outermost first
    line: int

    @property
    def heading(self) -> str:
        return self.headings[-1] if self.headings else ""

    def column(self, *words: str) -> str | None:
        """The first header containing every word (case-insensitive), or None."""
        for h in self.headers:
            if all(w.lower() in h.lower() for w in words):
                return h
        return None

    def where(self) -> str:
        return f"{' > '.join(self.headings) or self.region} (table at line {self.line})"


@dataclass
class Mermaid:
    text: str
    region: str
    headings: tuple[str, ...]
    line: int

    def labels(self) -> list[str]:
        """Every node label, `<br/>` turned into newlines (nodes like `id["a<br/>b"]` or `id(["a"])`)."""
        found = re.findall(r'\w+\s*[\[({]+"(.*?)"[\])}]+', self.text)
        return [re.sub(r"<br\s*/?>", "\n", label) for label in found]


@dataclass
class CheckItem:
    ticked: bool
    label: str
    evidence: str
    line: int


class Paragraph(NamedTuple):
    region: str
    text: str
    line: int
    headings: tuple[str, ...]


@dataclass
class Doc:
    text: str
    regions: dict[str, str] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    mermaids: list[Mermaid] = field(default_factory=list)
    checklist: list[CheckItem] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)

    def tables_with(self, *columns: str, region: str | None = None) -> list[Table]:
        """Tables whose header row has every column named (each a case-insensitive substring of a header)."""
        out = []
        for t in self.tables:
            if region is not None and t.region != region:
                continue
            if all(t.column(c) is not None for c in columns):
                out.append(t)
        return out


def split_row(line: str) -> list[str]:
    """Cells of a pipe-table line; `\\|` is a literal bar inside a cell."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [c.strip().replace("\\|", "|") for c in cells]


def parse(text: str) -> Doc:
    doc = Doc(text=text)
    lines = text.splitlines()
    region = ""
    region_start = 0
    headings: list[tuple[int, str]] = []
    paragraph: list[str] = []
    i = 0

    def flush(at: int) -> None:
        if paragraph:  # region "" for the template's own prose, outside generated regions
            text = " ".join(paragraph)
            doc.paragraphs.append(
                Paragraph(region, text, at - len(paragraph) + 1, tuple(h for _, h in headings))
            )
        paragraph.clear()

    while i < len(lines):
        line = lines[i]
        if m := BEGIN.search(line):
            flush(i)
            region, region_start = m.group(1), i + 1
        elif m := END.search(line):
            flush(i)
            doc.regions[m.group(1)] = "\n".join(lines[region_start:i])
            region = ""
        elif m := HEADING.match(line):
            flush(i)
            level = len(m.group(1))
            headings = [h for h in headings if h[0] < level] + [(level, m.group(2))]
        elif line.strip().startswith("```mermaid"):
            flush(i)
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"), len(lines))
            doc.mermaids.append(
                Mermaid("\n".join(lines[i + 1 : end]), region, tuple(h for _, h in headings), i + 1)
            )
            i = end
        elif line.strip().startswith("```"):
            flush(i)
            i = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("```")), len(lines))
        elif line.lstrip().startswith("|") and i + 1 < len(lines) and SEPARATOR.match(lines[i + 1].strip()):
            flush(i)
            headers = split_row(line)
            j = i + 2
            rows = []
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                cells = split_row(lines[j])
                rows += expand({h: (cells[k] if k < len(cells) else "") for k, h in enumerate(headers)})
                j += 1
            doc.tables.append(Table(headers, rows, region, tuple(h for _, h in headings), i + 1))
            i = j - 1
        elif m := CHECK_ITEM.match(line):
            flush(i)
            label, _, evidence = m.group(2).partition(": ")
            doc.checklist.append(CheckItem(m.group(1).lower() == "x", label.strip(), evidence.strip(), i + 1))
        elif line.strip():
            paragraph.append(line.strip())
        else:
            flush(i)
        i += 1
    flush(len(lines))
    return doc


def expand(row: dict[str, str]) -> list[dict[str, str]]:
    """A row for several environments (`Environment` cell `staging, prod`) as one row per environment: a cell
    that differs gives each its value on lines starting `staging: `, `prod: ` (the template's convention)."""
    column = next((h for h in row if h.strip().lower() == "environment"), None)
    names = [n.strip() for n in row[column].split(",")] if column else []
    if len(names) < 2:
        return [row]
    out = []
    for name in names:
        mine = {}
        for header, cell in row.items():
            mine[header] = name if header == column else env_value(cell, names, name)
        out.append(mine)
    return out


def env_value(cell: str, names: list[str], name: str) -> str:
    """The part of a merged cell for one environment: the lines after `name: ` up to the next environment's."""
    parts = re.split(r"<br\s*/?>", cell)
    starts = re.compile(r"^\s*(" + "|".join(re.escape(n) for n in names) + r"): (.*)$")
    if not parts or not starts.match(parts[0]):
        return cell  # the same in every environment
    blocks: dict[str, list[str]] = {}
    current = ""
    for part in parts:
        if m := starts.match(part):
            current = m.group(1)
            blocks.setdefault(current, []).append(m.group(2))
        else:
            blocks.setdefault(current, []).append(part)
    return "<br>".join(blocks.get(name, []))


def cell_lines(cell: str) -> list[str]:
    """A cell's lines: docgen-independent `<br>` split."""
    return [part.strip() for part in re.split(r"<br\s*/?>", cell) if part.strip()]
