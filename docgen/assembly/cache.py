"""Which cloud assembly docgen reads, and when it may synthesize one (through the CDK CLI, never by import).

Two cases:

- the project's own `cdk.out` (no `--cdk-out`): docgen trusts it only when its stamp names the requested design
  and no input (design, code, locks) changed since; otherwise it synthesizes into it, or with `--no-synth`
  refuses in one line saying why;
- a folder the user named (`--cdk-out DIR`): read-only. docgen never synthesizes into it. A stamped folder must
  not have been rewritten since its stamp, and must come from `--design` when that is given; an unstamped
  folder is some other CDK app, documented as it is.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from docgen import progress
from docgen.assembly.stamp import (
    CDK_OUT_STAMP,
    Stamp,
    design_path,
    outputs_intact,
    read_stamp,
    same_design,
    stale_inputs,
)
from docgen.errors import AssemblyError, DocgenError

OWN_CDK_OUT = Path("cdk.out")
SPEC_EXIT = 2  # app.py's exit status for a bad design spec


class SpecRejected(DocgenError):
    """The design spec was rejected by the synth: the spec's own one-line error, exit status 2."""

    exit_code = SPEC_EXIT


@dataclass(frozen=True)
class Selection:
    """What the user asked for: a design, and an assembly folder (the project's own unless named)."""

    root: Path
    design: Path
    design_explicit: bool
    cdk_out: Path
    own: bool
    synth: bool


def _why_not_fresh(sel: Selection, stamp: Stamp | None) -> str | None:
    """Why the project's own cdk.out cannot be used as it is, or None when it can."""
    where = sel.cdk_out
    if not (where / "manifest.json").exists():
        return f"{where} holds no cloud assembly"
    if stamp is None:
        return f"{where} has no stamp (an interrupted synth, or an assembly made by another tool)"
    if not same_design(stamp, sel.design, sel.root):
        return f"{where} was synthesized from {stamp.describe()}, not from {sel.design}"
    if not outputs_intact(stamp):
        return f"{where} was rewritten since its stamp (another synth or an edit)"
    changed = stale_inputs(stamp, sel.root)
    if changed:
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        return f"{', '.join(changed[:3])}{more} changed since {where} was synthesized"
    return None


def ensure_assembly(sel: Selection) -> Stamp | None:
    """The stamp of the assembly to read (None: an unstamped, foreign assembly); synthesizes when needed."""
    if not sel.own:
        return _named_folder(sel)
    reason = _why_not_fresh(sel, read_stamp(sel.cdk_out, CDK_OUT_STAMP) if sel.cdk_out.is_dir() else None)
    if reason is None:
        progress.note(
            f"synth skipped: {sel.cdk_out} is up to date with {sel.design} and the code (its stamp)"
        )
        return read_stamp(sel.cdk_out, CDK_OUT_STAMP)
    if not sel.synth:
        raise AssemblyError(f"{reason}: run `make synth` (or drop --no-synth)")
    progress.note(reason)
    with progress.step(f"synthesizing {sel.design} into {sel.cdk_out}"):
        synthesize(sel)
    stamp = read_stamp(sel.cdk_out, CDK_OUT_STAMP)
    if stamp is None or not same_design(stamp, sel.design, sel.root):
        raise AssemblyError(f"cdk synth of {sel.design} finished but left no matching stamp in {sel.cdk_out}")
    return stamp


def _named_folder(sel: Selection) -> Stamp | None:
    if not (sel.cdk_out / "manifest.json").exists():
        raise AssemblyError(f"{sel.cdk_out}/manifest.json not found: give a folder `cdk synth` wrote")
    stamp = read_stamp(sel.cdk_out, CDK_OUT_STAMP)
    if stamp is None:
        return None
    if not outputs_intact(stamp):
        raise AssemblyError(
            f"{sel.cdk_out} was rewritten since its stamp ({stamp.describe()}): re-synthesize it, or delete "
            f"{stamp.path.name} to document it as an unstamped assembly"
        )
    if sel.design_explicit and not same_design(stamp, sel.design, sel.root):
        raise AssemblyError(
            f"{sel.cdk_out} was synthesized from {stamp.describe()}, but --design names {sel.design}"
        )
    return stamp


def synthesize(sel: Selection) -> None:
    """`cdk synth` of the selected design into the project's own cdk.out; the spec's error on failure."""
    node_bin = sel.root / "node_modules" / ".bin"
    if not (node_bin / "cdk").exists():
        raise DocgenError("the CDK CLI is not installed (node_modules/.bin/cdk): run `make setup`")
    env = {
        **os.environ,
        "PATH": f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "DESIGN_FILE": str(sel.design),
    }
    if (node_bin / "node").exists():
        env.setdefault("JSII_NODE", str(node_bin / "node"))
    command = [str(node_bin / "cdk"), "synth", "--quiet", "--no-notices", "-o", str(sel.cdk_out)]
    command += ["-c", f"design={sel.design}"]
    proc = subprocess.run(command, cwd=sel.root, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise _synth_failure(proc.stderr + proc.stdout)


def _synth_failure(output: str) -> DocgenError:
    """The app's own one-line error (a bad spec exits 2), not the CLI's "Subprocess exited" wrapper."""
    lines = [line.strip() for line in output.splitlines()]
    errors = [line.removeprefix("error: ") for line in lines if line.startswith("error:")]
    status = re.search(r"exited with error (\d+)", output)
    detail = errors[0] if errors else next((line for line in reversed(lines) if line), "no output")
    if status and int(status.group(1)) == SPEC_EXIT:
        return SpecRejected(detail)
    return DocgenError(f"cdk synth failed: {detail}")


def selection(*, root: Path, design: Path | None, cdk_out: Path | None, synth: bool) -> Selection:
    """The selection from the command line: DESIGN_FILE (or design.yaml) when --design is not given."""
    chosen = design if design is not None else Path(os.environ.get("DESIGN_FILE") or "design.yaml")
    own_path = root / OWN_CDK_OUT
    folder = cdk_out if cdk_out is not None else (OWN_CDK_OUT if root == Path.cwd() else own_path)
    # The project's own cdk.out only in a project with a design spec: in any other CDK project (a team running
    # the docgen command in its own app) cdk.out is documented as it is, never synthesized from a spec.
    has_design = (chosen if chosen.is_absolute() else root / chosen).is_file()
    own = has_design and (cdk_out is None or folder.resolve() == own_path.resolve())
    return Selection(root, chosen, design is not None, folder, own, synth)


__all__ = ["Selection", "SpecRejected", "design_path", "ensure_assembly", "selection", "synthesize"]
