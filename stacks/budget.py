"""Cost controls: an AWS Budgets monthly cost budget per environment, alerting the alarm topic and e-mails."""

from __future__ import annotations

from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_sns as sns
from constructs import Construct

from designspec.model import Budget
from designspec.naming import budget_name


class CostBudget(Construct):
    """Filters on the cost-allocation tags Project and Environment, so it counts only this environment's spend."""

    def __init__(
        self, scope: Construct, id: str, *, project: str, environment: str, budget: Budget, topic: sns.ITopic
    ) -> None:
        super().__init__(scope, id)
        subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic.topic_arn)]
        subscribers += [
            budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=e) for e in budget.emails
        ]
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=budget_name(project, environment),
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=budget.monthly_limit_usd, unit="USD"),
                cost_filters={"TagKeyValue": [f"user:Project${project}", f"user:Environment${environment}"]},
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        comparison_operator="GREATER_THAN",
                        notification_type="ACTUAL",
                        threshold=threshold,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=subscribers,
                )
                for threshold in budget.thresholds_percent
            ],
        )
