"""`python -m docgen [doc]`: regenerate the design doc's generated regions, or check them (--check)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from docgen import document
from docgen.output.writer import read_text, same_content, unified_diff, write_atomic


def doc_command(args: argparse.Namespace) -> int:
    from docgen.output import regions

    assembly = document.load_assembly(args)
    picture = _picture(args, assembly)
    fresh = document.render_doc(args, assembly, picture)
    if args.doc.exists():
        existing = read_text(args.doc)
        template_order = list(regions.region_bodies(fresh, str(args.template)))
        generated = document.generated_with_seq_sections(existing, fresh, args)
        wanted = regions.merge(
            existing, generated, source=str(args.doc), force=args.force, order=template_order
        )
    else:
        existing, wanted = "", fresh
    if args.check:
        if args.doc.exists() and same_content(existing, wanted):
            print(f"{args.doc} is up to date")
            return 0
        print(unified_diff(existing, wanted, str(args.doc)) or f"{args.doc} does not exist")
        print(f"error: {args.doc} is stale: run `python -m docgen` and commit the result", file=sys.stderr)
        return 1
    if existing != wanted:
        args.doc.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(args.doc, wanted)
        print(f"wrote {args.doc}")
    else:
        print(f"{args.doc} unchanged")
    return 0


def _picture(args: argparse.Namespace, assembly: Any) -> str | None:
    """Draws the AWS-icon picture beside the doc (not in --check: its bytes are not compared)."""
    if args.no_picture or not assembly.environments:
        return None
    target = args.doc.parent / document.PICTURE.name
    if not args.check:
        from docgen.render.picture import draw_architecture

        env = sorted(assembly.environments, key=lambda e: (e != "prod", e))[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        draw_architecture(assembly, env, target)
    return target.name
