"""Checks a doc against its source map (`<doc>.sources.json`) without importing docgen.

For every fact the map records: its text is where the map says in the doc (table cell, paragraph, list item,
checklist line, diagram label), and each of its sources still holds: re-read from the template, manifest,
data file or generated file, the value at the pointer is the recorded one. And the other way round: every
cell of every table in the doc's generated regions is in the map with at least one source.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

BEGIN = re.compile(r"^<!-- BEGIN GENERATED: (?P<name>[a-z0-9][a-z0-9._-]*) sha256=[0-9a-f]{12} -->")
END = re.compile(r"^<!-- END GENERATED: (?P<name>[a-z0-9][a-z0-9._-]*) -->")
MISSING = object()


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    facts: int = 0
    cells: int = 0
    sources: int = 0

    def fail(self, text: str) -> None:
        self.problems.append(text)


def regions(markdown: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current: str | None = None
    for line in markdown.splitlines():
        if (m := BEGIN.match(line)) is not None:
            current = m.group("name")
            out[current] = []
        elif END.match(line):
            current = None
        elif current is not None:
            out[current].append(line)
    return out


def split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [c.strip() for c in cells]


def tables(lines: list[str]) -> list[list[list[str]]]:
    """The tables of a region, in order: rows of cells (header and separator left out)."""
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"^\|(-+\|)+$", lines[i + 1].strip()):
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(split_row(lines[i]))
                i += 1
            out.append(rows)
        else:
            i += 1
    return out


def pointer(data: Any, path: str) -> Any:
    if path in ("", "/"):
        return data
    for raw in path.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return MISSING
    return data


def same(recorded: Any, found: Any) -> bool:
    """A recorded value of None means "this is there" (a price row, a figure): the pointer must exist.
    A large value is recorded as {"sha256": ...} of its canonical JSON (sorted keys, no spaces)."""
    if recorded is None:
        return found is not MISSING
    if isinstance(recorded, dict) and set(recorded) == {"sha256"} and found is not MISSING:
        canonical = json.dumps(found, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest() == recorded["sha256"]
    if recorded == found:
        return True
    try:  # numbers recorded as text (Decimal prices) against YAML numbers, dates as ISO text
        return Decimal(str(recorded)) == Decimal(str(found))
    except (InvalidOperation, ValueError):
        return str(recorded) == str(found)


class Files:
    """Reads each source file once: assembly files under cdk.out, data files and generated files."""

    def __init__(self, cdk_out: Path, repo: Path, generated: Path | None) -> None:
        self.cdk_out, self.repo, self.generated = cdk_out, repo, generated
        self.cache: dict[Path, Any] = {}

    def load(self, kind: str, name: str) -> Any:
        if kind in ("template", "resource", "keys", "manifest"):
            path = self.cdk_out / name
        elif kind == "generated":
            path = (self.generated or self.repo / "generated") / Path(name).name
        else:
            path = self.repo / name
        if path not in self.cache:
            if not path.exists():
                self.cache[path] = MISSING
            else:
                text = path.read_text(encoding="utf-8")
                self.cache[path] = (
                    yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
                )
        return self.cache[path]

    def count(self, env: str, cfn_type: str) -> int:
        """Resources of a type in a stage, counted from the stage's manifest and templates."""
        total = 0
        for manifest in self.cdk_out.rglob("manifest.json"):
            data = self.load("manifest", str(manifest.relative_to(self.cdk_out)))
            for artifact in data.get("artifacts", {}).values():
                if artifact.get("type") != "aws:cloudformation:stack":
                    continue
                display = str(artifact.get("displayName", ""))
                # a stack in no Stage (no "/" in its display name) is in the app's one environment, "app"
                if (display.split("/")[0] if "/" in display else "app") != env:
                    continue
                template = manifest.parent / artifact["properties"]["templateFile"]
                tpl = self.load("template", str(template.relative_to(self.cdk_out)))
                total += sum(1 for r in tpl.get("Resources", {}).values() if r.get("Type") == cfn_type)
        return total


