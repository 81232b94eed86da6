"""When the template gains or loses a section, an existing doc follows it before the regions are merged.

A region the template now has and the doc lacks is inserted after the region that precedes it in the template,
together with the template's own text between the two (the new section's heading and prose). A region the
template no longer has is removed (its body is generated; nobody wrote it), Seq sections of work items
excepted. Text a person wrote outside the markers is kept byte for byte, and each change is reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from docgen.output.regions import Region, Text, parse

KEPT = re.compile(r"^seq-\d{3,}$")  # a work item's record: written once, never dropped


def upgrade(existing: str, fresh: str, *, source: str) -> tuple[str, list[str]]:
    """`existing` with the template's new regions added and its dropped ones removed; and what changed."""
    doc, template = parse(existing, source=source), parse(fresh, source="the template")
    wanted = [r.name for r in template.regions]
    notes: list[str] = []
    text = existing
    for name in [r.name for r in doc.regions if r.name not in wanted and not KEPT.fullmatch(r.name)]:
        text = _remove(text, name, source)
        notes.append(f"removed region '{name}' (the template no longer has it)")
    for index, name in enumerate(wanted):
        if parse(text, source=source).region(name) is not None:
            continue
        if index == 0:
            continue  # nothing to anchor it to: the merge names it as missing
        text = _insert_after(text, fresh, wanted[index - 1], name, source)
        notes.append(f"added region '{name}' (new in the template) after '{wanted[index - 1]}'")
    text, retitled = _retitle(text, fresh)
    if retitled:
        notes.append(retitled)
    return text, notes


TITLE = re.compile(r"\A# Infrastructure Design: (\S+)\n")


def _retitle(text: str, fresh: str) -> tuple[str, str]:
    """The template's title names the project: a doc whose first line is that title for another project (the
    spec's project was renamed, or DESIGN_FILE names another design) takes the new name. A title a person
    changed in any other way is theirs and stays."""
    old, new = TITLE.match(text), TITLE.match(fresh)
    if old is None or new is None or old.group(1) == new.group(1):
        return text, ""
    return new.group(0) + text[old.end() :], f"title names project '{new.group(1)}' (was '{old.group(1)}')"


def _remove(text: str, name: str, source: str) -> str:
    doc = parse(text, source=source)
    return "".join(s.text if isinstance(s, Text) else ("" if s.name == name else s.raw) for s in doc.segments)


def _insert_after(text: str, fresh: str, previous: str, name: str, source: str) -> str:
    """Insert region `name` with its heading where the template has it: after `previous` and the template's
    text that follows `previous` (the rest of that section), before what follows in the doc."""
    doc = parse(text, source=source)
    if doc.region(previous) is None:
        return text
    between, region, following = _template_parts(parse(fresh, source="the template").segments, previous, name)
    lines = between.splitlines(keepends=True)
    heading = max((i for i, line in enumerate(lines) if line.startswith("#")), default=len(lines))
    before, own = (
        "".join(lines[:heading]),
        "".join(lines[heading:]),
    )  # the rest of the last section; the new one's
    out: list[str] = []
    segments = list(doc.segments)
    for i, segment in enumerate(segments):
        out.append(segment.text if isinstance(segment, Text) else segment.raw)
        if not (isinstance(segment, Region) and segment.name == previous):
            continue
        after = segments[i + 1] if i + 1 < len(segments) and isinstance(segments[i + 1], Text) else None
        if after is not None and after.text.startswith(before):
            rest = after.text[len(before) :]
            segments[i + 1] = Text(rest, after.line)
            gap = max(
                0, _blank_lead(following) - _blank_lead(rest)
            )  # the template's spacing after the region
            out.append(before + own + region + "\n" * gap)
        else:  # the text after it was edited by hand: the new section goes right after the region
            out.append(between + region)
    return "".join(out)


def _template_parts(segments: Sequence[Text | Region], previous: str, name: str) -> tuple[str, str, str]:
    """The template's text between `previous` and `name`, the raw region `name`, and the text after it."""
    started, between = False, []
    for i, segment in enumerate(segments):
        if isinstance(segment, Region) and segment.name == name and started:
            after = segments[i + 1] if i + 1 < len(segments) else None
            return "".join(between), segment.raw, after.text if isinstance(after, Text) else ""
        if started:
            between.append(segment.text if isinstance(segment, Text) else segment.raw)
        if isinstance(segment, Region) and segment.name == previous:
            started = True
    return "", "", ""


def _blank_lead(text: str) -> int:
    return len(text) - len(text.lstrip("\n"))
