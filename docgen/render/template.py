"""Renders the doc model through the Jinja2 template into Markdown, recording where every fact lands.

The filters print facts (table cells, paragraphs, list items, checklist lines, diagram labels) and tell the
`Recorder` which generated region, table, row and column each went to, with its sources: the source map.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from docgen.errors import DocgenError
from docgen.facts.fact import Fact, Source
from docgen.sections.model import Check, DocModel, Table

TEMPLATE_NAME = "design-doc-template-infrastructure.md"
# The template ships inside the package (design-templates/ at the repository root links to it), so docgen finds
# it from any folder and when installed with pip.
TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / TEMPLATE_NAME
# Companion files: long detail tables a reviewer opens when needed, linked from the doc, generated whole (no
# text of a person's survives in them), checked and source-mapped like the doc. Name -> what it holds.
COMPANIONS = {
    "security": "IAM roles and their permissions, cdk-nag acknowledgements with their reasons",
    "observability": "every alarm with its metric, condition, runbook and topic; the alarm topics",
    "delivery": "the delivery pipeline as a diagram",
    "cost": "cost by AWS service, unpriced resources, usage assumptions, the rates used with their sources",
    "verification": "traceability with constructs and logical ids; availability per request path, SLAs, figures",
    "inventory": "stacks, and every resource no section describes",
}
COMPANION_DIR = TEMPLATE.parent / "companions"


def companion_name(doc_name: str, name: str) -> str:
    """`60-infrastructure.md` -> `60-infrastructure-security.md`."""
    stem = doc_name[: -len(".md")] if doc_name.endswith(".md") else doc_name
    return f"{stem}-{name}.md"


def cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, newlines as <br>."""
    return str(value).replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


@dataclass
class Recorder:
    """Where each fact was printed: region, place (table/row/column, paragraph, item, check, diagram)."""

    region: str = ""
    entries: list[dict[str, Any]] = field(default_factory=list)
    _tables: dict[str, int] = field(default_factory=dict)

    def begin(self, name: str) -> str:
        self.region = name
        return ""

    def add(self, place: dict[str, Any], text: str, sources: Sequence[Source]) -> None:
        self.entries.append({"region": self.region, **place, "text": text, "sources": list(sources)})

    def next_table(self) -> int:
        n = self._tables.get(self.region, 0)
        self._tables[self.region] = n + 1
        return n


def _source_list(fact: Fact) -> Sequence[Source]:
    return fact.sources


def make_filters(rec: Recorder) -> dict[str, Callable[..., str]]:
    def table(tbl: Table, empty: str = "_None in the synthesized templates._") -> str:
        if not tbl.rows:
            return empty
        index = rec.next_table()
        lines = [
            "| " + " | ".join(cell(h) for h in tbl.headers) + " |",
            "|" + "|".join("---" for _ in tbl.headers) + "|",
        ]
        for r, row in enumerate(tbl.rows):
            texts = [cell(c.text) for c in row]
            for c, (header, fact) in enumerate(zip(tbl.headers, row, strict=True)):
                rec.add(
                    {"kind": "cell", "table": index, "row": r, "column": c, "header": header},
                    texts[c],
                    _source_list(fact),
                )
            lines.append("| " + " | ".join(texts) + " |")
        return "\n".join(lines)

    def para(fact: Fact) -> str:
        if fact.text:
            rec.add({"kind": "text"}, fact.text, _source_list(fact))
        return fact.text

    def items(facts: Sequence[Fact], empty: str = "") -> str:
        if not facts:
            return empty
        for f in facts:
            rec.add({"kind": "item"}, f.text, _source_list(f))
        return "\n".join(f"- {f.text}" for f in facts)

    def checks(values: Sequence[Check]) -> str:
        lines = []
        for c in values:
            line = f"- {'[x]' if c.ok else '[ ]'} {c.label}: {c.evidence.text}"
            rec.add(
                {"kind": "check", "label": c.label, "ok": c.ok}, c.evidence.text, _source_list(c.evidence)
            )
            lines.append(line)
        return "\n".join(lines)

    def mermaid(diagram: Any) -> str:
        text, labels = diagram if isinstance(diagram, tuple) else (diagram, [])
        for label, sources in labels:
            rec.add({"kind": "diagram"}, label, sources)
        return f"```mermaid\n{str(text).rstrip()}\n```"

    return {"table": table, "para": para, "items": items, "checks": checks, "mermaid": mermaid, "cell": cell}


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept for the process, keyed by Jinja2 on name and source checksum: every render gets a
    new Environment (its filters write to that render's Recorder), and without this each one compiled the
    templates and their macros again (a fifth of docgen's time). An edited template has a new checksum."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def environment(
    template_path: Path, region: Callable[[str, str], str], rec: Recorder, doc_name: str = ""
) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_path.parent)),
        bytecode_cache=_COMPILED,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML
    )
    env.filters.update(make_filters(rec))
    env.globals["render_region"] = region  # the output layer's marker writer, passed in
    env.globals["begin_region"] = rec.begin
    name = doc_name or "60-infrastructure.md"
    env.globals["doc_name"] = name
    env.globals["companions"] = {c: companion_name(name, c) for c in COMPANIONS}
    return env


def render(
    model: DocModel, template_path: Path, region: Callable[[str, str], str], doc_name: str = ""
) -> tuple[str, Recorder]:
    """The whole document as create mode writes it, and the record of where each fact went.

    `region` (name, body) -> text is supplied by the output layer (its markers); `doc_name` is the file name
    of the doc (companions are named after it and link back to it)."""
    rec = Recorder()
    try:
        template = environment(template_path, region, rec, doc_name).get_template(template_path.name)
        text = template.render(doc=model)
    except jinja2.TemplateNotFound:
        raise DocgenError(f"template {template_path} not found") from None
    except jinja2.TemplateError as exc:
        raise DocgenError(f"template {template_path}: {exc}") from None
    return text, rec


def render_companions(
    model: DocModel, region: Callable[[str, str], str], doc_name: str
) -> list[tuple[str, str, Recorder]]:
    """(file name, text, recorder) of each companion file of the doc named `doc_name`."""
    return [
        (companion_name(doc_name, name), *render(model, COMPANION_DIR / f"{name}.md", region, doc_name))
        for name in COMPANIONS
    ]
