"""An independent check of the design doc against the cloud assembly (and generators' files).

It never imports docgen: it parses the Markdown the template produces (tests/doccheck/markdown.py) and reads
manifest.json, the nested stage assemblies and the templates as plain JSON (tests/doccheck/assembly.py). Each
doc area has its own module with `check(doc, assembly, ...) -> Result` (mismatches and a count of facts).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.doccheck import assembly as assembly_reader
from tests.doccheck import (
    blocks,
    blocks_facts,
    cicd,
    compliance,
    compute,
    context,
    cost,
    criteria,
    data,
    diagrams,
    edge,
    encryption,
    files,
    inventory,
    matrix,
    network,
    observability,
    prose,
    recovery,
    recovery_stores,
    security,
)
from tests.doccheck.markdown import Doc, parse
from tests.doccheck.report import Mismatch, Result

__all__ = ["Mismatch", "Result", "check", "check_files"]


def check(
    doc_text: str, cdk_out: Path, generated: Path | None = None, companions: tuple[str, ...] = ()
) -> Result:
    """Check a doc (and the texts of its companion files, read as part of it) against a cloud assembly."""
    doc = merged(parse(doc_text), [parse(text) for text in companions])
    asm = assembly_reader.read(cdk_out)
    compose, pipeline = _generated(generated)
    compose_names = sorted((compose or {}).get("services", {})) if compose is not None else None
    result = Result()
    result.extend(context.check(doc, asm, compose_names))
    result.extend(compliance.check(doc, asm))
    result.extend(network.check(doc, asm))
    result.extend(edge.check(doc, asm))
    result.extend(compute.check(doc, asm))
    result.extend(data.check(doc, asm))
    result.extend(blocks.check(doc, asm))
    result.extend(blocks_facts.check(doc, asm))
    result.extend(files.check(doc, asm))
    result.extend(recovery.check(doc, asm))
    result.extend(recovery_stores.check(doc, asm))
    result.extend(security.check(doc, asm))
    result.extend(encryption.check(doc, asm))
    result.extend(observability.check(doc, asm))
    result.extend(matrix.check(doc, asm))
    result.extend(diagrams.check(doc, asm))
    result.extend(cost.check(doc, asm))
    result.extend(inventory.check(doc, asm))
    result.extend(cicd.check(doc, asm, compose=compose, pipeline=pipeline))
    result.extend(criteria.check(doc, asm, pipeline=pipeline))
    result.extend(prose.check(doc, asm, compose, pipeline))
    return result


def check_files(doc: Path, cdk_out: Path, generated: Path | None = None) -> Result:
    text = doc.read_text()
    return check(text, cdk_out, generated, tuple(p.read_text() for p in companion_files(doc, text)))


def companion_files(doc: Path, text: str) -> list[Path]:
    """The files beside the doc it links to whose names start with its own (`60-infrastructure-cost.md`)."""
    names = dict.fromkeys(re.findall(r"\]\((" + re.escape(doc.stem) + r"-[\w.-]+\.md)\)", text))
    return [doc.with_name(n) for n in names if doc.with_name(n).is_file()]


def merged(doc: Doc, companions: list[Doc]) -> Doc:
    """The doc with its companions' tables, diagrams and paragraphs added (regions keep their names)."""
    for other in companions:
        doc.tables += other.tables
        doc.mermaids += other.mermaids
        doc.paragraphs += other.paragraphs
        doc.checklist += other.checklist
        for name, body in other.regions.items():
            doc.regions[name] = doc.regions[name] + "\n" + body if name in doc.regions else body
    return doc


def _generated(folder: Path | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if folder is None:
        return None, None
    compose_file, pipeline_file = folder / "docker-compose.yml", folder / "pipeline.json"
    compose = yaml.safe_load(compose_file.read_text()) if compose_file.is_file() else None
    pipeline = json.loads(pipeline_file.read_text()) if pipeline_file.is_file() else None
    return compose, pipeline
