"""AWS Control Tower's proactive controls on every synth: cdk-validator-cfnguard's Guard rules, made cheaper."""

from __future__ import annotations

import re
import tarfile
from functools import cache
from importlib.resources import files

from aws_cdk import CfnResource
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator
from constructs import Construct

# Types CDK adds while it synthesizes (cross-region reference handlers and their roles), after the tree is built.
SYNTHESIS_TYPES = frozenset(
    {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::SSM::Parameter"}
)


def control_tower_guard(app: Construct) -> CfnGuardValidator:
    """cdk-validator-cfnguard's Control Tower rules, only those that can apply to this app.

    cfn-guard evaluates every rule file against every template; most of the 237 rules are for services a design
    never uses (API Gateway, EKS, ...): they pass vacuously but cost half the plugin's time. Each rule names the
    resource types it checks; a rule naming none of the app's types (read from the finished construct tree) is
    disabled for this synth, and every other rule runs exactly as the plugin ships it. Call once the app's
    stages are built.
    """
    present = set(SYNTHESIS_TYPES) | resource_types(app)
    # a rule naming no type at all is never disabled
    disabled = [rule for rule, types in guard_rule_types().items() if types and not types & present]
    return CfnGuardValidator(control_tower_rules_enabled=True, disabled_rules=disabled)


def resource_types(app: Construct) -> set[str]:
    """The CloudFormation types in the app's tree: from its stages when each has walked its own tree already
    (`EnvironmentStage.cfn_types`, the same Python objects jsii hands back), else by walking the tree."""
    known = [getattr(child, "cfn_types", None) for child in app.node.children]
    if known and all(isinstance(types, frozenset) for types in known):
        return set().union(*known)
    return {c.cfn_resource_type for c in app.node.find_all() if CfnResource.is_cfn_resource(c)}


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
