"""The whole document from one cloud assembly: what the doc, cost and diff commands and a work item share.

It sits above the layers it calls (assembly, facts, cost, verify, sections, render, output) and below the
commands and the work item, which both import it and never each other.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docgen import progress
from docgen.assembly import cache, generated
from docgen.assembly.cache import Selection
from docgen.errors import DocgenError

DOC = Path("design-docs/60-infrastructure.md")
# One AWS-icon picture per environment, beside the doc.
PICTURE = Path("design-docs/60-infrastructure-architecture-{env}.png")


def pictures(pattern: str, environments: Any) -> list[tuple[str, str]]:
    """(environment, file name) of each environment's picture, in the doc's environment order."""
    from docgen.facts.index import env_sorted

    return [(env, pattern.format(env=env)) for env in env_sorted(environments)]


SEQ_REGION = re.compile(r"^seq-\d{3,}$")


def selection(args: argparse.Namespace) -> Selection:
    return cache.selection(root=Path.cwd(), design=args.design, cdk_out=args.cdk_out, synth=not args.no_synth)


def load_assembly(args: argparse.Namespace) -> Any:
    """The assembly the command line selects (synthesized first when it is the project's own and stale)."""
    from docgen.assembly.reader import read_assembly

    sel = selection(args)
    stamp = cache.ensure_assembly(sel)
    with progress.step(f"reading {sel.cdk_out}"):
        assembly = read_assembly(sel.cdk_out)
    args.stamp = stamp  # what the generated inputs are checked against
    return assembly


def generated_inputs(
    args: argparse.Namespace,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, Path | None]:
    """compose.json and pipeline.json of the assembly's design, when generated/ belongs to it, and the folder."""
    folder = generated.folder_for(args, getattr(args, "stamp", None))
    if folder is None:
        return None, None, None
    found: list[dict[str, Any] | None] = []
    for name in ("compose.json", "pipeline.json"):
        path = folder / name
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")) if path.exists() else None)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DocgenError(f"cannot read {path}: {exc}; rerun `make generate`") from None
    return found[0], found[1], folder


def usage_for(assembly: Any) -> Any:
    """Usage assumptions: the defaults file, then each environment's overrides from its design spec, which
    the stacks carry in the Observability stack's template metadata (docgen never reads the spec)."""
    from docgen.cost import load_usage

    carriers = [
        s
        for s in assembly.stacks
        if isinstance(s.metadata.get("CostUsage"), dict) and s.metadata["CostUsage"]
    ]
    overrides = {s.environment: dict(s.metadata["CostUsage"]) for s in carriers}
    return load_usage(overrides or None, override_files={s.environment: s.template_file for s in carriers})


def estimate_for(assembly: Any, usage: Any = None) -> Any:
    """Each environment priced in its primary region; a region without a catalogue leaves it unpriced."""
    from docgen.cost import available_regions, estimate_by_region, load_catalogue
    from docgen.facts.environments import environment
    from docgen.facts.index import Index

    index = Index(assembly)
    regions = {env: str(environment(index, env).region.value or "") for env in index.environments}
    known = set(available_regions())
    catalogues = {region: load_catalogue(region) for region in set(regions.values()) if region in known}
    return estimate_by_region(assembly.resources, regions, catalogues, usage or usage_for(assembly))


def design_model(
    args: argparse.Namespace,
    assembly: Any,
    picture: str | None,
    targets: Mapping[str, Any],
    since: Any = None,
) -> tuple[Any, Any, list[Any]]:
    """The doc model with the traceability matrix and the requirement verification added."""
    from docgen.facts.fact import Fact
    from docgen.sections import build as docmodel
    from docgen.sections import compact, inventory, requirements, summary
    from docgen.verify import traceability, verification

    compose, pipeline, folder = generated_inputs(args)
    usage = usage_for(assembly)
    model, inputs = docmodel.build(
        assembly,
        compose=compose,
        pipeline=pipeline,
        estimate=estimate_for(assembly, usage),
        usage=usage,
        generated_dir=folder.as_posix() if folder is not None else "generated",
        root=Path.cwd(),
        doc_dir=args.doc.parent,
    )
    docmodel.guarded(model, "diagrams", lambda: _diagrams(model, assembly, compose, pipeline))
    if picture:
        model.lists["pictures"] = [
            Fact(env, name, ()) for env, name in pictures(picture, assembly.environments)
        ]
    traces = traceability.build(assembly, model.environments)
    checked = verification.verify(assembly, targets, model.environments)
    docmodel.guarded(
        model,
        "requirements",
        lambda: requirements.build(model, inputs, checked, traces, targets_path(args).as_posix()),
    )
    docmodel.guarded(model, "inventory", lambda: inventory.build(model, inputs))  # it sees every fact
    found = since if since is not None else since_last_seq(args, assembly)
    docmodel.guarded(model, "summary", lambda: summary.build(model, inputs, found))  # reads the others
    compact.compact(model)  # then each fact once: rows of the same thing in several environments merged
    return model, checked, traces


def targets_path(args: argparse.Namespace) -> Path:
    return args.targets if args.targets is not None else args.doc.parent / "requirements.yaml"


@dataclass(frozen=True)
class Rendered:
    """One generated file of the doc: its path, its text as create mode writes it, its source map's text."""

    path: Path
    text: str
    sources: str


def render_doc(
    args: argparse.Namespace, assembly: Any, picture: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The document as create mode writes it, and the record of where each printed fact came from."""
    main, _ = render_all(args, assembly, picture)
    return main.text, json.loads(main.sources)["facts"]


def render_all(
    args: argparse.Namespace, assembly: Any, picture: str | None, since: Any = None
) -> tuple[Rendered, list[Rendered]]:
    """The doc and its companion files, each with its source map."""
    from docgen.verify.targets import load_targets

    model, _, _ = design_model(args, assembly, picture, load_targets(targets_path(args)), since)
    args.failures = dict(model.failures)  # the doc command warns about each (and fails under --strict)
    return render_model(model, args.template, args.doc)


def render_model(model: Any, template: Path, doc: Path) -> tuple[Rendered, list[Rendered]]:
    from docgen.output import regions
    from docgen.output.sources import source_map
    from docgen.render import template as render

    text, recorder = render.render(model, template, regions.render_region, doc.name)
    main = Rendered(doc, text, source_map(recorder.entries, doc.name))
    companions = [
        Rendered(doc.with_name(name), body, source_map(rec.entries, name))
        for name, body, rec in render.render_companions(model, regions.render_region, doc.name)
    ]
    return main, companions


def since_last_seq(args: argparse.Namespace, assembly: Any) -> Any:
    """What changed since the last recorded work item: (seq, its inventory file, change counts), or None."""
    from docgen.history import changes, inventory

    folder = Path(getattr(args, "inventory", None) or args.doc.parent / "inventory")
    recorded = inventory.recorded(folder)
    if not recorded:
        return None
    seq = max(recorded)
    base = inventory.load(recorded[seq])
    current = inventory.build(assembly, seq=seq, short_name=str(base.get("short_name", "")))
    return seq, recorded[seq], changes.counts(changes.diff(base, current))


def files_of(companions: list[Rendered]) -> list[tuple[Path, str]]:
    """The companion files and their source maps, as written (whole: no text of a person's is kept in them)."""
    from docgen.output.sources import map_path

    return [(map_path(c.path), c.sources) for c in companions] + [(c.path, c.text) for c in companions]


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
    """Mermaid text of each diagram with the facts behind each label (for the source map)."""
    from docgen.facts.fact import Fact
    from docgen.render import mermaid
    from docgen.sections.model import t

    groups = []
    for group in mermaid.architecture_groups(assembly, model.environments):
        name = ", ".join(group.environments)
        sources = [s for _, found in group.labels for s in found][:1]
        groups.append(Fact(list(group.environments), name, tuple(sources)))
        model.diagrams[f"architecture:{name}"] = (group.text, group.labels)
        rows = [
            [
                Fact(box, box, tuple(s for found in per_env for s in found)),
                *(Fact(label, label, tuple(found)) for label, found in zip(labels, per_env, strict=True)),
            ]
            for box, labels, per_env in group.differences
        ]
        model.tables[f"architecture_differences:{name}"] = t(["Box", *group.environments], rows)
        titles = []
        for i, (title, text, labels) in enumerate(group.details):
            found = [s for _, srcs in labels for s in srcs][:1]
            titles.append(Fact(title, title, tuple(found)))
            model.diagrams[f"architecture:{name}:detail:{i}"] = (text, labels)
        model.lists[f"architecture_details:{name}"] = titles
    model.lists["architecture_groups"] = groups
    model.diagrams["progression"] = mermaid.progression_labelled(assembly, compose)
    if pipeline:
        model.diagrams["pipeline"] = mermaid.pipeline_labelled(pipeline)
