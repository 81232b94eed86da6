"""Builds the whole doc model: one call per doc section, each from the same inputs, in the template's order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from docgen.assembly.model import Assembly
from docgen.facts.fact import Fact
from docgen.facts.index import Index, project_of
from docgen.sections import (
    apis,
    compute,
    context,
    cost,
    criteria,
    crossrefs,
    database,
    datastores,
    delivery,
    discovery,
    dr,
    dr_kinds,
    events,
    firewall,
    governance,
    kinds,
    matrix,
    network,
    observability,
    operations,
    security,
    serverless,
    servers,
    storage,
)
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel

SECTIONS = (
    context,
    network,
    discovery,
    compute,
    servers,
    serverless,
    storage,
    kinds,
    database,
    datastores,
    apis,
    events,
    security,
    firewall,
    observability,
    delivery,
    dr,
    dr_kinds,
    cost,
    governance,
    operations,
    matrix,
    crossrefs,
)


def build(
    assembly: Assembly,
    *,
    compose: dict[str, Any] | None,
    pipeline: dict[str, Any] | None,
    estimate: Any,
    usage: Any = None,
    generated_dir: str = "generated",
    root: Path = Path("."),
    doc_dir: Path = Path("design-docs"),
) -> tuple[DocModel, SectionInputs]:
    index = Index(assembly)
    inputs = SectionInputs(
        assembly=assembly,
        index=index,
        compose=compose,
        pipeline=pipeline,
        generated_dir=generated_dir,
        estimate=estimate,
        usage=usage,
        root=root,
        doc_dir=doc_dir,
    )
    project = project_of(assembly)
    model = DocModel(
        project=project if project.value else Fact(None, "design", ()), environments=index.environments
    )
    for section in (*SECTIONS, criteria):
        guarded(model, section.__name__.rsplit(".", 1)[-1], lambda s=section: s.build(model, inputs))
    return model, inputs


def guarded(model: DocModel, name: str, step: Callable[[], object]) -> None:
    """Run one section; if it fails on an assembly it does not understand, the doc says so in that section's
    regions and the rest of the doc is still written (the CLI warns, and fails under --strict)."""
    try:
        step()
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        model.failures[name] = reason
