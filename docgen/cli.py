"""The docgen command line: regenerate the design doc (create or update), check it, and print cost estimates.

Two ways to call it:

- `python -m docgen [--check]` regenerates the doc's generated regions (plain output, exit 0 or 1);
- `python -m docgen --context FILE|-` (or `--mode/--seq/--short-name/--requirements/--existing-doc`) runs one
  orchestrator work item with the specification's protocol: start line, log entry, Task Result, end line;
  exit 0 complete, 3 blocked, 1 failed (see docgen/workitem.py and docgen/protocol.py).

`python -m docgen diff [--seq N]` prints what changed since a recorded work item, resource by resource.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docgen.document import DOC
from docgen.errors import DocgenError
from docgen.render.template import TEMPLATE


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m docgen", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("command", nargs="?", choices=["doc", "cost", "diff"], default="doc")
    p.add_argument(
        "--design",
        type=Path,
        default=None,
        help="design spec of the project's own cdk.out (default: $DESIGN_FILE, else design.yaml)",
    )
    p.add_argument(
        "--cdk-out",
        type=Path,
        default=None,
        help="read this cloud assembly as it is (read-only: never synthesized into); default: the "
        "project's own cdk.out, synthesized when stale",
    )
    p.add_argument("--no-synth", action="store_true", help="never synthesize; refuse a stale cdk.out")
    p.add_argument("--doc", type=Path, default=None, help=f"the design doc to write (default {DOC})")
    p.add_argument(
        "--template",
        type=Path,
        default=TEMPLATE,
        help="the doc template (default: the one shipped with docgen)",
    )
    p.add_argument(
        "--generated",
        type=Path,
        default=None,
        help="compose/pipeline files of the design (default: generated/, refreshed when stale)",
    )
    p.add_argument(
        "--no-generated", action="store_true", help="document without the compose file and pipeline"
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a doc section could not be built (CI of this project)",
    )
    p.add_argument("--check", action="store_true", help="exit 1 with a diff when the doc on disk is stale")
    p.add_argument(
        "--force", action="store_true", help="overwrite generated regions that were edited by hand"
    )
    p.add_argument("--no-picture", action="store_true", help="skip the diagrams-package PNG")
    p.add_argument("--format", choices=["table", "json"], default="table", help="cost output format")
    p.add_argument("--compare", type=Path, help="cost: another cdk.out to compare against (monthly delta)")
    p.add_argument(
        "--inventory", type=Path, help="per-seq resource inventories (default: <doc folder>/inventory)"
    )
    p.add_argument(
        "--targets", type=Path, help="requirement targets file (default: <doc folder>/requirements.yaml)"
    )
    work = p.add_argument_group("work item (the orchestrator's invocation context; flags override --context)")
    work.add_argument(
        "--context", metavar="FILE", help="the invocation context YAML; `-` reads standard input"
    )
    work.add_argument("--mode", help="create | update")
    work.add_argument("--seq", help="the work item's sequence number (diff: the baseline seq)")
    work.add_argument("--short-name", help="the work item's short name (a slug)")
    work.add_argument(
        "--requirements",
        action="append",
        metavar="IDS",
        help="requirement ids, comma or space separated; repeatable",
    )
    work.add_argument("--existing-doc", help="the doc to update (mode update)")
    return p


def is_work_item(args: argparse.Namespace) -> bool:
    given = (args.context, args.mode, args.short_name, args.requirements, args.existing_doc)
    return args.command == "doc" and (any(v is not None for v in given) or args.seq is not None)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if is_work_item(args):
        from docgen.workitem import run as workitem

        def write(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()

        return workitem.main(args, write)
    args.doc = args.doc if args.doc is not None else DOC
    try:
        if args.command == "cost":
            from docgen.commands.cost import cost_command

            return cost_command(args)
        if args.command == "diff":
            from docgen.commands.diff import diff_command

            return diff_command(args)
        from docgen.commands.doc import doc_command

        return doc_command(args)
    except DocgenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # anything else: one line and a log file, never a traceback (exit 3)
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    """An assembly of a shape docgen does not expect (or a bug): the traceback goes to a log file."""
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile("w", prefix="docgen-", suffix=".log", delete=False) as log:
        traceback.print_exception(exc, file=log)
    print(
        f"error: unexpected {type(exc).__name__} while reading the assembly or rendering the doc: {exc}; "
        f"nothing was written; details in {log.name}",
        file=sys.stderr,
    )
    return 3


def run() -> None:
    """The `docgen` console script (`pip install .`)."""
    sys.exit(main())
