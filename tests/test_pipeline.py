"""The delivery pipeline: one model, rendered to GitHub Actions and GitLab CI files passing their linters."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from designspec import Design, load_design, parse_design
from generators.pipeline import Pipeline, pipeline_model, pipeline_model_to_dict
from generators.pipeline_github import render_github, workflow
from generators.pipeline_gitlab import gitlab_ci, render_gitlab

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SPEC_STAGES = [
    "Build", "Test - Unit", "Test - Integration", "Security Scan", "Test - E2E",
    "Deploy - Dev", "Deploy - Staging", "Deploy - Prod", "Smoke - Prod",
]  # fmt: skip


def _edited(edit: Callable[[dict[str, Any]], None]) -> Design:
    data = yaml.safe_load((ROOT / "design.yaml").read_text(encoding="utf-8"))
    edit(data)
    return parse_design(yaml.safe_dump(data, sort_keys=False), "design.yaml")


def _add_billing(data: dict[str, Any]) -> None:
    data["services"].append({"name": "billing", "type": "http", "build": "./billing", "port": 8090})
    for env in data["environments"].values():
        if env["platform"] == "aws":
            env["services"]["billing"] = {"cpu": 256, "memory": 512, "desired": 1, "min": 1, "max": 2}


@pytest.fixture(scope="module")
def design() -> Design:
    return load_design(ROOT / "design.yaml")


@pytest.fixture(scope="module")
def model(design: Design) -> Pipeline:
    return pipeline_model(design)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True, check=False)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _deploys(steps: list[dict[str, Any]], env: str) -> bool:
    return any(f"cdk deploy '{env}/" in step.get("run", "") for step in steps)


# --- the model ------------------------------------------------------------------------------------


def test_stages_are_the_specifications_in_promotion_order(model: Pipeline) -> None:
    assert [s.name for s in model.stages] == SPEC_STAGES
    assert model.stage("deploy-staging").needs == ("e2e", "security-scan")
    assert model.stage("deploy-prod").needs == ("deploy-staging",)
    assert model.stage("smoke-prod").needs == ("deploy-prod",)


def test_only_prod_deploys_need_approval(model: Pipeline) -> None:
    assert [s.id for s in model.stages if s.approval] == ["deploy-prod"]


def test_environment_variations_match_the_specification(model: Pipeline) -> None:
    rows = {
        d.environment: (d.deployment_type, d.approval.split(":")[0], d.tests_run) for d in model.deployments
    }
    assert rows == {
        "dev": ("Automatic", "None", ("unit", "lint")),
        "staging": ("Automatic", "None", ("unit", "integration", "e2e", "smoke")),
        "prod": ("Manual trigger", "Required", ("smoke (post-deploy)",)),
    }
    assert all("circuit breaker" in d.automatic_rollback for d in model.aws_deployments())


def test_model_is_json_ready_for_the_doc(model: Pipeline) -> None:
    data = json.loads(json.dumps(pipeline_model_to_dict(model)))
    assert data["platform"] == "github-actions" and data["file"] == ".github/workflows/deploy.yml"
    assert [s["id"] for s in data["stages"]][:3] == ["build", "unit", "integration"]
    assert {w["name"] for w in data["workloads"]} >= {"backend", "frontend-admin"}


def test_gitlab_platform_is_marked_in_the_model() -> None:
    model = pipeline_model(_edited(lambda d: d["ci"].update(platform="gitlab-ci")))
    assert (model.platform, model.file, model.platform_label) == ("gitlab-ci", ".gitlab-ci.yml", "GitLab CI")


# --- GitHub Actions -------------------------------------------------------------------------------


def test_github_workflow_passes_actionlint_and_the_workflow_schema(
    design: Design, model: Pipeline, tmp_path: Path
) -> None:
    path = _write(tmp_path, "deploy.yml", render_github(design, model))
    lint = _run("actionlint", str(path))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    schema = _run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(path))
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_github_prod_deploys_only_behind_the_production_environment(design: Design, model: Pipeline) -> None:
    jobs = workflow(design, model)["jobs"]
    prod_jobs = [name for name, job in jobs.items() if _deploys(job["steps"], "prod")]
    assert prod_jobs == ["deploy-prod", "rollback-prod"]
    for name in prod_jobs:
        assert jobs[name]["environment"]["name"] == "production"
    assert "startsWith(github.ref, 'refs/tags/v')" in jobs["deploy-prod"]["if"]


def test_github_assumes_roles_through_oidc_and_holds_no_keys(design: Design, model: Pipeline) -> None:
    text = render_github(design, model)
    assert "aws-access-key-id" not in text and "AKIA" not in text
    jobs = workflow(design, model)["jobs"]
    for name, job in jobs.items():
        logins = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
        assert all(s["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}" for s in logins)
        assert (job.get("permissions", {}).get("id-token") == "write") == bool(logins), name


def test_github_rollback_redeploys_a_previous_sha_per_environment(design: Design, model: Pipeline) -> None:
    jobs = workflow(design, model)["jobs"]
    for env in ("staging", "prod"):
        job = jobs[f"rollback-{env}"]
        assert "inputs.action == 'rollback'" in job["if"] and f"inputs.environment == '{env}'" in job["if"]
        assert job["env"] == {"IMAGE_TAG": "${{ inputs.image_tag }}"}
        assert any(s.get("with", {}).get("ref") == "${{ inputs.image_tag }}" for s in job["steps"])


def test_github_caches_dependencies_and_image_layers(design: Design, model: Pipeline) -> None:
    jobs = workflow(design, model)["jobs"]
    build = next(s for s in jobs["build"]["steps"] if s.get("name") == "Build the image")
    assert build["with"]["cache-from"] == "type=gha,scope=${{ matrix.name }}"
    setup = [s for s in jobs["deploy-staging"]["steps"] if "setup-" in s.get("uses", "")]
    assert [s["with"]["cache"] for s in setup] == ["pip", "npm"]


def test_the_dev_deploy_runs_the_compose_stack_on_feature_branches(design: Design, model: Pipeline) -> None:
    job = workflow(design, model)["jobs"]["deploy-dev"]
    assert "github.ref != 'refs/heads/main'" in job["if"]
    assert any(
        "docker compose --env-file .env.local -f generated/docker-compose.yml up" in s.get("run", "")
        for s in job["steps"]
    )


# --- GitLab CI ------------------------------------------------------------------------------------


def test_gitlab_file_passes_the_gitlab_ci_schema(design: Design, model: Pipeline, tmp_path: Path) -> None:
    path = _write(tmp_path, ".gitlab-ci.yml", render_gitlab(design, model))
    schema = _run("check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", str(path))
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_gitlab_prod_jobs_are_manual_and_in_the_production_environment(
    design: Design, model: Pipeline
) -> None:
    ci = gitlab_ci(design, model)
    prod_jobs = [
        n
        for n, j in ci.items()
        if isinstance(j, dict) and any("cdk deploy 'prod/" in s for s in j.get("script", []))
    ]
    assert prod_jobs == ["deploy-prod", "rollback-prod"]
    for name in prod_jobs:
        assert all(rule["when"] == "manual" for rule in ci[name]["rules"]), name
        assert ci[name]["allow_failure"] is False
        assert ci[name]["environment"]["name"] == "production"
        assert ci[name]["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}}


def test_gitlab_deploys_fetch_the_built_artifacts(design: Design, model: Pipeline) -> None:
    ci = gitlab_ci(design, model)
    assert ci["deploy-prod"]["needs"] == ["deploy-staging", "build-image", "build-static"]
    assert {"job": "build-image", "artifacts": False} in ci["unit"]["needs"]


# --- a service added to the spec ------------------------------------------------------------------


def test_a_service_added_to_the_spec_is_built_pushed_and_deployed_everywhere() -> None:
    design = _edited(_add_billing)
    model = pipeline_model(design)
    assert any(w.name == "billing" and w.repository == "acme-agents/billing" for w in model.images())
    assert "Push image billing to ECR acme-agents/billing:<sha>" in model.stage("deploy-prod").steps
    jobs = workflow(design, model)["jobs"]
    assert {"name": "billing", "kind": "image", "context": "billing", "repository": "acme-agents/billing",
            "platforms": "linux/arm64"} in jobs["build"]["strategy"]["matrix"]["include"]  # fmt: skip
    for env in ("staging", "prod"):
        assert any(s.get("name") == "Push image billing" for s in jobs[f"deploy-{env}"]["steps"])
    ci = gitlab_ci(design, model)
    assert {"WORKLOAD": "billing", "CONTEXT": "billing", "PLATFORMS": "linux/arm64"} in ci["build-image"][
        "parallel"
    ]["matrix"]
    assert any("acme-agents/billing" in line for line in ci["deploy-prod"]["script"])


# --- the project's own CI -------------------------------------------------------------------------


def test_project_ci_workflow_passes_actionlint_and_the_workflow_schema() -> None:
    path = ROOT / ".github" / "workflows" / "ci.yml"
    lint = _run("actionlint", str(path))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    schema = _run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(path))
    assert schema.returncode == 0, schema.stdout + schema.stderr
    runs = [
        s.get("run", "") for s in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]["check"]["steps"]
    ]
    for command in (
        "make setup",
        "make lint",
        "make test",
        "make synth",
        ".venv/bin/python -m docgen --check",
    ):
        assert any(command in run for run in runs), command
    # cfn-lint and checkov over the synthesized templates (scripts/scan.py; checkov in its own venv)
    assert any("bootstrap.sh --scan" in run and "scripts/scan.py cdk.out" in run for run in runs)


def test_pre_commit_runs_the_doc_check() -> None:
    path = ROOT / ".pre-commit-config.yaml"
    result = _run("pre-commit", "validate-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {
        h["id"]: h
        for repo in yaml.safe_load(path.read_text(encoding="utf-8"))["repos"]
        for h in repo["hooks"]
    }
    assert hooks["docgen-check"]["entry"] == ".venv/bin/python -m docgen --check"
    assert hooks["docgen-check"]["pass_filenames"] is False and "ruff" in hooks


# --- the review comment on pull and merge requests ------------------------------------------------


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("name") == name)


def _fake(bin_dir: Path, name: str, body: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)


def _post_with_fake_gh(script: str, comments: list[dict[str, Any]], tmp_path: Path) -> list[str]:
    """Run a workflow's posting step with a `gh` that logs its calls and answers the comment list through
    the real jq filter the step passes (as `gh api --jq` does)."""
    tmp_path.mkdir()
    (tmp_path / "comments.json").write_text(json.dumps(comments))
    (tmp_path / "docgen-review.md").write_text("<!-- docgen-review -->\nreview\n")
    _fake(
        tmp_path / "bin",
        "gh",
        'echo "$*" >> calls.log\nif [ "$2" = --paginate ]; then jq -r "$5" < comments.json; fi\n',
    )
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "GITHUB_REPOSITORY": "acme/app", "PR": "5"}
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return (tmp_path / "calls.log").read_text().splitlines()


def test_github_review_job_posts_one_comment_and_updates_it(
    design: Design, model: Pipeline, tmp_path: Path
) -> None:
    from docgen.review.markdown import MARKER

    job = workflow(design, model)["jobs"]["review"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}  # no id-token: no AWS
    assert job["steps"][0]["with"] == {"fetch-depth": 0}
    review = _step(job, "Review the change against the target branch")
    assert review["run"].startswith('.venv/bin/python -m docgen review --quiet --base "origin/$BASE_REF"')
    post = _step(job, "Post or update the review comment")
    assert f"marker='{MARKER}'" in post["run"] and post["env"]["GH_TOKEN"] == "${{ github.token }}"
    own = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))["jobs"]
    assert own["review"]["permissions"] == job["permissions"]
    assert _step(own["review"], "Post or update the review comment")["run"].strip() == post["run"]
    earlier = [{"id": 7, "body": "LGTM"}, {"id": 9, "body": f"{MARKER}\nlast push's review"}]
    calls = _post_with_fake_gh(post["run"], earlier, tmp_path / "update")
    assert calls[1] == "api --method PATCH repos/acme/app/issues/comments/9 -F body=@docgen-review.md"
    calls = _post_with_fake_gh(post["run"], earlier[:1], tmp_path / "first")
    assert calls[1] == "api --method POST repos/acme/app/issues/5/comments -F body=@docgen-review.md"


def test_gitlab_review_job_updates_one_note_and_never_blocks_the_merge(
    design: Design, model: Pipeline, tmp_path: Path
) -> None:
    from docgen.review.markdown import MARKER

    job = gitlab_ci(design, model)["review"]
    assert job["allow_failure"] is True and "id_tokens" not in job
    assert {"if": "$CI_OPEN_MERGE_REQUESTS"} in job["rules"]
    target, review, note = job["script"]
    assert (
        review
        == '.venv/bin/python -m docgen review --quiet --base "origin/$target" --output docgen-review.md'
    )
    assert MARKER in note
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    (tmp_path / "docgen-review.md").write_text(f"{MARKER}\nreview\n")
    notes = [{"id": 3, "body": "nice"}, {"id": 4, "body": f"{MARKER}\nold"}]
    (tmp_path / "notes.json").write_text(json.dumps(notes))
    _fake(
        tmp_path / "bin",
        "curl",
        'echo "$*" >> calls.log\ncase "$*" in *" -X "*) ;; *notes*) cat notes.json ;; '
        '*) echo \'{"target_branch": "develop"}\' ;; esac\n',
    )
    _fake(tmp_path / "bin", "git", 'echo "git $*" >> calls.log\n')
    env = {
        "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin",
        "CI_OPEN_MERGE_REQUESTS": "acme/app!12,acme/other!3",
        "CI_DEFAULT_BRANCH": "main",
        "CI_API_V4_URL": "https://gitlab.example/api/v4",
        "CI_PROJECT_ID": "42",
        "DOCGEN_REVIEW_TOKEN": "glpat-test",
    }
    script = f'{target}\necho "base=$target" >> calls.log\n{note}'
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert "/merge_requests/12" in calls[0] and calls[2] == "base=develop"
    assert calls[1] == "git fetch --quiet --depth 1 origin +refs/heads/develop:refs/remotes/origin/develop"
    assert calls[-1].startswith("-fsS -X PUT --header PRIVATE-TOKEN: glpat-test --data-urlencode")
    assert calls[-1].endswith("https://gitlab.example/api/v4/projects/42/merge_requests/12/notes/4")
