"""Compose stand-ins for the kinds beyond services: MinIO for S3 buckets and DynamoDB Local for tables (both
filled by one aws-cli init container), scheduled jobs started by a cron runner (Ofelia) on their schedule, and
functions run as containers by the Lambda Runtime Interface Emulator.

Why these: MinIO and DynamoDB Local speak the S3 and DynamoDB APIs, so the AWS SDKs reach them with an endpoint
variable (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_DYNAMODB`) and code does not change. Ofelia starts the job's
own Compose container (same image, variables and mounts as prod's task) instead of building a second runner.
AWS's Lambda base images contain the Runtime Interface Emulator: a zip function runs in the base image of its
runtime with its code mounted, an image function from its own image, and both answer invocations on
`/2015-03-31/functions/function/invocations`, as in Lambda.
"""

from __future__ import annotations

import shlex
from typing import Any

from designspec.kinds import Function, Job, Table
from designspec.model import Design
from designspec.schedules import RATE
from designspec.wiring import env_prefix

MINIO_IMAGE = "minio/minio:RELEASE.2025-09-07T16-13-09Z"
DYNAMODB_IMAGE = "amazon/dynamodb-local:2.6.1"
AWS_CLI_IMAGE = "amazon/aws-cli:2.32.8"
CRON_IMAGE = "mcuadros/ofelia:v0.3.20"
MINIO_PORT = 9000
DYNAMODB_PORT = 8000
FUNCTION_PORT = 8080  # the Runtime Interface Emulator's
FUNCTION_HOST_PORT = 9100  # the first function's port on the host
MINIO_USER = "local"  # the SDKs' access key in dev; the secret key is MINIO_ROOT_PASSWORD from .env.local
MINIO_SECRET = "MINIO_ROOT_PASSWORD"
INIT = "aws-init"
CRON = "scheduler"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
# AWS's base image of each runtime (gallery.ecr.aws/lambda): the tag is the runtime's version.
LAMBDA_BASE = {
    "python": "public.ecr.aws/lambda/python:{v}",
    "nodejs": "public.ecr.aws/lambda/nodejs:{v}",
    "java": "public.ecr.aws/lambda/java:{v}",
    "dotnet": "public.ecr.aws/lambda/dotnet:{v}",
    "ruby": "public.ecr.aws/lambda/ruby:{v}",
    "provided": "public.ecr.aws/lambda/provided:{v}",
}
_KEY_TYPES = {"S": "S", "N": "N", "B": "B"}
_STREAMS = {
    "new-image": "NEW_IMAGE",
    "old-image": "OLD_IMAGE",
    "new-and-old-images": "NEW_AND_OLD_IMAGES",
    "keys-only": "KEYS_ONLY",
}


def base_image(runtime: str) -> str:
    family = next(f for f in LAMBDA_BASE if runtime.startswith(f))
    version = runtime[len(family) :].removesuffix(".x").lstrip(".")
    return LAMBDA_BASE[family].format(v=version)


# --- MinIO, DynamoDB Local and their init container -------------------------------------------------


def minio(ports: list[str]) -> dict[str, Any]:
    check = (
        f"curl -fsS http://127.0.0.1:{MINIO_PORT}/minio/health/live >/dev/null 2>&1"
        f" || bash -c 'exec 3<>/dev/tcp/127.0.0.1/{MINIO_PORT}'"
    )
    return {
        "image": MINIO_IMAGE,
        "command": ["server", "/data"],
        "environment": {"MINIO_ROOT_USER": MINIO_USER, "MINIO_ROOT_PASSWORD": secret_ref(MINIO_SECRET)},
        "ports": ports,
        "volumes": ["minio-data:/data"],
        "healthcheck": _check(check),
        "restart": "unless-stopped",
    }


def dynamodb(ports: list[str]) -> dict[str, Any]:
    check = f"bash -c 'exec 3<>/dev/tcp/127.0.0.1/{DYNAMODB_PORT}'"
    return {
        "image": DYNAMODB_IMAGE,
        "command": ["-jar", "DynamoDBLocal.jar", "-sharedDb", "-dbPath", "/home/dynamodblocal/data"],
        "working_dir": "/home/dynamodblocal",
        "user": "root",  # the named volume is root's; the image's user cannot write it
        "ports": ports,
        "volumes": ["dynamodb-data:/home/dynamodblocal/data"],
        "healthcheck": _check(check),
        "restart": "unless-stopped",
    }


