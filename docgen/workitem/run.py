"""One orchestrator work item: create or update the design doc for a seq, verify its requirements, record it.

Nothing is written unless the result is complete: a blocked or failed run leaves the doc, the inventories and
the requirements file exactly as they were, and says why in the Task Result and the log entry.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docgen.document import SEQ_REGION
from docgen.errors import DocgenError, MarkerError
from docgen.facts.diagram import PRIMARY_KINDS
from docgen.history import changes as delta
from docgen.history import inventory
from docgen.output.regions import append_region, merge, parse, region_bodies
from docgen.output.sources import map_path
from docgen.output.upgrade import upgrade
from docgen.output.writer import read_text, remove_leftovers, write_all
from docgen.verify import traceability
from docgen.verify.targets import load_targets, merged_targets, targets_yaml
from docgen.workitem import protocol, seqdiff
from docgen.workitem.invocation import Context, InvocationError, load_context
from docgen.workitem.protocol import Outcome

Say = Callable[[str], None]


def region_name(seq: int) -> str:
    return f"seq-{seq:03d}"


def flags(args: argparse.Namespace) -> dict[str, Any]:
    reqs = " ".join(args.requirements) if args.requirements else None
    return {
        "mode": args.mode,
        "seq": args.seq,
        "short_name": args.short_name,
        "requirements": reqs,
        "existing_doc": args.existing_doc,
    }


def main(args: argparse.Namespace, write: Callable[[str], object]) -> int:
    """The protocol around one work item: start line, progress, log entry, Task Result, end line."""

    def body(outcome: Outcome, say: Say) -> None:
        if args.check or args.command != "doc":
            raise InvocationError(
                "a work item (--context/--mode) writes the doc: it cannot be combined with "
                "--check or the cost/diff commands"
            )
        ctx = load_context(args.context, flags(args))
        outcome.requirements, outcome.task_id = list(ctx.requirements), ctx.task_id
        run(args, ctx, outcome, say)

    return protocol.run(body, Outcome(), write)


def doc_path(args: argparse.Namespace, ctx: Context) -> Path:
    if ctx.existing_doc is not None:
        if args.doc is not None and Path(args.doc) != ctx.existing_doc:
            raise InvocationError(f"existing_doc {ctx.existing_doc} and --doc {args.doc} name different docs")
        return ctx.existing_doc
    return Path(args.doc) if args.doc is not None else Path("design-docs/60-infrastructure.md")


def updated_text(
    existing: str, fresh: str, template: Path, name: str, body: str, heading: str, force: bool, source: str
) -> str:
    """Existing with the template's regions regenerated, other Seq sections kept, and this seq's replaced or
    appended under its heading. Text outside the markers is kept byte for byte."""
    existing, _ = upgrade(existing, fresh, source=source)  # the template gained or lost a section
    template_regions = region_bodies(fresh, str(template))
    generated = dict(template_regions)
    document = parse(existing, source=source)
    for region in document.regions:
        if SEQ_REGION.fullmatch(region.name) and region.name != name:
            generated[region.name] = region.body  # an earlier work item's record: kept as it was written
    present = document.region(name) is not None
    if present:
        generated[name] = body
    merged = merge(existing, generated, source=source, force=force, order=list(template_regions))
    return merged if present else append_region(merged, name, body, heading, source=source)


def _compared_with(base: tuple[int, dict[str, Any]] | None, folder: Path, seq: int) -> str:
    if base is None:
        return (
            f"no earlier inventory in `{folder}` (resources attributed by their `Seq` tag = {seq}; "
            "changes and removals cannot be seen without a baseline)"
        )
    number, data = base
    name = inventory.path_for(folder, number).name
    return f"the baseline of seq {number} (`{data.get('short_name', '')}`, `{folder.name}/{name}`)"


def _decisions(changes: list[delta.Change], verification: Any) -> list[str]:
    """The production environment's added, changed and removed components, and each target's verdict."""
    prod = verification.production
    lines = [
        f"{prod}: {c.change} {seqdiff.short_type(c.type)} {c.component}/{delta.construct_name(c)}"
        + (f" ({cfg})" if (cfg := seqdiff.configuration(c)) != "-" else "")
        for c in changes
        if c.environment == prod and c.type in PRIMARY_KINDS
    ]
    tally = Counter(lines)
    out = [line if tally[line] == 1 else f"{line} ×{tally[line]}" for line in dict.fromkeys(lines)]
    out += [
        f"{v.requirement}: {v.measure} {v.status} in {v.environment} (design {v.design}, target {v.target})"
        for v in verification.verdicts
        if v.status in ("met", "unmet")
    ]
    return out


def _details(
    ctx: Context,
    doc: Path,
    changes: list[delta.Change],
    compared_with: str,
    traces: list[Any],
    verification: Any,
) -> str:
    per_env = []
    for env in sorted({c.environment for c in changes}):
        n = delta.counts(c for c in changes if c.environment == env)
        per_env.append(f"{env} +{n['added']} ~{n['changed']} -{n['removed']}")
    tally = Counter(v.status for v in verification.verdicts)
    resources = ", ".join(per_env) or "unchanged"
    traced = len({t.requirement for t in traces})
    return (
        f"{ctx.mode} {doc} for seq {ctx.seq} ({ctx.short_name}): resources {resources} compared with "
        f"{compared_with}; {traced} requirement id(s) traced to the templates; targets: {tally['met']} met, "
        f"{tally['unmet']} unmet, {tally['no target stated']} without a target, "
        f"{tally['unverifiable']} unverifiable"
    )


def run(args: argparse.Namespace, ctx: Context, outcome: Outcome, say: Say) -> None:
    from docgen import document as docs

    doc = doc_path(args, ctx)
    folder = Path(args.inventory) if args.inventory else doc.parent / "inventory"
    targets_file = Path(args.targets) if args.targets else doc.parent / "requirements.yaml"
    remove_leftovers(doc.parent, folder)  # of a run that was killed before it finished
    if ctx.mode == "create" and doc.exists():
        raise InvocationError(f"mode create but {doc} already exists: use mode update to add seq {ctx.seq}")
    if ctx.mode == "update" and not doc.exists():
        raise InvocationError(f"mode update but {doc} does not exist: use mode create first")
    existing = read_text(doc) if ctx.mode == "update" else ""
    try:
        if existing:
            parse(existing, source=str(doc))
    except MarkerError as exc:
        outcome.block(f"{exc}; fix the markers by hand (nothing was changed)")
        return
    later = [n for n in inventory.recorded(folder) if n > ctx.seq]
    if later:
        outcome.block(
            f"seq {ctx.seq} is older than the recorded work item seq {max(later)} "
            f"({inventory.path_for(folder, max(later))}): the current design includes later work, so "
            "its changes cannot be attributed to this seq"
        )
        return

    say(f"reading the cloud assembly in {args.cdk_out or 'cdk.out'}")
    assembly = docs.load_assembly(args)
    from_file = load_targets(targets_file)
    targets = merged_targets(from_file, ctx.targets)
    picture = None if args.no_picture or not assembly.environments else docs.PICTURE.name
    # The doc states what changed since the last recorded work item: after this run, that is this one.
    since = (ctx.seq, inventory.path_for(folder, ctx.seq), Counter())
    model, verification, traces = docs.design_model(args, assembly, picture, targets, since)
    main, companions = docs.render_model(model, args.template, doc)
    fresh, sources = main.text, main.sources

    current = inventory.build(assembly, seq=ctx.seq, short_name=ctx.short_name, requirements=ctx.requirements)
    base = inventory.baseline(folder, ctx.seq)
    if ctx.mode == "create":  # a new doc describes the whole design: every resource is new to it
        changes, compared_with = delta.diff(None, current), "nothing (a new doc: the whole design)"
    else:
        changes = delta.diff(base[1], current) if base else delta.by_seq_tag(current, ctx.seq)
        compared_with = _compared_with(base, folder, ctx.seq)
    carriers = traceability.satisfied(traces)

    if ctx.mode == "create":
        wanted = fresh
    else:
        prod = verification.production
        body = seqdiff.section_body(
            seq=ctx.seq,
            short_name=ctx.short_name,
            compared_with=compared_with,
            requirements={rid: carriers.get(rid, []) for rid in ctx.requirements},
            changes=changes,
            picture=seqdiff.diagram(assembly, prod, changes),
            picture_env=prod,
            link=ctx.design_link,
        )
        try:
            wanted = updated_text(
                existing, fresh, args.template, region_name(ctx.seq), body, ctx.heading, args.force, str(doc)
            )
        except MarkerError as exc:
            outcome.block(f"{exc} (nothing was changed)")
            return

    for rid in traceability.unsatisfied(ctx.requirements, traces):
        outcome.block(
            f"{rid} is not satisfied by anything in the design: no resource carries it in its "
            "`Requirements` tag (add it to the component that implements it in the design spec)"
        )
    for verdict in verification.unmet:
        outcome.block(verdict.reason)
    outcome.details = _details(ctx, doc, changes, compared_with, traces, verification)
    outcome.decisions = _decisions(changes, verification)
    outcome.notes = [
        f"Seq section `{ctx.heading.removeprefix('## ')}`"
        if ctx.mode == "update"
        else f"created from {args.template}"
    ]
    if outcome.status != "complete":
        outcome.notes.append(
            "nothing was written: the doc, the inventories and the requirements file are unchanged"
        )
        return
    _write_all(
        args,
        ctx,
        outcome,
        say,
        doc=doc,
        existing=existing,
        wanted=wanted,
        folder=folder,
        current=current,
        sources=sources,
        companions=docs.files_of(companions),
        targets_file=targets_file,
        targets=targets,
        from_file=from_file,
        assembly=assembly,
        picture=picture,
    )


def _record(outcome: Outcome, path: Path, created: bool, changed: bool) -> None:
    if created:
        outcome.files_created.append(str(path))
    elif changed:
        outcome.files_modified.append(str(path))


def _write_all(
    args: argparse.Namespace,
    ctx: Context,
    outcome: Outcome,
    say: Say,
    *,
    doc: Path,
    existing: str,
    wanted: str,
    folder: Path,
    current: dict[str, Any],
    sources: str,
    companions: list[tuple[Path, str]],
    targets_file: Path,
    targets: Any,
    from_file: Any,
    assembly: Any,
    picture: str | None,
) -> None:
    created = not doc.exists()
    changes: list[tuple[Path, str, bool]] = []  # (path, text, created): written together, the doc last
    inv_path, inv_text = inventory.path_for(folder, int(current["seq"])), inventory.text(current)
    if not inv_path.exists() or read_text(inv_path) != inv_text:
        changes.append((inv_path, inv_text, not inv_path.exists()))
    if ctx.targets and targets != from_file:
        new_text = targets_yaml(targets)
        old_text = read_text(targets_file) if targets_file.exists() else None
        if new_text != old_text:
            changes.append((targets_file, new_text, old_text is None))
    for path, text in companions:  # generated whole: no text of a person's is kept in them
        if not path.exists() or read_text(path) != text:
            changes.append((path, text, not path.exists()))
    map_file = map_path(doc)
    if not map_file.exists() or read_text(map_file) != sources:
        changes.append((map_file, sources, not map_file.exists()))
    if wanted != existing or created:
        changes.append((doc, wanted, created))
    for path, _, _ in changes:
        path.parent.mkdir(parents=True, exist_ok=True)
    write_all([(path, text) for path, text, _ in changes])
    for path, _, made in sorted(changes, key=lambda c: c[0] != doc):  # the doc first, as people look for it
        _record(outcome, path, made, True)
    say(f"{'wrote' if wanted != existing or created else 'unchanged:'} {doc}")
    if picture is not None:
        from docgen.document import pictures

        for env, name in pictures(picture, assembly.environments):
            _draw(outcome, doc.parent / name, assembly, env)


def _draw(outcome: Outcome, target: Path, assembly: Any, environment: str) -> None:
    from docgen.render.picture import draw_architecture

    before = target.read_bytes() if target.exists() else None
    try:
        draw_architecture(assembly, environment, target)
    except DocgenError as exc:  # the picture is an extra: a missing graphviz must not fail the work item
        outcome.notes.append(f"architecture picture not drawn: {exc}")
        return
    _record(outcome, target, before is None, before != target.read_bytes())
