"""The designed application's delivery pipeline as plain data, which the renderers and the doc read."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from designspec.model import Design
from designspec.wiring import workloads

PLATFORM_LABELS = {
    "github-actions": "GitHub Actions",
    "gitlab-ci": "GitLab CI",
    "azure-devops": "Azure DevOps (Azure Pipelines)",
    "jenkins": "Jenkins",
    "circleci": "CircleCI",
}
# Where the rendered file goes in the application repository, and where `python -m generators` writes it.
PIPELINE_FILES = {
    "github-actions": (".github/workflows/deploy.yml", "github-actions/deploy.yml"),
    "gitlab-ci": (".gitlab-ci.yml", "gitlab-ci/.gitlab-ci.yml"),
    "azure-devops": ("azure-pipelines.yml", "azure-devops/azure-pipelines.yml"),
    "jenkins": ("Jenkinsfile", "jenkins/Jenkinsfile"),
    "circleci": (".circleci/config.yml", "circleci/config.yml"),
}
STATIC_OUTPUT_DIR = "dist"  # what `npm run build` of a static frontend produces
CIRCUIT_BREAKER = (
    "ECS deployment circuit breaker (enabled with rollback by the CDK): a deployment whose tasks fail to "
    "start or fail health checks rolls back to the last healthy task definition by itself"
)


@dataclass(frozen=True)
class Workload:
    """Something the pipeline builds once per run and promotes: a container image, a static site, or a zip
    function's code (packaged from its folder and uploaded to the environment's function-code bucket)."""

    name: str
    kind: str  # "image" | "static" | "zip"
    context: str  # build context, relative to the application repository root
    repository: str | None  # ECR repository of an image: <project>/<name>
    platforms: tuple[str, ...]  # images: the CPU platforms the AWS environments run it on
    output_dir: str | None  # static sites: the folder `npm run build` writes


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: a job (or a matrix of jobs) with its trigger, prerequisites and gate."""

    id: str
    name: str
    purpose: str
    trigger: str  # when it runs, in words
    when: str  # trigger key the renderers translate: any | feature | verify | first-env | later-env | release
    needs: tuple[str, ...]
    environment: str | None  # the design environment it deploys to or tests, if any
    approval: bool  # a person must approve before it runs
    tests: tuple[str, ...]  # kinds of checks it runs: lint, unit, integration, e2e, dast, sast, ...
    steps: tuple[str, ...]  # what it does, in order
    status_check: bool  # required to pass before a pull request merges


@dataclass(frozen=True)
class Deployment:
    """One environment's row of the Environment-Specific Variations table, with its rollback procedure."""

    environment: str
    label: str
    platform: str
    deployment_type: str
    trigger: str
    approval: str
    tests_run: tuple[str, ...]
    target: str
    ci_environment: str | None  # the CI platform's environment (protection rules, scoped variables)
    stage: str  # id of the stage that deploys it
    rollback: str
    automatic_rollback: str


@dataclass(frozen=True)
class CiSetting:
    """A secret or variable the pipeline reads from the platform's store; none is ever in the file."""

    name: str
    kind: str  # "secret" | "variable" | "oidc"
    scope: str  # repository | environment <name>
    purpose: str


@dataclass(frozen=True)
class Pipeline:
    project: str
    platform: str
    platform_label: str
    file: str  # where the rendered file lives in the application repository
    generated_file: str  # where `python -m generators` writes it, relative to --out
    default_branch: str
    release_tag_prefix: str
    compose_file: str  # the dev compose file, relative to the application repository root
    python_version: str
    node_version: str
    commands: dict[str, str]
    stages: tuple[Stage, ...]
    workloads: tuple[Workload, ...]
    deployments: tuple[Deployment, ...]
    settings: tuple[CiSetting, ...]
    registry: str
    caching: tuple[str, ...]
    notifications: tuple[str, ...]
    platforms: tuple[str, ...]  # every selected platform, the primary one first
    prod_approvals: int  # people who approve each production deploy
    pr_approvals: int  # reviews a pull request needs
    approvers: str  # the team that approves production deploys and reviews (the design's owner)

    def stage(self, stage_id: str) -> Stage:
        return next(s for s in self.stages if s.id == stage_id)

    def images(self) -> tuple[Workload, ...]:
        return tuple(w for w in self.workloads if w.kind == "image")

    def static_sites(self) -> tuple[Workload, ...]:
        return tuple(w for w in self.workloads if w.kind == "static")

    def function_zips(self) -> tuple[Workload, ...]:
        return tuple(w for w in self.workloads if w.kind == "zip")

    def aws_deployments(self) -> tuple[Deployment, ...]:
        return tuple(d for d in self.deployments if d.stage != "deploy-dev")


