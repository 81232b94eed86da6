"""Delivery settings of the designed application: its CI/CD platform and pipeline options."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from designspec.base import Strict

Branch = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]{1,100}$")]
Command = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=r"^[^\x00-\x1f\x7f]+$")]
SecretName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]
TagPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,20}$")]
Version = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}$")]


class Notify(Strict):
    """Where pipeline failures and production releases are announced."""

    slack_webhook_secret: SecretName | None = (
        "SLACK_WEBHOOK_URL"  # the CI secret holding the webhook, never the URL
    )
    emails: tuple[Email, ...] = ()


class CiSpec(Strict):
    """The designed application's delivery pipeline; every command runs at its repository root."""

    platform: Literal["github-actions", "gitlab-ci"] = "github-actions"
    default_branch: Branch = "main"
    registry: Literal["ecr"] = (
        "ecr"  # images go to each AWS environment's ECR repositories (<project>/<service>)
    )
    release_tag_prefix: TagPrefix = (
        "v"  # a pushed tag starting with this (v1.4.0) promotes its commit to prod
    )
    python_version: Version = "3.11"  # the CDK app's Python
    node_version: Version = "22"  # the CDK CLI's and static frontends' Node
    lint_command: Command = "make lint"
    unit_command: Command = "make test-unit"
    integration_command: Command = "make test-integration"  # runs against the dev Compose stack
    e2e_command: Command = "make test-e2e"  # runs against the dev Compose stack, before staging
    smoke_command: Command = "make smoke"  # runs against BASE_URL after each deploy
    notify: Notify = Notify()
