"""Renders the doc model through the Jinja2 template into Markdown with generated regions."""

from __future__ import annotations

from pathlib import Path

import jinja2

from docgen.errors import DocgenError
from docgen.output.regions import parse, render_region
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


def environment(template_path: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_path.parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML
    )
    env.filters.update(table=table, cell=cell, mermaid=mermaid, checkbox=checkbox)
    env.globals["render_region"] = render_region
    return env


def render(model: DocModel, template_path: Path = TEMPLATE) -> str:
    """The whole document as create mode writes it: template text plus every generated region."""
    try:
        template = environment(template_path).get_template(template_path.name)
        text = template.render(doc=model)
    except jinja2.TemplateNotFound:
        raise DocgenError(f"template {template_path} not found") from None
    except jinja2.TemplateError as exc:
        raise DocgenError(f"template {template_path}: {exc}") from None
    parse(text, source=str(template_path))  # a template with broken markers fails here, not in the doc
    return text


def generated_regions(text: str, source: str) -> dict[str, str]:
    """Region name -> body of a rendered document (the input of merge in update mode)."""
    return {r.name: r.body for r in parse(text, source=source).regions}
