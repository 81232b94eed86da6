"""`python -m docgen review --base DIR|GIT_REF`: the review comment of a change against its base.

The change is the assembly the command line selects (the project's own cdk.out, synthesized when stale, or
`--cdk-out DIR`). The base is a saved cloud assembly, read as it is, or a git ref: checked out in a temporary
`git worktree` (with the project's .venv and node_modules linked in) and synthesized there from the base's own
design file, then removed, whatever happens. A base that cannot be read or synthesized exits 1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docgen import document, progress
from docgen.errors import DocgenError


class BaseUnusable(DocgenError):
    """The base cannot be read or synthesized: exit 1, whatever the reason (its spec included)."""

    exit_code = 1


@dataclass(frozen=True)
class Base:
    cdk_out: Path
    label: str
    targets: Path | None  # the base's own requirement targets, when it is a checkout


def review_command(args: argparse.Namespace) -> int:
    from docgen.assembly.reader import read_assembly
    from docgen.review import markdown
    from docgen.review.model import build, to_json

    head = document.load_assembly(args)
    with base_assembly(args) as base:
        with progress.step(f"reading {base.cdk_out}"):
            try:
                old = read_assembly(base.cdk_out)
            except DocgenError as exc:
                raise BaseUnusable(f"--base {args.base}: {exc}") from None
        with progress.step("rendering both design docs"):
            docs = _docs(args, old, head, base.targets)
        with progress.step("comparing"):
            review = build(old, head, (base.label, _head_label(args)), docs)
    text = json.dumps(to_json(review), indent=2) + "\n" if args.format == "json" else markdown.render(review)
    if args.output is None:
        print(text, end="")
    else:
        from docgen.output.writer import write_atomic

        write_atomic(args.output, text)
        progress.note(f"wrote {args.output}")
    return 0


def _docs(
    args: argparse.Namespace, base: Any, head: Any, base_targets: Path | None
) -> tuple[str, str] | None:
    """Both docs rendered with the same template (without generated/ files, which only the change has)."""
    texts = []
    for assembly, targets in ((base, base_targets), (head, None)):
        options = argparse.Namespace(
            template=args.template,
            targets=targets or args.targets,
            doc=document.DOC,
            no_generated=True,
            generated=None,
            cdk_out=Path(assembly.root),
            design=None,
            check=False,
        )
        try:
            texts.append(document.render_doc(options, assembly, None)[0])
        except DocgenError as exc:
            progress.note(f"doc sections not compared: {exc}")
            return None
    return texts[0], texts[1]


def _git(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *argv], cwd=root, capture_output=True, text=True, check=False, timeout=300
        )
    except FileNotFoundError:
        raise BaseUnusable("git is not installed: give --base a saved cdk.out folder instead") from None


def _head_label(args: argparse.Namespace) -> str:
    if args.cdk_out is not None:
        return str(args.cdk_out)
    found = _git(Path.cwd(), "rev-parse", "--short", "HEAD")
    dirty = _git(Path.cwd(), "status", "--porcelain", "--untracked-files=no").stdout.strip()
    sha = found.stdout.strip() if found.returncode == 0 else ""
    return f"{sha or 'the working tree'}{' with uncommitted changes' if dirty and sha else ''}"


@contextmanager
def base_assembly(args: argparse.Namespace) -> Iterator[Base]:
    """The base as a readable cloud assembly: a folder as it is, or a git ref synthesized in a worktree."""
    given = Path(args.base)
    if given.is_dir():
        yield Base(given, str(args.base), None)
        return
    if given.exists():
        raise BaseUnusable(f"--base {args.base} is a file: give a cdk.out folder or a git ref")
    root = Path.cwd()
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{args.base}^{{commit}}")
    if found.returncode != 0:
        raise BaseUnusable(
            f"--base {args.base}: neither a folder nor a git ref of the repository in {root} "
            "(save a cdk.out with `make baseline`, or name a branch)"
        )
    sha = found.stdout.strip()
    with _worktree(root, sha) as checkout:
        yield _synthesized(args, root, checkout, f"{args.base} ({sha[:7]})")


@contextmanager
def _worktree(root: Path, sha: str) -> Iterator[Path]:
    scratch = Path(tempfile.mkdtemp(prefix="docgen-review-"))
    checkout = scratch / "base"
    try:
        added = _git(root, "worktree", "add", "--detach", "--quiet", str(checkout), sha)
        if added.returncode != 0:
            raise BaseUnusable(f"git worktree add {sha[:7]} failed: {added.stderr.strip()}")
        for name in (".venv", "node_modules"):  # the base runs on the installed toolchain
            if (root / name).exists() and not (checkout / name).exists():
                (checkout / name).symlink_to((root / name).resolve())
        yield checkout
    finally:
        removed = _git(root, "worktree", "remove", "--force", str(checkout)).returncode == 0
        shutil.rmtree(scratch, ignore_errors=True)
        if not removed:  # its folder is gone now: drop git's record of it
            _git(root, "worktree", "prune")


def _synthesized(args: argparse.Namespace, root: Path, checkout: Path, label: str) -> Base:
    from docgen.assembly import cache

    design = document.selection(args).design
    relative = design.resolve().relative_to(root.resolve()) if design.is_absolute() else design
    if not (checkout / relative).is_file():
        raise BaseUnusable(f"--base {label} has no design file {relative}")
    selection = cache.Selection(checkout, relative, True, checkout / "cdk.out", True, True)
    with progress.step(f"synthesizing {relative} of {label} in a temporary worktree"):
        try:
            cache.synthesize(selection)
        except DocgenError as exc:
            raise BaseUnusable(f"--base {label} does not synthesize: {exc}") from None
    targets = checkout / "design-docs" / "requirements.yaml"
    return Base(checkout / "cdk.out", label, targets if targets.is_file() else None)