def ci_environment(env_name: str) -> str:
    """The CI platform's environment for a design environment: prod is GitHub's and GitLab's `production`."""
    return "production" if env_name == "prod" else env_name


def is_production(design: Design, env_name: str) -> bool:
    """The last AWS environment of several (or a lone one named prod) is production: manual, approved."""
    aws = list(design.aws_environments())
    return env_name == aws[-1] and (len(aws) > 1 or env_name == "prod")


def pipeline_model(design: Design, *, compose_file: str = "generated/docker-compose.yml") -> Pipeline:
    ci = design.ci
    primary = ci.primary_platform()
    file, generated = PIPELINE_FILES[primary]
    workloads = _workloads(design)
    return Pipeline(
        project=design.project,
        platform=primary,
        platform_label=PLATFORM_LABELS[primary],
        file=file,
        generated_file=generated,
        default_branch=ci.default_branch,
        release_tag_prefix=ci.release_tag_prefix,
        compose_file=compose_file,
        python_version=ci.python_version,
        node_version=ci.node_version,
        commands={
            "lint": ci.lint_command,
            "unit": ci.unit_command,
            "integration": ci.integration_command,
            "e2e": ci.e2e_command,
            "smoke": ci.smoke_command,
        },
        stages=_stages(design, workloads),
        workloads=workloads,
        deployments=_deployments(design),
        settings=_settings(design),
        registry=(
            "Amazon ECR in each AWS environment's account: one repository per built workload "
            f"({design.project}/<name>), tag = commit SHA, immutable tags, scan on push, last 30 images kept"
        ),
        caching=(
            "Docker layers: BuildKit cache per workload (each platform's cache store; see platforms)",
            "Dependencies: pip cache keyed on requirements.txt, npm cache keyed on package-lock.json",
            "Artifacts: images and static builds are built once per run and promoted; deploys never rebuild",
        ),
        notifications=_notifications(design),
        platforms=ci.selected_platforms(),
        prod_approvals=ci.prod_approvals,
        pr_approvals=ci.pr_approvals,
        approvers=_slug(design.owner),
    )


def pipeline_model_to_dict(pipeline: Pipeline) -> dict[str, Any]:
    """The model as JSON-ready data (generated/pipeline.json): what the design doc renders."""
    return asdict(pipeline)


# --- parts ---------------------------------------------------------------------------------------


def _workloads(design: Design) -> tuple[Workload, ...]:
    out: list[Workload] = []
    sized = {"services": "services", "frontends": "services", "jobs": "jobs"}
    images = [(w, sized[k]) for k, _, w in workloads(design) if k in sized] + [
        (f, "") for f in design.functions if f.package == "image"
    ]
    for w, sizes in images:
        if w.build:
            arches = sorted(
                {
                    getattr(env, sizes)[w.name].architecture
                    for env in design.aws_environments().values()
                    if w.name in getattr(env, sizes)
                }
                if sizes
                else {w.architecture}
            )
            platforms = tuple("linux/arm64" if a == "arm64" else "linux/amd64" for a in arches)
            out.append(
                Workload(w.name, "image", _relative(w.build), f"{design.project}/{w.name}", platforms, None)
            )
    for fe in design.static_frontends():
        if fe.build:
            out.append(Workload(fe.name, "static", _relative(fe.build), None, (), STATIC_OUTPUT_DIR))
    for fn in design.functions:
        if fn.package == "zip":
            out.append(Workload(fn.name, "zip", _relative(fn.build), None, (), None))
    return tuple(out)


def _slug(owner: str) -> str:
    """The owner as a team/group name every platform accepts (GitHub team slugs are the strictest)."""
    return re.sub(r"[^a-z0-9]+", "-", owner.lower()).strip("-") or "release-approvers"


