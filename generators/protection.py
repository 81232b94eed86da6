"""Branch protection as files a team applies: the REST calls that make the pipeline's checks and approvals stick.

Each file is {"host", "required_status_checks", "enforced_by", "placeholders", "apply", "requests"}; every
request is one documented API call (method, path, body) on the repository host. Values only a live account
knows (team and environment ids) are `{placeholders}` the `apply` snippet fills in.
"""

from __future__ import annotations

import re
from typing import Any

from designspec.model import Design
from generators.pipeline import Pipeline, ci_environment

GITHUB_ACTIONS_APP = 15368  # the GitHub Actions app: a check of the same name from any other app won't do
GITHUB_ADMIN_ROLE = 5  # the built-in repository admin role (RepositoryRole actor id)
GITLAB_NO_ONE, GITLAB_DEVELOPER, GITLAB_MAINTAINER = 0, 30, 40  # GitLab access levels
AZURE_MIN_REVIEWERS = "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd"  # Azure DevOps policy type ids
AZURE_BUILD = "0609b952-1397-4640-95ec-e00a01b2c241"
AZURE_COMMENTS = "c6a1889d-b943-4856-b76f-9e46bb6b0df2"
AZURE_APPROVAL_CHECK = "8c6f20a7-a545-4486-9777-f762fafe0d4d"


def github(design: Design, p: Pipeline, checks: list[str], *, ci: str, actions: bool) -> dict[str, Any]:
    """Rulesets for the default branch and the release tags; with GitHub Actions, the production environment."""
    main = f"refs/heads/{p.default_branch}"
    requests = [
        _request(
            "POST", "repos/{owner}/{repo}/rulesets", _branch_ruleset(design, p, checks, actions=actions)
        ),
        _request("POST", "repos/{owner}/{repo}/rulesets", _tag_ruleset(design, p)),
    ]
    placeholders: dict[str, str] = {}
    team = "TEAM_ID=$(gh api orgs/{owner}/teams/" + p.approvers + " --jq .id)\n"
    fill = ' | sed "s/\\"{approvers_team_id}\\"/$TEAM_ID/"'
    if actions:
        prod = ci_environment(list(design.aws_environments())[-1])
        requests += _github_environment(p, prod)
        placeholders["{approvers_team_id}"] = f"numeric id of the GitHub team '{p.approvers}'"
    apply = (
        (team if actions else "")
        + f"jq -c '.requests[]' generated/{ci}/branch-protection.json | while read -r req; do\n"
        + f"  jq '.body' <<<\"$req\"{fill if actions else ''} |\n"
        + '    gh api --method "$(jq -r .method <<<"$req")" "$(jq -r .path <<<"$req")" --input -\ndone'
    )
    return {
        "host": "GitHub",
        "required_status_checks": checks,
        "enforced_by": f"ruleset required_status_checks on {main}: each check must pass on the pull request "
        "(up to date with the branch) before it merges",
        "placeholders": placeholders,
        "apply": apply,
        "requests": requests,
    }


def _branch_ruleset(design: Design, p: Pipeline, checks: list[str], *, actions: bool) -> dict[str, Any]:
    app = {"integration_id": GITHUB_ACTIONS_APP} if actions else {}
    return {
        "name": f"{design.project}: {p.default_branch} takes reviewed, green pull requests",
        "target": "branch",
        "enforcement": "active",
        "bypass_actors": [],
        "conditions": {"ref_name": {"include": [f"refs/heads/{p.default_branch}"], "exclude": []}},
        "rules": [
            {"type": "deletion"},
            {"type": "non_fast_forward"},
            {
                "type": "pull_request",
                "parameters": {
                    "required_approving_review_count": p.pr_approvals,
                    "dismiss_stale_reviews_on_push": True,
                    "require_code_owner_review": False,
                    "require_last_push_approval": True,
                    "required_review_thread_resolution": True,
                },
            },
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": True,
                    "required_status_checks": [{"context": c, **app} for c in checks],
                },
            },
        ],
    }


def _tag_ruleset(design: Design, p: Pipeline) -> dict[str, Any]:
    # A pushed release tag promotes its commit towards production: only repository admins may create one.
    return {
        "name": f"{design.project}: release tags {p.release_tag_prefix}* by admins only",
        "target": "tag",
        "enforcement": "active",
        "bypass_actors": [
            {"actor_id": GITHUB_ADMIN_ROLE, "actor_type": "RepositoryRole", "bypass_mode": "always"}
        ],
        "conditions": {"ref_name": {"include": [f"refs/tags/{p.release_tag_prefix}*"], "exclude": []}},
        "rules": [{"type": "creation"}, {"type": "update"}, {"type": "deletion"}],
    }


def _github_environment(p: Pipeline, env: str) -> list[dict[str, Any]]:
    """Required reviewers on the production environment, which deploys only from the branch and release tags."""
    path = f"repos/{{owner}}/{{repo}}/environments/{env}"
    body = {
        "wait_timer": 0,
        "prevent_self_review": True,
        "reviewers": [{"type": "Team", "id": "{approvers_team_id}"}],
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
    }
    policies = f"{path}/deployment-branch-policies"
    return [
        _request("PUT", path, body),
        _request("POST", policies, {"name": p.default_branch, "type": "branch"}),
        _request("POST", policies, {"name": f"{p.release_tag_prefix}*", "type": "tag"}),
    ]


