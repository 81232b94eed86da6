"""AWS Control Tower's proactive controls on every synth: cdk-validator-cfnguard's Guard rules, made cheaper."""

from __future__ import annotations

import json
import re
import tarfile
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

from stacks.nag import GUARD_PLUGIN


@jsii.implements(IPolicyValidationPlugin)
class ControlTowerGuard:
    """cdk-validator-cfnguard's Control Tower rules, run only where they can apply.

    cfn-guard evaluates every rule file against every template; most of the 237 rules are for services a design
    never uses (API Gateway, EKS, ...), which pass vacuously but cost half the plugin's time. Each rule names
    the resource types it checks: the ones naming no type present in the synthesized templates are disabled
    for this synth, the rest run exactly as the plugin ships them.
    """

    @property
    def name(self) -> str:
        return GUARD_PLUGIN  # acknowledgements are namespaced by this name

    @property
    def version(self) -> str:
        return version("cdklabs.cdk-validator-cfnguard")

    @property
    def rule_ids(self) -> list[str] | None:
        return None

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        present = set()
        for path in context.template_paths:
            resources = json.loads(Path(path).read_text(encoding="utf-8")).get("Resources", {})
            present |= {r.get("Type") for r in resources.values()}
        # a rule naming no type at all is never disabled
        disabled = [rule for rule, types in guard_rule_types().items() if types and not types & present]
        inner = CfnGuardValidator(control_tower_rules_enabled=True, disabled_rules=disabled)
        return _current_report(inner.validate(context), self.version)


def _current_report(beta: Any, plugin_version: str) -> PolicyValidationPluginReport:
    """The plugin still answers with the Beta1 report type; the same fields in the current one."""
    return PolicyValidationPluginReport(
        success=beta.success,
        plugin_version=plugin_version,
        metadata=beta.metadata,
        violations=[
            PolicyViolation(
                rule_name=v.rule_name,
                description=v.description,
                fix=v.fix,
                rule_metadata=v.rule_metadata,
                severity=v.severity,
                violating_resources=[
                    PolicyViolatingResource(
                        locations=list(r.locations),
                        resource_logical_id=r.resource_logical_id,
                        template_path=r.template_path,
                    )
                    for r in v.violating_resources
                ],
            )
            for v in beta.violations
        ],
    )


@cache
def guard_rule_types() -> dict[str, frozenset[str]]:
    """Guard rule name (file stem, e.g. ct-s3-pr-1) -> the CloudFormation types its text checks."""
    bundle = files("cdklabs.cdk_validator_cfnguard._jsii")
    (tarball,) = [f for f in bundle.iterdir() if f.name.endswith(".jsii.tgz")]
    out: dict[str, frozenset[str]] = {}
    with tarball.open("rb") as raw, tarfile.open(fileobj=raw, mode="r:gz") as archive:
        for member in archive:
            if member.name.endswith(".guard") and "/rules/control-tower/" in member.name:
                text = archive.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]
                stem = member.name.rsplit("/", 1)[1].removesuffix(".guard")
                out[stem] = frozenset(re.findall(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+", text))
    return out