def _relative(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def _stages(design: Design, workloads: tuple[Workload, ...]) -> tuple[Stage, ...]:
    ci = design.ci
    main, tag = ci.default_branch, f"{ci.release_tag_prefix}*"
    aws = list(design.aws_environments())
    built = ", ".join(w.name for w in workloads) or "nothing (every service uses a registry image)"
    stages = [
        Stage(
            id="build",
            name="Build",
            purpose="Compile, lint and package every built workload once per run",
            trigger=f"Push to any branch, pull request to {main}, tag {tag}, manual run",
            when="any",
            needs=(),
            environment=None,
            approval=False,
            tests=("dockerfile-lint",),
            status_check=True,
            steps=(
                f"Lint each Dockerfile (hadolint) and build: {built}",
                "Images: BuildKit with layer cache, for the CPU platforms the AWS environments run",
                "Static frontends: npm ci && npm run build",
                "Zip functions: packaged from their folder at deploy and uploaded to the function-code bucket",
                "Keep images and site builds as run artifacts",
            ),
        ),
        Stage(
            id="unit",
            name="Test - Unit",
            purpose="Run linters and unit tests",
            trigger="After build",
            when="any",
            needs=("build",),
            environment=None,
            approval=False,
            tests=("lint", "unit"),
            status_check=True,
            steps=(ci.lint_command, ci.unit_command),
        ),
        Stage(
            id="integration",
            name="Test - Integration",
            purpose="Run integration tests against the dev Compose stack",
            trigger=f"After unit tests (pull requests, {main}, tags)",
            when="verify",
            needs=("unit",),
            environment=None,
            approval=False,
            tests=("integration",),
            status_check=True,
            steps=(
                "Start the Compose stack with throwaway local secrets (up --build --wait)",
                ci.integration_command,
            ),
        ),
        Stage(
            id="security-scan",
            name="Security Scan",
            purpose="SAST, dependency, secret and IaC scan; container image scan",
            trigger="After build",
            when="any",
            needs=("build",),
            environment=None,
            approval=False,
            status_check=True,
            tests=("sast", "dependency-scan", "secret-scan", "image-scan"),
            steps=(
                "Semgrep (SAST)",
                "Trivy filesystem scan: dependencies, secrets, IaC misconfiguration",
                "Trivy scan of each built image (fails on HIGH/CRITICAL)",
            ),
        ),
        Stage(
            id="e2e",
            name="Test - E2E",
            purpose="End-to-end tests and a DAST baseline on the dev Compose stack",
            trigger=f"Before deploy to {aws[0]}: pull requests, {main}, tags",
            when="verify",
            needs=("integration",),
            environment=None,
            approval=False,
            tests=("e2e", "dast"),
            status_check=True,
            steps=("Start the Compose stack", ci.e2e_command, "OWASP ZAP baseline scan (DAST)"),
        ),
    ]
    stages += [_dev_stage(design, name) for name, env in design.environments.items() if not env.is_aws]
    for i in range(len(aws)):
        stages += _aws_stages(design, workloads, i)
    return tuple(stages)


def _dev_stage(design: Design, name: str) -> Stage:
    # dev runs on Docker Compose, not AWS: "deploying" it is bringing the stack up on the runner and smoke
    # testing it, so a feature branch proves its images start and pass health checks together.
    return Stage(
        id=f"deploy-{name}",
        name=f"Deploy - {name.capitalize()}",
        purpose="Bring the Compose stack up from this commit and smoke test it",
        trigger=f"Push to a feature branch (any branch but {design.ci.default_branch})",
        when="feature",
        needs=("unit",),
        environment=name,
        approval=False,
        tests=("unit", "lint", "smoke"),
        status_check=False,
        steps=("Build the images and start the Compose stack (up --build --wait)", design.ci.smoke_command),
    )


def _aws_stages(design: Design, workloads: tuple[Workload, ...], i: int) -> list[Stage]:
    """The deploy stage of the i-th AWS environment, and for production its post-deploy smoke stage."""
    ci = design.ci
    aws = list(design.aws_environments())
    name, tag = aws[i], f"{ci.release_tag_prefix}*"
    prod = is_production(design, name)
    if prod:
        trigger, when = f"Tag {tag} or manual run, after approval", "release"
    elif i == 0:
        trigger, when = f"Push to {ci.default_branch}, tag {tag} or manual run", "first-env"
    else:
        trigger, when = f"After deploy to {aws[i - 1]}", "later-env"
    deploy = Stage(
        id=f"deploy-{name}",
        name=f"Deploy - {name.capitalize()}",
        purpose=f"Deploy the '{name}/*' stacks with this commit's images",
        trigger=trigger,
        when=when,
        needs=("e2e", "security-scan") if i == 0 else (f"deploy-{aws[i - 1]}",),
        environment=name,
        approval=prod,
        tests=() if prod else ("smoke",),
        status_check=False,
        steps=_deploy_steps(design, name, workloads, smoke=not prod),
    )
    if not prod:
        return [deploy]
    smoke = Stage(
        id=f"smoke-{name}",
        name=f"Smoke - {name.capitalize()}",
        purpose=f"Post-deploy smoke tests against {name}",
        trigger=f"After deploy to {name}",
        when="release",
        needs=(f"deploy-{name}",),
        environment=name,
        approval=False,
        tests=("smoke",),
        status_check=False,
        steps=(f"{ci.smoke_command} against BASE_URL of {name}",),
    )
    return [deploy, smoke]


def _deploy_steps(
    design: Design, env: str, workloads: tuple[Workload, ...], *, smoke: bool
) -> tuple[str, ...]:
    images = [w.name for w in workloads if w.kind == "image"]
    sites = [w.name for w in workloads if w.kind == "static"]
    steps = [
        f"Assume the {env} deploy role via OIDC",
        f"cdk deploy '{env}/Platform' (ECR repositories exist before the first push)",
    ]
    steps += [f"Push image {name} to ECR {design.project}/{name}:<sha>" for name in images]
    steps += [
        f"Upload function {w.name} as <sha>.zip to the function-code bucket"
        for w in workloads
        if w.kind == "zip"
    ]
    steps.append(f"cdk deploy '{env}/*' -c image_tag=<sha>")
    steps += [
        f"Upload static site {name} to its S3 bucket and invalidate its CloudFront cache" for name in sites
    ]
    if smoke:
        steps.append(f"{design.ci.smoke_command} against BASE_URL of {env}")
    return tuple(steps)


def _deployments(design: Design) -> tuple[Deployment, ...]:
    ci = design.ci
    main, tag = ci.default_branch, f"{ci.release_tag_prefix}*"
    aws = list(design.aws_environments())
    out: list[Deployment] = []
    for name, env in design.environments.items():
        if not env.is_aws:
            out.append(
                Deployment(
                    name,
                    "Development",
                    "Docker Compose",
                    "Automatic",
                    f"Push to a feature branch (not {main})",
                    "None",
                    ("unit", "lint"),
                    "Compose stack on the CI runner and on developers' machines",
                    None,
                    f"deploy-{name}",
                    "Check out the previous commit and run docker compose up --build again",
                    "None needed: nothing is shared",
                )
            )
            continue
        last = is_production(design, name)
        label = "Production" if last else name.capitalize()
        prior = ("unit", "integration", "e2e") if name == aws[0] else ("as the environment before it",)
        out.append(
            Deployment(
                name,
                label,
                f"ECS Fargate via CDK stage '{name}'",
                "Manual trigger" if last else "Automatic",
                f"Tag {tag} or manual run"
                if last
                else f"Push to {main}"
                if name == aws[0]
                else "After the previous",
                _prod_approval(design, name) if last else "None",
                ("smoke (post-deploy)",) if last else (*prior, "smoke"),
                f"stacks '{name}/*' in account {env.account}, {env.region}",
                ci_environment(name),
                f"deploy-{name}",
                f"Manual rollback run with a previous commit SHA: checks out that commit and runs cdk deploy "
                f"'{name}/*' -c image_tag=<sha> (its images are still in ECR: immutable tags, 30 kept)",
                CIRCUIT_BREAKER,
            )
        )
    return tuple(out)


def _prod_approval(design: Design, env: str) -> str:
    """Who approves a production deploy on the primary platform (the Environment-Specific Variations row)."""
    ci, where = design.ci, ci_environment(env)
    n = f"{ci.prod_approvals} approval{'s' if ci.prod_approvals > 1 else ''}"
    return {
        "github-actions": f"Required: reviewers of the '{where}' environment",
        "gitlab-ci": f"Required: {n} on the protected '{where}' environment (manual job)",
        "azure-devops": f"Required: {n} (Approvals check of the '{where}' environment)",
        "jenkins": f"Required: input approval before 'Deploy - {env.capitalize()}'",
        "circleci": f"Required: approval job approve-{env}",
    }[ci.primary_platform()]


def _settings(design: Design) -> tuple[CiSetting, ...]:
    out = [
        CiSetting(
            "AWS_DEPLOY_ROLE_ARN",
            "oidc",
            f"environment {ci_environment(name)}",
            f"IAM role the pipeline assumes for {name} through OIDC; trusts this repository only",
        )
        for name in design.aws_environments()
    ]
    out += [
        CiSetting(f"{name.upper()}_URL", "variable", "repository", f"base URL smoke tests call in {name}")
        for name in design.aws_environments()
    ]
    if design.ci.notify.slack_webhook_secret:
        out.append(
            CiSetting(
                design.ci.notify.slack_webhook_secret,
                "secret",
                "repository",
                "Slack incoming webhook for pipeline notifications",
            )
        )
    return tuple(out)


def _notifications(design: Design) -> tuple[str, ...]:
    notify = design.ci.notify
    out = []
    if notify.slack_webhook_secret:
        out.append(
            f"Slack (webhook in secret {notify.slack_webhook_secret}): any failed run on "
            f"{design.ci.default_branch} or a tag, and every production release"
        )
    if notify.emails:
        out.append(f"Email to {', '.join(notify.emails)}: failed pipelines (the platform's pipeline emails)")
    return tuple(out)