def gitlab(design: Design, p: Pipeline, checks: list[str]) -> dict[str, Any]:
    """Protected branch and tags, merge only on a green pipeline, MR approvals, the protected prod environment."""
    prod = ci_environment(list(design.aws_environments())[-1])
    requests = [
        _request("POST", "projects/:id/protected_branches", {
            "name": p.default_branch,
            "push_access_level": GITLAB_NO_ONE,  # every change arrives through a merge request
            "merge_access_level": GITLAB_DEVELOPER,
            "allow_force_push": False,
        }),
        _request("PUT", "projects/:id", {
            "only_allow_merge_if_pipeline_succeeds": True,
            "allow_merge_on_skipped_pipeline": False,
            "only_allow_merge_if_all_discussions_are_resolved": True,
        }),
        _request("POST", "projects/:id/approval_rules", {
            "name": "Review",
            "approvals_required": p.pr_approvals,
            "applies_to_all_protected_branches": True,
        }),
        _request("POST", "projects/:id/protected_tags", {
            "name": f"{p.release_tag_prefix}*",
            "create_access_level": GITLAB_MAINTAINER,
        }),
        _request("POST", "projects/:id/protected_environments", {
            "name": prod,
            "deploy_access_levels": [{"access_level": GITLAB_MAINTAINER}],
            "approval_rules": [{"access_level": GITLAB_MAINTAINER, "required_approvals": p.prod_approvals}],
        }),
    ]  # fmt: skip
    apply = (
        "jq -c '.requests[]' generated/gitlab-ci/branch-protection.json | while read -r req; do\n"
        '  jq \'.body\' <<<"$req" | glab api --method "$(jq -r .method <<<"$req")" "$(jq -r .path <<<"$req")" '
        "--header 'Content-Type: application/json' --input -\ndone"
    )
    return {
        "host": "GitLab",
        "required_status_checks": checks,
        "enforced_by": "'Pipelines must succeed' (only_allow_merge_if_pipeline_succeeds): every listed job "
        "runs in the merge request's pipeline and none may fail",
        "placeholders": {},
        "apply": apply,
        "requests": requests,
    }


def azure(design: Design, p: Pipeline, checks: list[str]) -> dict[str, Any]:
    """Branch policies on the default branch (reviews, build validation, comments) and the prod Approvals check."""
    scope = [
        {"repositoryId": "{repositoryId}", "refName": f"refs/heads/{p.default_branch}", "matchKind": "Exact"}
    ]
    policies = "_apis/policy/configurations?api-version=7.1"
    prod = ci_environment(list(design.aws_environments())[-1])
    requests = [
        _request("POST", policies, _policy(AZURE_MIN_REVIEWERS, {
            "minimumApproverCount": p.pr_approvals,
            "creatorVoteCounts": False,
            "allowDownvotes": False,
            "resetOnSourcePush": True,
            "scope": scope,
        })),
        _request("POST", policies, _policy(AZURE_BUILD, {
            "buildDefinitionId": "{buildDefinitionId}",
            "displayName": f"{design.project} pipeline",
            "manualQueueOnly": False,
            "queueOnSourceUpdateOnly": True,
            "validDuration": 720,
            "scope": scope,
        })),
        _request("POST", policies, _policy(AZURE_COMMENTS, {"scope": scope})),
        _request("POST", "_apis/pipelines/checks/configurations?api-version=7.1-preview.1", {
            "type": {"id": AZURE_APPROVAL_CHECK, "name": "Approval"},
            "settings": {
                "approvers": [{"id": "{approverGroupId}"}],
                "executionOrder": "anyOrder",
                "minRequiredApprovers": p.prod_approvals,
                "instructions": f"Approve the deploy of this run to {prod}",
                "blockedApprovers": [],
                "requesterCannotBeApprover": True,
            },
            "resource": {"type": "environment", "id": "{environmentId}", "name": prod},
            "timeout": 4320,  # minutes: an unapproved release gives up after three days
        }),
    ]  # fmt: skip
    apply = (
        'sed -e "s/{repositoryId}/$REPOSITORY_ID/; s/\\"{buildDefinitionId}\\"/$PIPELINE_ID/; '
        's/{approverGroupId}/$GROUP_ID/; s/{environmentId}/$ENVIRONMENT_ID/" '
        "generated/azure-devops/branch-protection.json | jq -c '.requests[]' | while read -r req; do\n"
        "  jq '.body' <<<\"$req\" | curl -fsS -u \":$AZURE_DEVOPS_PAT\" -H 'Content-Type: application/json' "
        '-X "$(jq -r .method <<<"$req")" --data @- '
        '"https://dev.azure.com/$ORGANIZATION/$PROJECT/$(jq -r .path <<<"$req")"\ndone'
    )
    return {
        "host": "Azure Repos",
        "required_status_checks": checks,
        "enforced_by": "Build validation policy: the pipeline's pull request run must succeed, and every "
        "listed job runs in it",
        "placeholders": {
            "{repositoryId}": "id of the Azure Repos repository (az repos show --repository <name> --query id)",
            "{buildDefinitionId}": "id of the pipeline created from azure-pipelines.yml (a number)",
            "{approverGroupId}": f"id of the group '{p.approvers}' that approves production",
            "{environmentId}": f"id of the Azure DevOps environment '{prod}' (a number)",
        },
        "apply": apply,
        "requests": requests,
    }


def _policy(type_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    return {"isEnabled": True, "isBlocking": True, "type": {"id": type_id}, "settings": settings}


def _request(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"method": method, "path": path, "body": body}


def placeholders_in(data: Any) -> set[str]:
    """Every `{name}` placeholder left in a payload (the tests check each one is documented)."""
    if isinstance(data, dict):
        return set().union(*(placeholders_in(v) for v in data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*(placeholders_in(v) for v in data)) if data else set()
    return set(re.findall(r"\{[A-Za-z_]+\}", data)) if isinstance(data, str) else set()
