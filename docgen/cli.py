"""The docgen command line: one subcommand per job, each with its own help and only its own flags.

`python -m docgen` with no command (or only options) runs `doc`, so `python -m docgen --check` keeps working.
`python -m docgen COMMAND --help` lists that command's flags.

Exit status:
  0  done (the doc is up to date, the report was printed)
  1  stale (--check) or failed: an unusable cdk.out or base, a section that failed under --strict
  2  bad input: a design spec the synth rejects, unknown flags or values
  3  a blocked work item, or an unexpected failure (one line naming a log file with the traceback)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from docgen import progress
from docgen.document import DOC
from docgen.errors import DocgenError
from docgen.render.template import TEMPLATE

COMMANDS = ("doc", "cost", "diff", "review")
Command = Callable[[argparse.Namespace], int]


def _common() -> argparse.ArgumentParser:
    """The flags every command shares: which assembly to read, and how much to say on stderr."""
    p = argparse.ArgumentParser(add_help=False)
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
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr (CI logs)")
    return p


def _sub(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str, doc: str
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        parents=[_common()],
        help=summary,
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _doc_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--doc", type=Path, default=None, help=f"the design doc to write (default {DOC})")
    p.add_argument("--template", type=Path, default=TEMPLATE, help="the doc template (default: docgen's own)")
    p.add_argument(
        "--generated",
        type=Path,
        default=None,
        help="compose/pipeline files of the design (default: generated/, refreshed when stale)",
    )
    p.add_argument(
        "--no-generated", action="store_true", help="document without the compose file and pipeline"
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a doc section could not be built")
    p.add_argument("--check", action="store_true", help="exit 1 with a diff when the doc on disk is stale")
    p.add_argument("--force", action="store_true", help="overwrite generated regions edited by hand")
    p.add_argument("--no-picture", action="store_true", help="skip the diagrams-package PNG")
    p.add_argument(
        "--inventory", type=Path, help="per-seq resource inventories (default: <doc folder>/inventory)"
    )
    p.add_argument(
        "--targets", type=Path, help="requirement targets file (default: <doc folder>/requirements.yaml)"
    )
    work = p.add_argument_group(
        "work item",
        "one orchestrator work item (the invocation context, README: The context file); flags override "
        "--context. Exit 0 complete, 3 blocked, 1 failed.",
    )
    work.add_argument("--context", metavar="FILE", help="the invocation context YAML; `-` reads stdin")
    work.add_argument("--mode", help="create | update")
    work.add_argument("--seq", help="the work item's sequence number")
    work.add_argument("--short-name", help="the work item's short name (a slug)")
    work.add_argument(
        "--requirements", action="append", metavar="IDS", help="requirement ids, comma or space separated"
    )
    work.add_argument("--existing-doc", help="the doc to update (mode update)")


def _cost_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table (default) or JSON shaped like Infracost's breakdown: numbers, cost components",
    )
    p.add_argument(
        "--compare",
        type=Path,
        metavar="OTHER_CDK_OUT",
        help="the monthly delta against another cdk.out, per resource with a subtotal per environment",
    )


def _diff_parser(p: argparse.ArgumentParser) -> None:
    since = p.add_mutually_exclusive_group()
    since.add_argument("--seq", help="the recorded work item to compare with (default: the latest)")
    since.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="a saved cdk.out (e.g. .baseline/cdk.out from `make baseline`): run the real `cdk diff "
        "--template` for each stack that changed, offline",
    )
    p.add_argument("--format", choices=["table", "json"], default="table", help="output of the seq diff")
    p.add_argument("--doc", type=Path, default=None, help=f"the doc whose inventory folder to read ({DOC})")
    p.add_argument("--inventory", type=Path, help="per-seq inventories (default: <doc folder>/inventory)")


def _review_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--base",
        required=True,
        metavar="DIR|GIT_REF",
        help="what the change is compared with: a saved cdk.out (read-only) or a git ref, synthesized in a "
        "temporary git worktree with its own design file",
    )
    p.add_argument("--format", choices=["markdown", "json"], default="markdown", help="comment or data")
    p.add_argument("--output", type=Path, metavar="FILE", help="write the review here (default: stdout)")
    p.add_argument("--template", type=Path, default=TEMPLATE, help="the doc template both docs render with")
    p.add_argument(
        "--targets", type=Path, help="requirement targets file (default: design-docs/requirements.yaml)"
    )


SUBCOMMANDS = {
    "doc": (
        "(the default) regenerate or check the design doc and its source map; run a work item",
        _doc_parser,
    ),
    "cost": (
        "the monthly cost per resource, service and environment, or the delta to another cdk.out",
        _cost_parser,
    ),
    "diff": (
        "what changed since a recorded work item, or the real `cdk diff` against a saved cdk.out",
        _diff_parser,
    ),
    "review": (
        "one Markdown comment for a pull/merge request: resources, replacements, cost, security, doc",
        _review_parser,
    ),
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m docgen", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = p.add_subparsers(title="commands", dest="command", metavar="COMMAND", required=True)
    for name, (summary, add) in SUBCOMMANDS.items():
        add(_sub(commands, name, summary, f"{summary}.\n\nExit status: see `python -m docgen --help`."))
    return p


def parse(argv: list[str]) -> argparse.Namespace:
    """The arguments of one command; a flag of another command is that command's error (exit 2)."""
    top = parser()
    args, extra = top.parse_known_args(with_default_command(argv))
    if extra:
        commands = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def with_default_command(argv: list[str]) -> list[str]:
    """`doc` when no command is named: `docgen --check` is `docgen doc --check`; `docgen --help` stays."""
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
        return argv
    return ["doc", *argv]


def is_work_item(args: argparse.Namespace) -> bool:
    if args.command != "doc":
        return False
    given = (args.context, args.mode, args.short_name, args.requirements, args.existing_doc, args.seq)
    return any(v is not None for v in given)


def main(argv: list[str] | None = None) -> int:
    args = parse(list(sys.argv[1:] if argv is None else argv))
    progress.configure(quiet=args.quiet)
    if is_work_item(args):
        from docgen.workitem import run as workitem

        def write(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()

        return workitem.main(args, write)
    if hasattr(args, "doc"):
        args.doc = args.doc if args.doc is not None else DOC
    try:
        return _command(args.command)(args)
    except DocgenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `docgen cost | head`: the reader left; say nothing more
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # anything else: one line and a log file, never a traceback (exit 3)
        return _unexpected(exc)


def _command(name: str) -> Command:
    """The command's function, imported only when it runs (each pulls in different layers)."""
    if name == "cost":
        from docgen.commands.cost import cost_command

        return cost_command
    if name == "diff":
        from docgen.commands.diff import diff_command

        return diff_command
    if name == "review":
        from docgen.commands.review import review_command

        return review_command
    from docgen.commands.doc import doc_command

    return doc_command


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
