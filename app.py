#!/usr/bin/env python3
"""The composition root: reads the design spec, builds one Stage per AWS environment, validates, synthesizes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from aws_cdk import App, Aspects, Validations
from cdk_nag import WriteNagSuppressionsToCloudFormationAspect

from designspec import SpecError, load_design
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


def main() -> int:
    probe = App()  # only to read context given with -c on the cdk command line
    design_path = probe.node.try_get_context("design") or os.environ.get("DESIGN_FILE", "design.yaml")
    image_tag = probe.node.try_get_context("image_tag") or "bootstrap"
    try:
        app = build_app(design_path, image_tag=image_tag)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    assembly = app.synth()
    findings = unacknowledged_findings(Path(assembly.directory))
    for line in findings:
        print(f"error: unacknowledged finding {line}", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
