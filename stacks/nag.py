"""cdk-nag acknowledgements: one place that records each accepted finding with the reason it is accepted."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge an AwsSolutions finding on `scope` (and its children). `reason` is required and shown in the doc."""
    if len(reason) < 20:
        raise ValueError(f"acknowledgement of {rule} needs a real reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_all(scope: IConstruct, findings: dict[str, str]) -> None:
    for rule, reason in findings.items():
        acknowledge(scope, rule, reason)