def check_source(files: Files, source: list[Any], report: Report) -> None:
    kind, name, path, value = source
    report.sources += 1
    if kind == "file":  # a file the doc links to (or says is not written yet), relative to the repository
        found = "exists" if (files.repo / name).is_file() else "missing"
        if found != value:
            report.fail(f"file {name}: map says {value!r}, the repository says {found!r}")
        return
    if kind == "count":
        env, _, cfn_type = path.partition(":")
        found: Any = files.count(env, cfn_type)
    else:
        data = files.load(kind, name)
        if data is MISSING:
            report.fail(f"source file {kind} {name} does not exist")
            return
        found = pointer(data, path)
        if kind == "keys":
            found = len(found) if isinstance(found, dict) else MISSING
            if value is None:  # "this template has resources" (its count is not what was printed)
                value = found
        if kind == "resource":
            if found is MISSING:
                report.fail(f"{name}{path}: the resource is not in the template")
            return
    if not same(value, found):
        report.fail(f"{kind} {name}{path}: map says {value!r}, the file says {found!r}")


def plain(text: str) -> str:
    return html.unescape(text.replace("<br/>", " / ").replace("#quot;", '"').replace("#35;", "#"))


def check(doc: Path, cdk_out: Path, repo: Path, generated: Path | None) -> Report:
    """The doc and each companion file it links to (`<stem>-<name>.md`), each against its own map."""
    report = Report()
    _check_one(doc, cdk_out, repo, generated, report)
    text = doc.read_text(encoding="utf-8")
    for name in dict.fromkeys(re.findall(r"\]\((" + re.escape(doc.stem) + r"-[\w.-]+\.md)\)", text)):
        companion = doc.with_name(name)
        if not companion.is_file():
            report.fail(f"{doc.name} links to {name}, which does not exist")
            continue
        _check_one(companion, cdk_out, repo, generated, report)
    return report


def _check_one(doc: Path, cdk_out: Path, repo: Path, generated: Path | None, report: Report) -> None:
    data = json.loads((doc.with_name(doc.stem + ".sources.json")).read_text())
    sources = data["sources"]
    body = regions(doc.read_text(encoding="utf-8"))
    parsed = {name: tables(lines) for name, lines in body.items()}
    files = Files(cdk_out, repo, generated)
    seen: set[tuple[str, int, int, int]] = set()
    for fact in data["facts"]:
        report.facts += 1
        region = body.get(fact["region"])
        if region is None:
            report.fail(f"fact in region {fact['region']!r}, which the doc does not have")
            continue
        text = "\n".join(region)
        if fact["kind"] == "cell":
            key = (fact["region"], fact["table"], fact["row"], fact["column"])
            seen.add(key)
            try:
                shown = parsed[fact["region"]][fact["table"]][fact["row"]][fact["column"]]
            except IndexError:
                report.fail(f"{key}: no such cell in the doc")
                continue
            if shown != fact["text"]:
                report.fail(f"{key}: the doc shows {shown!r}, the map {fact['text']!r}")
        elif fact["kind"] == "diagram":
            if not all(part.strip() in plain(text) for part in fact["text"].split(" / ")):
                report.fail(f"{fact['region']}: diagram label {fact['text']!r} is not in its Mermaid block")
        elif fact["text"] not in text:
            report.fail(f"{fact['region']}: {fact['kind']} {fact['text'][:80]!r} is not in the region")
        if not fact["sources"]:
            report.fail(f"{fact['region']}/{fact['kind']} {fact['text'][:60]!r}: no source")
        for index in fact["sources"]:
            check_source(files, sources[index], report)
    for name, tabs in parsed.items():
        if name.startswith("seq-"):
            continue  # a work item's record, written once and kept as it was
        for t, rows in enumerate(tabs):
            for r, row in enumerate(rows):
                for c in range(len(row)):
                    report.cells += 1
                    if (name, t, r, c) not in seen:
                        report.fail(
                            f"{name} table {t} row {r} column {c} ({row[c][:40]!r}) is not in the map"
                        )
