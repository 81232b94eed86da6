"""Which sections of the design doc a change rewrites: both assemblies rendered with the same template, their
generated regions compared body by body, each named by the heading it sits under."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from docgen.output import regions

HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*$")


@dataclass(frozen=True)
class SectionChange:
    region: str
    heading: str  # the nearest Markdown heading above the region's begin marker
    change: str  # added | removed | changed
    lines_added: int
    lines_removed: int


def headings(text: str) -> dict[str, str]:
    """Region name -> the nearest heading above its begin marker (inside earlier regions too)."""
    out: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        found = HEADING.match(line)
        if found:
            current = found.group("title")
        elif line.startswith(regions.BEGIN_PREFIX):
            name = line.removeprefix(f"{regions.BEGIN_PREFIX}: ").split(" ", 1)[0]
            out.setdefault(name, current)
    return out


def diff(base_doc: str, head_doc: str) -> list[SectionChange]:
    """The regions whose bodies differ, in the order of the changed doc (removed ones last)."""
    old = regions.region_bodies(base_doc, "base doc")
    new = regions.region_bodies(head_doc, "changed doc")
    titles = {**headings(base_doc), **headings(head_doc)}
    out = []
    for name in [*new, *(n for n in old if n not in new)]:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        lines = list(difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(), lineterm="", n=0))
        added = sum(1 for x in lines[2:] if x.startswith("+"))
        removed = sum(1 for x in lines[2:] if x.startswith("-"))
        out.append(SectionChange(name, titles.get(name, ""), change, added, removed))
    return out
