"""`python -m docgen diff`: what changed since a recorded work item, resource by resource."""

from __future__ import annotations

import argparse
import json

from docgen import document
from docgen.errors import DocgenError


def diff_command(args: argparse.Namespace) -> int:
    """What the current design adds, changes and removes since a recorded work item (default: the latest)."""
    from docgen.workitem import inventory, seqdiff

    folder = args.inventory if args.inventory is not None else args.doc.parent / "inventory"
    recorded = inventory.recorded(folder)
    if not recorded:
        raise DocgenError(
            f"no inventory in {folder}: record a work item first (python -m docgen --context FILE)"
        )
    if args.seq is not None:
        if not str(args.seq).isdigit() or int(args.seq) not in recorded:
            known = ", ".join(str(n) for n in recorded)
            raise DocgenError(f"--seq {args.seq}: no inventory for it in {folder} (recorded seqs: {known})")
        number = int(args.seq)
    else:
        number = max(recorded)
    base = inventory.load(recorded[number])
    assembly = document.load_assembly(args)
    current = inventory.build(assembly, seq=number, short_name=str(base.get("short_name", "")))
    changes = seqdiff.diff(base, current)
    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "environment": c.environment,
                        "change": c.change,
                        "path": c.key,
                        "type": c.type,
                        "component": c.component,
                        "logical_id": c.logical_id,
                        "changed_properties": list(c.changed_keys),
                    }
                    for c in changes
                ],
                indent=2,
            )
        )
        return 0
    print(seqdiff.text_report(changes, f"seq {number} ({recorded[number]})"), end="")
    return 0