def init_container(design: Design, region: str) -> dict[str, Any]:
    """Creates every bucket (versioned as in prod) and table (keys, billing, stream, TTL); idempotent."""
    lines = ["set -e"]
    s3 = f"aws --endpoint-url http://minio:{MINIO_PORT} s3api"
    for b in design.buckets:
        lines.append(
            f"{s3} head-bucket --bucket {b.name} 2>/dev/null || {s3} create-bucket --bucket {b.name}"
        )
        if b.versioned:
            lines.append(
                f"{s3} put-bucket-versioning --bucket {b.name} --versioning-configuration Status=Enabled"
            )
    ddb = f"aws --endpoint-url http://dynamodb:{DYNAMODB_PORT} dynamodb"
    for t in design.tables:
        lines.append(f"{ddb} describe-table --table-name {t.name} >/dev/null 2>&1 || {ddb} {create_table(t)}")
        if t.ttl_attribute:
            spec = f"Enabled=true,AttributeName={t.ttl_attribute}"
            lines.append(
                f"{ddb} update-time-to-live --table-name {t.name} --time-to-live-specification {spec}"
            )
    depends = {
        name: {"condition": "service_healthy"}
        for name, used in (("minio", design.buckets), ("dynamodb", design.tables))
        if used
    }
    return {
        "image": AWS_CLI_IMAGE,
        "entrypoint": ["/bin/sh", "-c"],
        "command": ["\n".join(lines)],
        "environment": {
            "AWS_ACCESS_KEY_ID": MINIO_USER,
            "AWS_SECRET_ACCESS_KEY": secret_ref(MINIO_SECRET) if design.buckets else "local",
            "AWS_REGION": region,
        },
        "depends_on": depends,
        "restart": "no",
    }


def create_table(t: Table) -> str:
    keys = [(t.partition_key, "HASH")] + ([(t.sort_key, "RANGE")] if t.sort_key else [])
    attributes = " ".join(f"AttributeName={k.name},AttributeType={_KEY_TYPES[k.type]}" for k, _ in keys)
    schema = " ".join(f"AttributeName={k.name},KeyType={role}" for k, role in keys)
    out = f"create-table --table-name {t.name} --attribute-definitions {attributes} --key-schema {schema}"
    if t.billing == "provisioned":
        out += " --billing-mode PROVISIONED --provisioned-throughput ReadCapacityUnits=5,WriteCapacityUnits=5"
    else:
        out += " --billing-mode PAY_PER_REQUEST"
    if t.stream:
        out += f" --stream-specification StreamEnabled=true,StreamViewType={_STREAMS[t.stream]}"
    return out


# --- jobs, functions and the cron runner --------------------------------------------------------------


def job_entry(design: Design, job: Job, base: dict[str, Any]) -> dict[str, Any]:
    """The job's container: it runs once when the stack comes up, then the cron runner starts it again on its
    schedule (by its fixed container name)."""
    entry = dict(base)
    if job.command:
        entry["command"] = list(job.command)
    entry["container_name"] = job_container(design, job)
    entry["restart"] = "no"
    return entry


def job_container(design: Design, job: Job) -> str:
    return f"{design.project}-{job.name}"


def function_entry(fn: Function, base: dict[str, Any], host_port: int, repo_path: str) -> dict[str, Any]:
    entry = dict(base)
    if fn.package == "zip":
        assert fn.runtime and fn.handler
        entry = {
            "image": base_image(fn.runtime),
            **{k: v for k, v in base.items() if k not in ("image", "build")},
        }
        entry["command"] = [fn.handler]
        entry["volumes"] = [f"{repo_path}:/var/task:ro"]
    entry["ports"] = [f"127.0.0.1:{host_port}:{FUNCTION_PORT}"]
    labels = schedule_labels(fn)
    if labels:
        entry["labels"] = {"ofelia.enabled": "true", **labels}
    entry["restart"] = "unless-stopped"
    return entry


