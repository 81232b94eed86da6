"""The shell every pipeline runs, written once: the Azure, CircleCI and Jenkins renderers share these scripts."""

from __future__ import annotations

from designspec.model import Design
from generators.pipeline import Pipeline, Workload

DEPLOY_FLAGS = "--require-approval never --no-notices"  # no TTY in CI; approval is the platform's gate
SHA_CHECK = (
    "echo \"$ROLLBACK_TO\" | grep -Eq '^[0-9a-f]{40}$' || "
    "{ echo 'ROLLBACK_TO must be a full commit SHA' >&2; exit 1; }"
)


def env_example(p: Pipeline) -> str:
    folder = p.compose_file.rsplit("/", 1)[0] if "/" in p.compose_file else "."
    return f"{folder}/.env.local.example"


def local_secrets(p: Pipeline) -> str:
    # Random throwaway values: the stand-ins read the same file, and no real secret reaches a test stack.
    return (
        f"sed -n 's/^\\([A-Z_][A-Z0-9_]*\\)=$/\\1/p' {env_example(p)} |\n"
        '  while read -r name; do printf \'%s=%s\\n\' "$name" "$(openssl rand -hex 24)"; done > .env.local'
    )


ENV_FILE = ".env.local"  # compose interpolates each container's own secrets from it (generators/compose.py)
FUNCTION_CODE_SERVICE = "function-code"  # the Service tag of the function-code bucket (stacks/stage_kinds.py)


def compose(p: Pipeline, args: str) -> str:
    return f"docker compose --env-file {ENV_FILE} -f {p.compose_file} {args}"


def upload_function(design: Design, w: Workload, env: str) -> str:
    """Zip the function's folder and put it where its stack reads it: `<function>/<commit>.zip` in the code
    bucket, found by its tags as the site buckets are."""
    tags = (
        f"Key=Project,Values={design.project} Key=Environment,Values={env} "
        f"Key=Service,Values={FUNCTION_CODE_SERVICE}"
    )
    query = "--query 'ResourceTagMappingList[0].ResourceARN' --output text"
    return (
        f'(cd {w.context} && zip -qr "$OLDPWD/{w.name}.zip" .)\n'
        "bucket=$(aws resourcegroupstaggingapi get-resources --resource-type-filters s3 "
        f"--tag-filters {tags} {query})\n"
        f'aws s3 cp {w.name}.zip "s3://${{bucket##*:}}/{w.name}/$IMAGE_TAG.zip"'
    )


def compose_up(p: Pipeline) -> str:
    return f"{local_secrets(p)}\n{compose(p, 'up --build --wait --wait-timeout 300')}"


def compose_down(p: Pipeline) -> str:
    return f"{compose(p, 'logs --no-color --tail 200')} || true\n{compose(p, 'down -v')}"


def local_url(design: Design, host: str = "127.0.0.1") -> str:
    http = design.http_services()
    return f"http://{host}:{http[0].port}" if http else f"http://{host}"


def install_cdk_app() -> str:
    """The CDK app (Python) and its CLI (npm), from the lock files; nothing is installed globally."""
    return "python3 -m venv .venv\n.venv/bin/pip install -q -r requirements.txt\nnpm ci"


def cdk_deploy(env: str, stacks: str, tag: str = "$IMAGE_TAG") -> str:
    return f"npx cdk deploy '{env}/{stacks}' {DEPLOY_FLAGS} -c image_tag=\"{tag}\""


def ecr_login() -> str:
    return 'aws ecr get-login-password | skopeo login --username AWS --password-stdin "$REGISTRY"'


def push_image(w: Workload, images_dir: str = "images") -> str:
    # Tags are immutable in ECR: a re-run (or a rollback) finds the image there already and skips the push.
    return (
        f'if aws ecr describe-images --repository-name {w.repository} --image-ids imageTag="$IMAGE_TAG" '
        ">/dev/null 2>&1; then\n  echo 'already in ECR'\nelse\n"
        f'  skopeo copy --all oci-archive:{images_dir}/{w.name}.tar "docker://$REGISTRY/{w.repository}:$IMAGE_TAG"\n'
        "fi"
    )


def upload_site(design: Design, w: Workload, env: str, site_dir: str) -> str:
    # Found by the tags every resource carries (Project, Environment, Service): no stack outputs needed.
    tags = f"Key=Project,Values={design.project} Key=Environment,Values={env} Key=Service,Values={w.name}"
    query = "--query 'ResourceTagMappingList[0].ResourceARN' --output text"
    return (
        "bucket=$(aws resourcegroupstaggingapi get-resources --resource-type-filters s3 "
        f"--tag-filters {tags} {query})\n"
        f'aws s3 sync {site_dir} "s3://${{bucket##*:}}" --delete\n'
        "dist=$(aws resourcegroupstaggingapi get-resources --region us-east-1 "
        f"--resource-type-filters cloudfront:distribution --tag-filters {tags} {query})\n"
        "aws cloudfront create-invalidation --distribution-id \"${dist##*/}\" --paths '/*'"
    )


