"""Acknowledgements of validation findings: one place that records each accepted finding with its reason.

Four kinds of finding: cdk-nag's AwsSolutions rules (`AwsSolutions-XYZ`), the optional cdk-nag compliance packs
(`NIST.800.53.R5::NIST.800.53.R5-XYZ`, HIPAA, PCI DSS), AWS Control Tower's proactive controls run by the
CloudFormation Guard plugin (`cdk-validator-cfnguard::rule_name`), and CDK's own template validation
(`CloudFormation-Validate::W1234`). Each acknowledgement lands in template metadata
(`Metadata.cdk_nag.rules_to_suppress`: id and reason), where docgen reads it.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

# Spec pack name -> the cdk-nag plugin name, which is also the prefix of its rule ids.
NAG_PACKS = {
    "aws-solutions": "AwsSolutions",
    "nist-800-53-r5": "NIST.800.53.R5",
    "hipaa": "HIPAA.Security",
    "pci-dss": "PCI.DSS.321",
}
GUARD_PLUGIN = "cdk-validator-cfnguard"
# Context keys the stage sets so constructs acknowledge only for the packs that run (keeps metadata small).
PACKS_CONTEXT = "designspec:compliance-packs"
GUARD_CONTEXT = "designspec:control-tower-guard"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a finding on `scope` (and its children). `reason` is required and shown in the doc."""
    if len(reason) < 20:
        raise ValueError(f"acknowledgement of {rule} needs a real reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_all(scope: IConstruct, findings: dict[str, str]) -> None:
    for rule, reason in findings.items():
        acknowledge(scope, rule, reason)


def acknowledge_packs(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge `rule` (e.g. "RDSEnhancedMonitoringEnabled") in every compliance pack that runs on `scope`.

    NIST 800-53, HIPAA and PCI DSS share rule names; one reason answers the same check in each of them.
    """
    for pack in scope.node.try_get_context(PACKS_CONTEXT) or ():
        if pack != "aws-solutions":
            prefix = NAG_PACKS[pack]
            acknowledge(scope, f"{prefix}::{prefix}-{rule}", reason)


def acknowledge_guard(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a Control Tower proactive control (its Guard rule name) when the Guard plugin runs."""
    if scope.node.try_get_context(GUARD_CONTEXT):
        acknowledge(scope, f"{GUARD_PLUGIN}::{rule}", reason)


def acknowledge_check(scope: IConstruct, reason: str, *, nag: str = "", guard: str = "") -> None:
    """One reason for the same concern in each validator: the packs' rule `nag`, the Guard rule `guard`."""
    if nag:
        acknowledge_packs(scope, nag, reason)
    if guard:
        acknowledge_guard(scope, guard, reason)


def acknowledge_log_bucket(bucket: IConstruct) -> None:
    """What a bucket that only receives logs does not need: its own access logs and versions."""
    acknowledge_check(
        bucket,
        "A log bucket: logging its own access would log into itself.",
        nag="S3BucketLoggingEnabled",
        guard="s3_bucket_logging_enabled_check",
    )
    acknowledge_check(
        bucket,
        "A log bucket whose lifecycle expires logs; versions would only keep expired logs.",
        nag="S3BucketVersioningEnabled",
        guard="s3_bucket_versioning_enabled_check",
    )