def schedule_labels(fn: Function) -> dict[str, str]:
    """Ofelia job-exec labels that invoke the function on each schedule trigger, as Scheduler does in AWS."""
    out: dict[str, str] = {}
    for n, t in enumerate(x for x in fn.triggers if x.schedule):
        spec = dev_schedule(t.schedule or "", t.time_zone or "UTC")
        if spec is None:
            continue
        name = f"{fn.name}-schedule-{n + 1}"
        url = shlex.quote(f"http://127.0.0.1:{FUNCTION_PORT}{INVOKE_PATH}")
        out[f"ofelia.job-exec.{name}.schedule"] = spec
        out[f"ofelia.job-exec.{name}.command"] = f"curl -fsS -X POST {url} -d '{{}}'"
    return out


def cron_runner(design: Design) -> dict[str, Any] | None:
    """Ofelia, reading the jobs from its own labels and the functions' schedules from theirs."""
    labels: dict[str, str] = {}
    for job in design.jobs:
        spec = dev_schedule(job.schedule, job.time_zone)
        if spec is not None:
            labels[f"ofelia.job-run.{job.name}.schedule"] = spec
            labels[f"ofelia.job-run.{job.name}.container"] = job_container(design, job)
    scheduled = [f.name for f in design.functions if schedule_labels(f)]
    if not labels and not scheduled:
        return None
    return {
        "image": CRON_IMAGE,
        "command": ["daemon", "--docker"],
        "volumes": ["/var/run/docker.sock:/var/run/docker.sock:ro"],  # it starts containers: dev only
        "labels": labels,
        "depends_on": {
            name: {"condition": "service_started"}
            for name in sorted([*(j.name for j in design.jobs), *scheduled])
        },
        "restart": "unless-stopped",
    }


def dev_schedule(expression: str, time_zone: str) -> str | None:
    """The schedule in Ofelia's cron (seconds first, robfig/cron): rate(n unit) as @every; an AWS cron as six
    fields with a CRON_TZ prefix. None for what it cannot express (L, W, #, a year): not scheduled in dev."""
    rate = RATE.match(expression)
    if rate:
        n, unit = int(rate.group(1)), rate.group(2)
        hours = {"minute": None, "hour": 1, "day": 24}[unit.rstrip("s")]
        return f"@every {n}m" if hours is None else f"@every {n * hours}h"
    fields = expression.removeprefix("cron(").removesuffix(")").split(" ")
    if len(fields) != 6 or fields[5] != "*" or any(c in "".join(fields[2:5]) for c in "LW#"):
        return None
    minutes, hours, dom, month, dow = fields[:5]
    dom = "*" if dom == "?" else dom
    dow = "*" if dow == "?" else _dow(dow)
    return f"CRON_TZ={time_zone} 0 {minutes} {hours} {dom} {month} {dow}"


def _dow(field: str) -> str:
    """AWS numbers days 1-7 from Sunday, robfig/cron 0-6: shift the numbers, keep the names."""
    out = []
    for part in field.split(","):
        base, slash, step = part.partition("/")
        shifted = "-".join(str(int(v) - 1) if v.isdigit() else v for v in base.split("-"))
        out.append(shifted + (slash + step if slash else ""))
    return ",".join(out)


def secret_ref(name: str) -> str:
    """A variable compose takes from the env file it is started with (--env-file .env.local), and refuses to
    start without: each container gets only the secrets it names."""
    return f"${{{name}:?set {name} in .env.local}}"


def _check(command: str) -> dict[str, Any]:
    return {
        "test": ["CMD-SHELL", command],
        "interval": "5s",
        "timeout": "3s",
        "retries": 20,
        "start_period": "10s",
    }


def sdk_endpoints(kinds: set[str]) -> dict[str, str]:
    """The endpoint variables the AWS SDKs read, for the stand-ins a workload uses."""
    out = {}
    if "bucket" in kinds:
        out["AWS_ENDPOINT_URL_S3"] = f"http://minio:{MINIO_PORT}"
    if "table" in kinds:
        out["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://dynamodb:{DYNAMODB_PORT}"
    return out


def topic_arn(design: Design, region: str, topic: str) -> str:
    """No SNS stand-in: the variable keeps prod's shape (an ARN) so code parses it the same way."""
    return f"arn:aws:sns:{region}:000000000000:{design.project}-{env_prefix(topic).lower().replace('_', '-')}"