def deploy_script(
    design: Design, p: Pipeline, env: str, *, images_dir: str, sites_dir: str, smoke: bool
) -> str:
    """One environment's deploy, in order: platform stack (ECR), image pushes, all stacks, sites, smoke."""
    lines = [cdk_deploy(env, "Platform")]
    if p.images():
        lines.append(ecr_login())
        lines += [push_image(w, images_dir) for w in p.images()]
    lines += [upload_function(design, w, env) for w in p.function_zips()]
    lines.append(cdk_deploy(env, "*"))
    lines += [upload_site(design, w, env, f"{sites_dir}/{w.name}") for w in p.static_sites()]
    if smoke:
        lines.append(smoke_command(p, env))
    return "\n".join(lines)


def smoke_command(p: Pipeline, env: str) -> str:
    return f'BASE_URL="${env.upper()}_URL" {p.commands["smoke"]}'


def assume_role(token: str, session: str) -> str:
    """Exchange an OIDC token for the environment's deploy role: short-lived keys, none stored."""
    return (
        'creds=$(aws sts assume-role-with-web-identity --role-arn "$AWS_DEPLOY_ROLE_ARN" '
        f'--role-session-name "{session}" --web-identity-token "{token}" --duration-seconds 3600 '
        "--query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"
    )


def slack_post(webhook: str, text: str) -> str:
    return (
        f"payload=$(jq -n --arg text \"{text}\" '{{text: $text}}')\n"
        f'curl -fsS -X POST -H \'Content-Type: application/json\' --data "$payload" "{webhook}"'
    )


# --- the review comment on a pull or merge request ------------------------------------------------------
# `python -m docgen review` compares the change with its target branch (synthesized in a temporary worktree)
# and writes one Markdown comment starting with REVIEW_MARKER; the pipeline posts it once and then edits that
# same comment on every push, as Infracost does for its cost comment.
REVIEW_MARKER = "<!-- docgen-review -->"
REVIEW_FILE = "docgen-review.md"


def review_command(base: str) -> str:
    return f'.venv/bin/python -m docgen review --quiet --base "{base}" --output {REVIEW_FILE}'


def github_review_comment() -> str:
    """Create or update the pull request's review comment with the workflow's token (`gh` is on the runner)."""
    return (
        f"marker='{REVIEW_MARKER}'\n"
        'id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR/comments" \\\n'
        '  --jq "map(select(.body | startswith(\\"$marker\\"))) | .[0].id // empty" | head -n 1)\n'
        'if [ -n "$id" ]; then\n'
        f'  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F body=@{REVIEW_FILE} >/dev/null\n'
        "else\n"
        f'  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$PR/comments" -F body=@{REVIEW_FILE} >/dev/null\n'
        "fi"
    )


def gitlab_review_note(token: str) -> str:
    """Create or update the merge request's review note through the notes API with a project access token
    (`api` scope): the job token cannot write notes. JSON is read with the venv's Python (no jq needed)."""
    api = '"$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$MR_IID'
    auth = f'--header "PRIVATE-TOKEN: ${token}"'
    find = (
        "import json, sys; notes = json.load(sys.stdin); "
        f"print(next((n['id'] for n in notes if n['body'].startswith('{REVIEW_MARKER}')), ''))"
    )
    return (
        f'if [ -z "${token}" ]; then echo "{token} is not set: the review is an artifact only"; exit 0; fi\n'
        f'note=$(curl -fsS {auth} {api}/notes?per_page=100&sort=asc" | .venv/bin/python -c "{find}")\n'
        f'if [ -n "$note" ]; then method=PUT; url={api}/notes/$note"; else method=POST; url={api}/notes"; fi\n'
        f'curl -fsS -X "$method" {auth} --data-urlencode "body@{REVIEW_FILE}" "$url" >/dev/null'
    )


def gitlab_review_target(token: str) -> str:
    """The merge request of this branch pipeline and its target branch (the default branch when no token
    may read it), fetched as `origin/$target` for the review's base."""
    read = "import json, sys; print(json.load(sys.stdin)['target_branch'])"
    return (
        'first="${CI_OPEN_MERGE_REQUESTS%%,*}"; export MR_IID="${first##*!}"\n'
        'target="$CI_DEFAULT_BRANCH"\n'
        f'if [ -n "${token}" ]; then\n'
        f'  target=$(curl -fsS --header "PRIVATE-TOKEN: ${token}" '
        f'"$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$MR_IID" | .venv/bin/python -c "{read}")\n'
        "fi\n"
        'git fetch --quiet --depth 1 origin "+refs/heads/$target:refs/remotes/origin/$target"'
    )
