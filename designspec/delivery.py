"""Delivery settings of the designed application: its CI/CD platforms and pipeline options."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from designspec.base import Strict

Branch = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]{1,100}$")]
Command = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=r"^[^\x00-\x1f\x7f]+$")]
SecretName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]
TagPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,20}$")]
Version = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}$")]
# The five platforms of the infrastructure design specification ("Supported Platforms").
Platform = Literal["github-actions", "gitlab-ci", "azure-devops", "jenkins", "circleci"]

# How many people must approve a production deploy, at most, on each platform. GitHub environments proceed
# when one of the required reviewers approves; a Jenkins `input` and a CircleCI approval job take one click;
# GitLab protected environments take 1-5 approvals (required_approval_count); an Azure DevOps Approvals
# check takes a minimum number of approvers (minRequiredApprovers).
MAX_PROD_APPROVALS: dict[str, int] = {
    "github-actions": 1,
    "gitlab-ci": 5,
    "azure-devops": 10,
    "jenkins": 1,
    "circleci": 1,
}


class Notify(Strict):
    """Where pipeline failures and production releases are announced."""

    slack_webhook_secret: SecretName | None = (
        "SLACK_WEBHOOK_URL"  # the CI secret holding the webhook, never the URL
    )
    emails: tuple[Email, ...] = ()


class CiSpec(Strict):
    """The designed application's delivery pipeline; every command runs at its repository root.

    The commands default to make targets the application repository is expected to define (README:
    "Pipeline commands"); a team without them sets its own command here.
    """

    platform: Platform = "github-actions"  # the primary platform (the doc's CI/CD section leads with it)
    platforms: tuple[Platform, ...] = ()  # several at once (a migration); empty: just `platform`
    default_branch: Branch = "main"
    registry: Literal["ecr"] = (
        "ecr"  # images go to each AWS environment's ECR repositories (<project>/<service>)
    )
    release_tag_prefix: TagPrefix = (
        "v"  # a pushed tag starting with this (v1.4.0) promotes its commit to prod
    )
    prod_approvals: int = Field(1, ge=1, le=10)  # people who must approve each production deploy
    pr_approvals: int = Field(1, ge=1, le=10)  # reviews a pull request needs before it merges
    python_version: Version = "3.11"  # the CDK app's Python
    node_version: Version = "22"  # the CDK CLI's and static frontends' Node
    lint_command: Command = "make lint"
    unit_command: Command = "make test-unit"
    integration_command: Command = "make test-integration"  # runs against the dev Compose stack
    e2e_command: Command = "make test-e2e"  # runs against the dev Compose stack, before staging
    smoke_command: Command = "make smoke"  # runs against BASE_URL after each deploy
    notify: Notify = Notify()

    def selected_platforms(self) -> tuple[str, ...]:
        """The platforms whose files are generated, the primary one first."""
        if not self.platforms:
            return (self.platform,)
        primary = self.primary_platform()
        return (primary, *(p for p in self.platforms if p != primary))

    def primary_platform(self) -> str:
        """`platform` when given, else the first of `platforms`."""
        if self.platforms and "platform" not in self.model_fields_set:
            return self.platforms[0]
        return self.platform


def ci_problems(ci: CiSpec) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(field path, message) of every combination the types alone accept but no pipeline can honour."""
    seen: dict[str, int] = {}
    for i, platform in enumerate(ci.platforms):
        if platform in seen:
            yield (
                ("ci", "platforms", i),
                f"duplicate platform {platform!r} (already ci.platforms[{seen[platform]}]); list each once",
            )
        seen.setdefault(platform, i)
    if ci.platforms and "platform" in ci.model_fields_set and ci.platform not in ci.platforms:
        yield (
            ("ci", "platform"),
            f"{ci.platform!r} is not among ci.platforms ({', '.join(ci.platforms)}); "
            "the primary platform must be one of them",
        )
    for platform in ci.selected_platforms():
        most = MAX_PROD_APPROVALS[platform]
        if ci.prod_approvals > most:
            yield (
                ("ci", "prod_approvals"),
                f"{ci.prod_approvals} approvals before prod cannot be expressed on {platform} "
                f"(at most {most}); platforms that can: "
                + ", ".join(
                    f"{p} (up to {n})" for p, n in MAX_PROD_APPROVALS.items() if n >= ci.prod_approvals
                ),
            )
            return
