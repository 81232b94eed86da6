#!/usr/bin/env python3
"""The composition root: reads the design spec, builds one Stage per AWS environment, validates, synthesizes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from aws_cdk import App, Aspects, Validations
from cdk_nag import WriteNagSuppressionsToCloudFormationAspect

import parallel_synth
from designspec import SpecError, load_design
from designspec import stamp as stamps
from designspec.errors import SettingError, clean, report_unexpected
from stacks.compliance import (
    acknowledge_unlocated,
    set_compliance_context,
    unacknowledged_findings,
    validation_plugins,
)
from stacks.stage import EnvironmentStage
from stacks.stage_edge import CLOUDFRONT_REGION


def cli_context() -> dict[str, object]:
    """Outside the CDK CLI (tests, docgen), the context the CLI would give: cdk.json's feature flags and the
    resource path metadata (cfn-lint recognises CDK templates by it), so both synthesize the same templates."""
    flags = json.loads((Path(__file__).parent / "cdk.json").read_text(encoding="utf-8"))["context"]
    return {**flags, "aws:cdk:enable-path-metadata": True}


def build_app(
    design_path: str,
    *,
    outdir: str | None = None,
    image_tag: str = "bootstrap",
    environments: list[str] | None = None,
) -> App:
    design = load_design(design_path)
    app = App(outdir=outdir, context=cli_context()) if outdir else App()
    set_compliance_context(app, design.security)  # before the first stage
    for env_name in design.aws_environments():
        if environments is None or env_name in environments:
            stage = EnvironmentStage(app, env_name, design=design, image_tag=image_tag)
            # Copies each acknowledgement (rule + reason) into template Metadata, where docgen reads it.
            # Aspects do not cross Stage boundaries, so it is added per stage, not on the app.
            Aspects.of(stage).add(WriteNagSuppressionsToCloudFormationAspect())
    # Policy-validation plugins: cdk-nag's AwsSolutions and the spec's compliance packs, and AWS Control Tower's
    # proactive controls (CloudFormation Guard). Any unacknowledged finding of any of them fails the synth.
    Validations.of(app).add_plugins(*validation_plugins(app, design.security))
    acknowledge_unlocated(
        app,
        cross_region_certificate=any(
            e.domain is not None and e.region != CLOUDFRONT_REGION for e in design.aws_environments().values()
        ),
    )
    return app


def synthesize(app: App, design_path: str) -> Path:
    """Synthesize `app` and stamp the assembly with the design and code it came from."""
    return stamped(Path(app.outdir), design_path, lambda: Path(app.synth().directory))


def stamped(outdir: Path, design_path: str, synth: Callable[[], Path]) -> Path:
    """Run `synth` (which writes the assembly into `outdir`) and stamp it with the design and code it came from.

    The stamp is removed before synthesis starts and written (atomically) only after it completes, so an
    interrupted or failed synth leaves an assembly docgen will not trust.
    """
    stamp_path = outdir / stamps.CDK_OUT_STAMP
    stamps.remove_stamp(stamp_path)
    folder = synth()
    design = load_design(design_path)
    root = Path(__file__).resolve().parent
    stamps.write_stamp(
        stamp_path,
        stamps.make_stamp(
            root=root,
            design_file=Path(design_path),
            project=design.project,
            kind="cdk.out",
            input_globs=stamps.SYNTH_INPUTS,
            folder=folder,
            output_globs=stamps.CDK_OUT_OUTPUTS,
        ),
    )
    return folder


def synthesize_all(design_path: str, image_tag: str, outdir: Path) -> Path:
    """Every stage of the design into `outdir`: in parallel processes when there are stages and cores for it."""
    stages = list(load_design(design_path).aws_environments())
    if len(stages) > 1 and parallel_synth.workers() > 1:
        return stamped(outdir, design_path, lambda: parallel_synth.synthesize_stages(stages, outdir))
    return synthesize(build_app(design_path, image_tag=image_tag), design_path)  # App() reads CDK_OUTDIR


def main() -> int:
    """Exit 0 synthesized, 2 a bad spec (one line on stderr), 3 anything unexpected (one line, a log file)."""
    design_path = os.environ.get("DESIGN_FILE", "design.yaml")
    try:
        probe = App()  # only to read context given with -c on the cdk command line
        design_path = probe.node.try_get_context("design") or design_path
        image_tag = probe.node.try_get_context("image_tag") or "bootstrap"
        share = os.environ.get(parallel_synth.STAGES_ENV)
        if share:  # a child of a parallel synth: its stages only; the parent merges, stamps and checks
            build_app(design_path, image_tag=image_tag, environments=share.split(",")).synth()
            return 0
        outdir = synthesize_all(design_path, image_tag, Path(probe.outdir))
    except parallel_synth.ChildFailed as exc:  # it printed its own error
        return exc.code
    except SettingError as exc:  # SYNTH_WORKERS, GUARD_WORKERS
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SpecError as exc:  # from the loader, or from a construct that checks its spec input
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug, or a CDK/jsii failure the spec checks did not foresee
        return report_unexpected(exc, f"synthesizing {clean(design_path)}", "cdk-app-")
    # CDK fails the synth only on error-severity findings; the design accepts no unacknowledged one at all.
    findings = unacknowledged_findings(outdir)
    if findings:
        stamps.remove_stamp(outdir / stamps.CDK_OUT_STAMP)  # docgen must not trust this assembly
        for line in findings:
            print(f"error: {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
