"""The whole document from one cloud assembly: what the doc, cost and diff commands and a work item share.

It sits above the layers it calls (assembly, facts, cost, verify, sections, render, output) and below the
commands and the work item, which both import it and never each other.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from docgen.assembly import cache, generated
from docgen.assembly.cache import Selection
from docgen.errors import DocgenError

DOC = Path("design-docs/60-infrastructure.md")
PICTURE = Path("design-docs/60-infrastructure-architecture.png")
SEQ_REGION = re.compile(r"^seq-\d{3,}$")


def selection(args: argparse.Namespace) -> Selection:
    return cache.selection(root=Path.cwd(), design=args.design, cdk_out=args.cdk_out, synth=not args.no_synth)


def load_assembly(args: argparse.Namespace) -> Any:
    """The assembly the command line selects (synthesized first when it is the project's own and stale)."""
    from docgen.assembly.reader import read_assembly

    sel = selection(args)
    stamp = cache.ensure_assembly(sel)
    assembly = read_assembly(sel.cdk_out)
    args.stamp = stamp  # what the generated inputs are checked against
    return assembly


def generated_inputs(args: argparse.Namespace) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The compose file and pipeline model of the assembly's design, when generated/ belongs to it."""
    folder = generated.folder_for(args, getattr(args, "stamp", None))
    if folder is None:
        return None, None
    compose = pipeline = None
    try:
        if (folder / "docker-compose.yml").exists():
            compose = yaml.safe_load((folder / "docker-compose.yml").read_text())
        if (folder / "pipeline.json").exists():
            pipeline = json.loads((folder / "pipeline.json").read_text())
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DocgenError(f"cannot read generated files in {folder}: {exc}; rerun `make generate`") from None
    return compose, pipeline


def usage_for(assembly: Any) -> Any:
    """Usage assumptions: the defaults file, then each environment's overrides from its design spec, which
    the stacks carry in the Observability stack's template metadata (docgen never reads the spec)."""
    from docgen.cost import load_usage

    overrides = {
        s.environment: dict(s.metadata.get("CostUsage") or {})
        for s in assembly.stacks
        if s.construct_path.endswith("/Observability") and s.metadata.get("CostUsage")
    }
    return load_usage(overrides or None)


def estimate_for(assembly: Any, usage: Any = None) -> Any:
    from collections import Counter

    from docgen.cost import estimate, load_catalogue

    region = (
        Counter(s.region for s in assembly.stacks).most_common(1)[0][0] if assembly.stacks else "us-east-1"
    )
    return estimate(assembly.resources, load_catalogue(region), usage or usage_for(assembly))


def design_model(
    args: argparse.Namespace, assembly: Any, picture: str | None, targets: Mapping[str, Any]
) -> tuple[Any, Any, list[Any]]:
    """The doc model with the traceability matrix and the requirement verification added."""
    from docgen.sections import build as docmodel
    from docgen.verify import traceability, verification

    compose, pipeline = generated_inputs(args)
    usage = usage_for(assembly)
    model = docmodel.build(
        assembly,
        compose=compose,
        pipeline=pipeline,
        estimate=estimate_for(assembly, usage),
        picture=picture,
        usage=usage,
    )
    _diagrams(model, assembly, compose, pipeline)
    traces = traceability.build(assembly, model.environments)
    checked = verification.verify(assembly, targets, model.environments)
    summaries = {t.requirement: checked.summary(t.requirement) for t in traces}
    model.tables["traceability"] = docmodel.t(traceability.HEADERS, traceability.rows(traces, summaries))
    for name, (headers, rows) in verification.tables(checked).items():
        model.tables[name] = docmodel.t(headers, rows)
    model.text["production"] = checked.production
    return model, checked, traces


def targets_path(args: argparse.Namespace) -> Path:
    return args.targets if args.targets is not None else args.doc.parent / "requirements.yaml"


def render_doc(args: argparse.Namespace, assembly: Any, picture: str | None) -> str:
    from docgen.output import regions
    from docgen.render import template as render
    from docgen.verify.targets import load_targets

    model, _, _ = design_model(args, assembly, picture, load_targets(targets_path(args)))
    return render.render(model, args.template, regions.render_region)


def generated_with_seq_sections(existing: str, fresh: str, args: argparse.Namespace) -> dict[str, str]:
    """The template's regions, plus the Seq sections of work items already in the doc, kept as they are."""
    from docgen.output import regions

    generated = regions.region_bodies(fresh, str(args.template))
    for region in regions.parse(existing, source=str(args.doc)).regions:
        if SEQ_REGION.fullmatch(region.name):
            generated.setdefault(region.name, region.body)
    return generated


def _diagrams(
    model: Any,
    assembly: Any,
    compose: dict[str, Any] | None,
    pipeline: dict[str, Any] | None,
) -> None:
    from docgen.render import mermaid

    for env in model.environments:
        model.diagrams[f"architecture:{env}"] = mermaid.architecture(assembly, env)
    model.diagrams["progression"] = mermaid.deployment_progression(assembly, compose)
    if pipeline:
        model.diagrams["pipeline"] = mermaid.pipeline(pipeline)
