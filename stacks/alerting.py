"""Alert routing: a KMS-encrypted, TLS-only SNS topic per severity (P1..P4), who each topic reaches (e-mails,
an HTTPS paging service), and what each alarm kind notifies (its topic, and an Incident Manager response plan
for the severities that open incidents)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aws_cdk import CfnResource, SecretValue, Stack, Tags
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from designspec.observability import SEVERITIES, Severities, Severity
from stacks.keys import limit_grants

PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")


@dataclass(frozen=True)
class PagingRoute:
    """An HTTPS paging service (PagerDuty, Opsgenie) subscribed to some topics; its URL is a secret."""

    url_secret: str  # the Secrets Manager secret's name; it must hold the URL before the first deploy
    json_key: str | None
    severities: tuple[Severity, ...]

    def endpoint(self) -> str:
        """A dynamic reference CloudFormation resolves at deploy time: the URL is never in the template."""
        value = SecretValue.secrets_manager(self.url_secret, json_field=self.json_key)
        return value.unsafe_unwrap()  # the `{{resolve:secretsmanager:...}}` reference, not the value


class AlarmTopics(Construct):
    """The topics CloudWatch alarms and Budgets publish to; one KMS key encrypts all four."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        emails: Mapping[Severity, tuple[str, ...]],
        paging: PagingRoute | None = None,
        unattended: Mapping[Severity, str] | None = None,
    ) -> None:
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
            if paging is not None and severity in paging.severities:
                sns.Subscription(
                    topic,
                    "Paging",
                    topic=topic,
                    protocol=sns.SubscriptionProtocol.HTTPS,
                    endpoint=paging.endpoint(),
                )
            reason = (unattended or {}).get(severity)
            if reason:  # docgen shows why nobody is subscribed instead of flagging the topic
                l1 = topic.node.default_child
                assert isinstance(l1, CfnResource)
                l1.add_metadata("Unattended", reason)
            Tags.of(topic).add("Severity", severity)
            self.topics[severity] = topic


@dataclass(frozen=True)
class AlarmRouting:
    """What every alarm needs to know to notify: the spec's severity per kind and the topic per severity."""

    severities: Severities
    topics: Mapping[Severity, sns.ITopic]
    name_prefix: str  # "<project>-<environment>": alarm names read well in a notification e-mail
    response_plans: Mapping[str, str] = field(default_factory=dict)  # severity -> Incident Manager plan name

    def severity(self, kind: str) -> Severity:
        return self.severities.of(kind)

    def topic(self, kind: str) -> sns.ITopic:
        return self.topics[self.severity(kind)]

    def actions(self, kind: str) -> list[cw.IAlarmAction]:
        """The topic of the kind's severity, and the response plan that opens an incident for it."""
        out: list[cw.IAlarmAction] = [cw_actions.SnsAction(self.topic(kind))]
        plan = self.response_plans.get(self.severity(kind))
        if plan:
            out.append(cw_actions.SsmIncidentAction(plan))
        return out
