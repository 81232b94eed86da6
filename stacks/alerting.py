"""Alert routing: a KMS-encrypted, TLS-only SNS topic per severity (P1..P4); the topic of each alarm kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from designspec.observability import SEVERITIES, Severities, Severity
from stacks.keys import limit_grants

PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")


class AlarmTopics(Construct):
    """The topics CloudWatch alarms and Budgets publish to; one KMS key encrypts all four."""

    def __init__(self, scope: Construct, id: str, *, emails: Mapping[Severity, tuple[str, ...]]) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(
            self, "Key", enable_key_rotation=True, description=f"{id}: encrypts alarm notifications"
        )
        limit_grants(self.key)
        for principal in PUBLISHERS:
            self.key.grant(iam.ServicePrincipal(principal), "kms:Decrypt", "kms:GenerateDataKey*")
        self.topics: dict[Severity, sns.Topic] = {}
        for severity in SEVERITIES:
            topic = sns.Topic(
                self, severity, master_key=self.key, enforce_ssl=True, display_name=f"{severity} alarms"
            )
            # Only this account's alarms and budgets may publish: no confused deputy in another account.
            topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AlarmsAndBudgetsOfThisAccount",
                    principals=[iam.ServicePrincipal(p) for p in PUBLISHERS],
                    actions=["sns:Publish"],
                    resources=[topic.topic_arn],
                    conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
                )
            )
            for email in emails.get(severity, ()):
                topic.add_subscription(subs.EmailSubscription(email))
            Tags.of(topic).add("Severity", severity)
            self.topics[severity] = topic


@dataclass(frozen=True)
class AlarmRouting:
    """What every alarm needs to know to notify: the spec's severity per kind and the topic per severity."""

    severities: Severities
    topics: Mapping[Severity, sns.ITopic]
    name_prefix: str  # "<project>-<environment>": alarm names read well in a notification e-mail

    def severity(self, kind: str) -> Severity:
        return self.severities.of(kind)

    def topic(self, kind: str) -> sns.ITopic:
        return self.topics[self.severity(kind)]
