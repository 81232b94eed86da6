"""The alarm topic: a KMS-encrypted, TLS-only SNS topic that CloudWatch alarms and Budgets publish to."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct


class AlarmTopic(Construct):
    def __init__(self, scope: Construct, id: str, *, emails: tuple[str, ...]) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(self, "Key", enable_key_rotation=True, description=f"{id}: encrypts alarm notifications")
        for principal in ("cloudwatch.amazonaws.com", "budgets.amazonaws.com"):
            self.key.grant(iam.ServicePrincipal(principal), "kms:Decrypt", "kms:GenerateDataKey*")
        self.topic = sns.Topic(self, "Topic", master_key=self.key, enforce_ssl=True, display_name=id)
        self.topic.grant_publish(iam.ServicePrincipal("budgets.amazonaws.com"))
        self.topic.grant_publish(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        for email in emails:
            self.topic.add_subscription(subs.EmailSubscription(email))
