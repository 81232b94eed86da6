"""Cross-References: the other design docs this one points to, linked when they exist in the repository."""

from __future__ import annotations

from docgen.facts.fact import Fact, derived
from docgen.facts.files import link
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel

# The specification's cross-references: the other foundational designs, by file.
DESIGNS = (("Security Design", "40-security.md"), ("Data Design", "30-data.md"))


def build(model: DocModel, inputs: SectionInputs) -> None:
    folder = _relative(inputs)
    components = sorted(
        p.name for p in inputs.doc_dir.glob("*-design-*.md") if p.is_file() and p.name[:1].isdigit()
    )
    if components:
        linked = [link(f"{folder}{name}", inputs.root, inputs.doc_dir) for name in components]
        designs = derived(components, "Component designs: " + ", ".join(f.text for f in linked), linked)
    else:
        pattern = f"{folder}{{seq}}-design-{{short_name}}.md"
        missing = link(pattern, inputs.root, inputs.doc_dir)
        designs = Fact(
            None, f"Component designs: none written yet (one per work item: `{pattern}`)", missing.sources
        )
    model.lists["cross_references"] = [
        designs,
        *(
            derived(f.value, f"{title}: {f.text}", [f])
            for title, name in DESIGNS
            if (f := link(f"{folder}{name}", inputs.root, inputs.doc_dir))
        ),
    ]


def _relative(inputs: SectionInputs) -> str:
    """The doc folder as seen from the repository root (`design-docs/`), or "" when it is the root."""
    try:
        rel = inputs.doc_dir.resolve().relative_to(inputs.root.resolve()).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel + "/"
