"""Compliance: the validation plugins a design runs on every synth, and the design-wide acknowledgements.

cdk-nag's AwsSolutions pack always runs; the spec adds NIST 800-53 r5, HIPAA or PCI DSS (`security.compliance_packs`)
and AWS Control Tower's proactive controls as CloudFormation Guard rules (`security.control_tower_guard`). Any
unacknowledged finding of any of them fails the synth. Acknowledgements of one resource live next to its construct;
the ones below are decisions that hold for every resource of an environment, each with its reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import cdk_nag
from aws_cdk import (
    CfnResource,
    IPolicyValidationPlugin,
    Stack,
    Stage,
)
from constructs import Construct

from designspec.security import SecuritySpec
from stacks.guard import control_tower_guard
from stacks.nag import GUARD_CONTEXT, GUARD_PLUGIN, NAG_PACKS, PACKS_CONTEXT, acknowledge_check

COMPLIANCE_PLUGINS = (*NAG_PACKS.values(), GUARD_PLUGIN)  # plugin names in the validation report
_NAG_CHECKS = {
    "aws-solutions": cdk_nag.AwsSolutionsChecks,
    "nist-800-53-r5": cdk_nag.NIST80053R5Checks,
    "hipaa": cdk_nag.HIPAASecurityChecks,
    "pci-dss": cdk_nag.PCIDSS321Checks,
}


def validation_plugins(scope: Construct, security: SecuritySpec) -> list[IPolicyValidationPlugin]:
    """One plugin per pack the spec names (aws-solutions first), then the Guard plugin if enabled.

    `scope` is the app (cdk-nag's plugins walk it)."""
    plugins: list[IPolicyValidationPlugin] = [_NAG_CHECKS[pack](scope) for pack in security.packs()]
    if security.control_tower_guard:
        plugins.append(control_tower_guard())
    return plugins


def unacknowledged_findings(cdk_out: Path) -> list[str]:
    """Findings of the compliance plugins left in the synth's validation report, and plugins that did not run,
    one line each.

    CDK fails the synth only on findings of severity error; the Guard plugin reports some controls at lower
    severities, which would pass silently. The design accepts none without an acknowledgement. A plugin that
    raised is recorded by CDK as a failed plugin without findings, and the synth passes: a validation that did not
    run is refused too.
    """
    report = cdk_out / "validation-report.json"
    if not report.exists():
        return []
    lines = []
    for plugin in json.loads(report.read_text(encoding="utf-8")).get("pluginReports", []):
        error = (plugin.get("metadata") or {}).get("error")
        if error:  # CDK records a plugin that raised as a failure with no finding, and lets the synth pass
            lines.append(f"{plugin['pluginName']} did not run: {' '.join(str(error).split())}")
        if plugin["pluginName"] not in COMPLIANCE_PLUGINS:
            continue
        for violation in plugin.get("violations", []):
            where = [c.get("constructPath") or "?" for c in violation.get("violatingConstructs", [])]
            lines.append(
                f"unacknowledged finding {plugin['pluginName']} {violation['ruleName']}: {', '.join(where)}"
            )
    return lines


def set_compliance_context(stage: Stage, security: SecuritySpec) -> None:
    """Lets constructs acknowledge only for the packs that run. Must precede the stage's first child."""
    stage.node.set_context(PACKS_CONTEXT, list(security.packs()))
    stage.node.set_context(GUARD_CONTEXT, security.control_tower_guard)


def compliance_metadata(security: SecuritySpec) -> dict[str, Any]:
    """What docgen shows of the validation setup (template metadata key `Compliance`): packs and plugins.

    Findings accepted on a resource are in its `Metadata.cdk_nag.rules_to_suppress`; an id with `::` names
    its plugin before the `::` (for example `NIST.800.53.R5::NIST.800.53.R5-ALBWAFEnabled`).
    """
    packs = [
        {"pack": p, "plugin": NAG_PACKS[p], "tool": f"cdk-nag {version('cdk-nag')}"} for p in security.packs()
    ]
    if security.control_tower_guard:
        packs.append(
            {
                "pack": "control-tower-proactive",
                "plugin": GUARD_PLUGIN,
                "tool": f"cdklabs.cdk-validator-cfnguard {version('cdklabs.cdk-validator-cfnguard')}",
            }
        )
    return {"packs": packs, "encryption": security.encryption}


@dataclass(frozen=True)
class Decision:
    """A finding accepted on every resource of the given types in an environment, with its reason."""

    types: tuple[str, ...]
    reason: str
    nag: str = ""
    guard: str = ""


DECISIONS = (
    Decision(
        ("AWS::IAM::Policy", "AWS::IAM::Role"),
        "CDK's grants write one least-privilege inline policy per role, scoped to the resources granted; "
        "shared managed policies would be broader.",
        nag="IAMNoInlinePolicy",
    ),
    Decision(
        ("AWS::Logs::LogGroup",),
        "Retention is chosen per log type in the spec (observability.logging.retention_days); audit logs keep "
        "365 days, application and flow logs the environment's retention.",
        guard="cloudwatch_log_group_retention_period_check",
    ),
    Decision(
        ("AWS::S3::Bucket",),
        "Buckets hold logs and static site builds, rebuilt from the repository; S3's own 11-nines durability "
        "in one region is enough, so no cross-region replication.",
        nag="S3BucketReplicationEnabled",
    ),
    Decision(
        ("AWS::S3::Bucket",),
        "Object Lock would make log expiry and site redeploys impossible; access to the buckets is by bucket "
        "policy (TLS only, CloudFront OAC) and versioning protects site objects.",
        guard="s3_bucket_object_lock_enabled_check",
    ),
    Decision(
        ("AWS::S3::Bucket",),
        "Nothing consumes object events of log or site buckets; the design has no workflow they would start.",
        guard="s3_event_notifications_enabled_check",
    ),
    Decision(
        ("AWS::CloudFront::Distribution",),
        "One origin per behaviour in one region: the app runs in one region per environment, so there is no "
        "second origin to fail over to.",
        guard="cloudfront_origin_failover_enabled_check",
    ),
    Decision(
        ("AWS::ECS::Cluster",),
        "Container Insights runs in 'enhanced' mode, which includes every metric of 'enabled' and more; the "
        "rule only accepts the literal value 'enabled'.",
        guard="ecs_container_insights_enabled_check",
    ),
)
_IMPORTED_KEY = (
    "KmsKeyId names the design's customer-managed key, imported from the Keys stack with Fn::ImportValue, "
    "which Guard rules cannot resolve; cdk-nag and checkov verify the key on the same resources."
)
CUSTOMER_KEY_DECISIONS = (
    Decision(("AWS::Logs::LogGroup",), _IMPORTED_KEY, guard="cloudwatch_log_group_encrypted_check"),
    Decision(("AWS::SQS::Queue",), _IMPORTED_KEY, guard="sqs_queue_encrypted_check"),
    Decision(("AWS::RDS::DBInstance",), _IMPORTED_KEY, guard="rds_storage_encrypted_kms_key_check"),
)
AWS_KEY_DECISIONS = (
    Decision(
        ("AWS::Logs::LogGroup",),
        "The spec chooses security.encryption: aws-managed: log groups use CloudWatch Logs' own encryption; "
        "customer-managed switches every log group to the design's KMS key.",
        nag="CloudWatchLogGroupEncrypted",
        guard="cloudwatch_log_group_encrypted_check",
    ),
)


def acknowledge_design_decisions(stage: Stage, *, customer_keys: bool) -> None:
    """Decisions that hold for every resource of a type in the environment; call once the stage is built.

    Each lands on the resources of its types only (not the whole stage), so template metadata stays small.
    """
    decisions = (*DECISIONS, *(CUSTOMER_KEY_DECISIONS if customer_keys else AWS_KEY_DECISIONS))
    by_type: dict[str, list[Decision]] = {}
    for decision in decisions:
        for cfn_type in decision.types:
            by_type.setdefault(cfn_type, []).append(decision)
    for construct in stage.node.find_all():
        if CfnResource.is_cfn_resource(construct):
            for decision in by_type.get(construct.cfn_resource_type, ()):
                acknowledge_check(construct, decision.reason, nag=decision.nag, guard=decision.guard)


def acknowledge_cross_region_handlers(stack: Stack) -> None:
    """CDK's cross-region reference handlers (writer in us-east-1, reader in the environment's region)."""
    acknowledge_check(
        stack,
        "CDK's cross-region reference handlers run at deploy time and call only the SSM Parameter Store API "
        "to pass the certificate and web ACL ARNs between regions; they reach nothing in a VPC.",
        guard="lambda_inside_vpc_check",
    )


def acknowledge_unlocated(app: Construct, *, cross_region_certificate: bool) -> None:
    """Findings the Guard plugin reports with no resource (so they can only be acknowledged at the app root).

    With a certificate from another region's stack, Guard's CloudFront certificate rules fail once more for the
    template as a whole besides each distribution (acknowledged there); only then is this acknowledged.
    """
    if not cross_region_certificate:
        return
    reason = (
        "Each distribution has the spec's certificate with SNI and TLSv1.2_2021, its ARN passed from the "
        "us-east-1 stack by CDK's cross-region reference, which Guard cannot resolve; Guard reports it once "
        "more without a resource."
    )
    for rule in ("cloudfront_custom_ssl_certificate_check", "cloudfront_sni_enabled_check"):
        acknowledge_check(app, reason, guard=rule)
