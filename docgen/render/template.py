"""Renders the doc model through the Jinja2 template into Markdown with generated regions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2

from docgen.errors import DocgenError
from docgen.sections.build import DocModel, Table

TEMPLATE = Path("design-templates/design-doc-template-infrastructure.md")


def cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, newlines as <br>."""
    return str(value).replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def table(tbl: Table, empty: str = "_None in the synthesized templates._") -> str:
    if not tbl.rows:
        return empty
    lines = [
        "| " + " | ".join(cell(h) for h in tbl.headers) + " |",
        "|" + "|".join("---" for _ in tbl.headers) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in tbl.rows]
    return "\n".join(lines)


def mermaid(source: str) -> str:
    return f"```mermaid\n{source.rstrip()}\n```"


def checkbox(ok: bool) -> str:
    return "[x]" if ok else "[ ]"


def environment(template_path: Path, region: Callable[[str, str], str]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_path.parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML
    )
    env.filters.update(table=table, cell=cell, mermaid=mermaid, checkbox=checkbox)
    env.globals["render_region"] = region  # the output layer's marker writer, passed in
    return env


def render(model: DocModel, template_path: Path, region: Callable[[str, str], str]) -> str:
    """The whole document as create mode writes it: template text, each generated region wrapped by `region`
    (name, body) -> text, which the output layer supplies (its markers)."""
    try:
        template = environment(template_path, region).get_template(template_path.name)
        text = template.render(doc=model)
    except jinja2.TemplateNotFound:
        raise DocgenError(f"template {template_path} not found") from None
    except jinja2.TemplateError as exc:
        raise DocgenError(f"template {template_path}: {exc}") from None
    return text
