"""`python -m docgen [doc]`: regenerate the design doc's generated regions and its source map, or check them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from docgen import document, progress
from docgen.output.sources import map_path
from docgen.output.upgrade import upgrade
from docgen.output.writer import read_text, remove_leftovers, same_content, unified_diff, write_all


def doc_command(args: argparse.Namespace) -> int:
    from docgen.output import regions

    remove_leftovers(args.doc.parent)  # temporary files of a run that was killed before it finished
    assembly = document.load_assembly(args)
    picture = None if args.no_picture or not assembly.environments else document.PICTURE.name
    with progress.step(f"rendering {args.doc}"):
        main, companions = document.render_all(args, assembly, picture)
    fresh = main.text
    if args.doc.exists():
        existing = read_text(args.doc)
        followed, notes = upgrade(
            existing, fresh, source=str(args.doc)
        )  # the template gained or lost a section
        for note in notes:
            print(f"docgen: {args.doc}: {note}", file=sys.stderr)
        template_order = list(regions.region_bodies(fresh, str(args.template)))
        generated = document.generated_with_seq_sections(followed, fresh, args)
        wanted = regions.merge(
            followed, generated, source=str(args.doc), force=args.force, order=template_order
        )
    else:
        existing, wanted = "", fresh
    failed = _warn(getattr(args, "failures", {}))
    files = [*document.files_of(companions), (map_path(args.doc), main.sources), (args.doc, wanted)]
    old = {path: read_text(path) if path.exists() else None for path, _ in files}
    if args.check:
        status = _check(args.doc, existing, wanted, [(p, t, old[p]) for p, t in files[:-1]])
        return status or (1 if failed and args.strict else 0)
    changed = [path for path, text in files if old[path] != text]
    if changed:
        args.doc.parent.mkdir(parents=True, exist_ok=True)
        write_all(
            [(p, t) for p, t in files if p in changed or p == args.doc]
        )  # the doc last: it marks completion
        others = [p.name for p in changed if p != args.doc]
        print(
            f"wrote {args.doc} and {', '.join(sorted(others, key=lambda n: not n.startswith(args.doc.stem + '.')))}"
        )
    else:
        print(f"{args.doc} unchanged")
    if picture is not None:
        for env, name in document.pictures(picture, assembly.environments):
            with progress.step(f"drawing {args.doc.parent / name}"):
                _draw(args.doc.parent / name, assembly, env)
    return 1 if failed and args.strict else 0


def _warn(failures: dict[str, str]) -> bool:
    """One line per section that could not be built; the doc is still written around it."""
    for section, reason in sorted(failures.items()):
        print(f"warning: section {section} could not be built: {reason}", file=sys.stderr)
    return bool(failures)


def _check(doc: Path, existing: str, wanted: str, others: list[tuple[Path, str, str | None]]) -> int:
    """Whether the doc, its source map and its companion files are what a regeneration would write."""
    stale = []
    if not (doc.exists() and same_content(existing, wanted)):
        print(unified_diff(existing, wanted, str(doc)) or f"{doc} does not exist")
        stale.append(str(doc))
    for path, text, old in others:
        if old is None or not same_content(old, text):
            if path.suffix == ".md":
                print(unified_diff(old or "", text, str(path)) or f"{path} does not exist")
            stale.append(str(path))
    if not stale:
        print(f"{doc} is up to date")
        return 0
    print(
        f"error: {' and '.join(stale)} stale: run `python -m docgen` and commit the result", file=sys.stderr
    )
    return 1


def _draw(target: Path, assembly: Any, environment: str) -> None:
    """The AWS-icon picture of one environment, beside the doc (never in --check)."""
    from docgen.render.picture import draw_architecture

    target.parent.mkdir(parents=True, exist_ok=True)
    draw_architecture(assembly, environment, target)
