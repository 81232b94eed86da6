"""Physical names the stacks give AWS resources, built here once so the spec can check each against its AWS limit.

stacks/ calls these functions for every name it sets; `physical_names` lists every name one environment's
stacks create, with the spec field that drives it, and designspec/limits.py checks each against NAME_RULES.
tests/test_spec_limits.py checks that every name set in the synthesized templates is one `physical_names` lists.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from designspec.model import Design
from designspec.observability import ALARM_KINDS
from designspec.security import APP_DISTRIBUTION, needs_app_distribution

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class NameRule:
    """An AWS limit on one kind of name: its length and the characters it takes."""

    what: str
    max_length: int
    pattern: str


NAME_RULES = {
    "stack": NameRule("CloudFormation stack name", 128, r"^[A-Za-z][-A-Za-z0-9]*$"),
    "backup-vault": NameRule("AWS Backup vault name", 50, r"^[A-Za-z0-9_-]{2,50}$"),
    "backup-plan": NameRule("AWS Backup plan name", 50, r"^[A-Za-z0-9_.-]{1,50}$"),
    "budget": NameRule("AWS Budgets budget name", 100, r"^[^:\\]+$"),
    "log-group": NameRule("CloudWatch Logs log group name", 512, r"^[.\-_/#A-Za-z0-9]+$"),
    "secret": NameRule("Secrets Manager secret name", 512, r"^[A-Za-z0-9/_+=.@-]+$"),
    "xray-rule": NameRule("X-Ray sampling rule name", 32, r"^[A-Za-z0-9_-]+$"),
    "ecr-repository": NameRule(
        "ECR repository name",
        256,
        r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$",
    ),
    "alarm": NameRule("CloudWatch alarm name", 255, r"^[^\x00-\x1f]+$"),
    "dashboard": NameRule("CloudWatch dashboard name", 255, r"^[A-Za-z0-9_-]+$"),
    "metric-namespace": NameRule("CloudWatch metric namespace", 255, r"^[A-Za-z0-9_.\-/#:]+$"),
    "export": NameRule("CloudFormation export name", 255, r"^[A-Za-z0-9:-]+$"),
    # RDS: a letter first, letters, digits and single hyphens, no hyphen at the end.
    "rds-instance": NameRule("RDS DB instance identifier", 63, r"^[A-Za-z](?!.*--)[A-Za-z0-9-]*(?<!-)$"),
    "waf-acl": NameRule("AWS WAF web ACL name", 128, r"^[\w-]+$"),
    "vpc-origin": NameRule("CloudFront VPC origin name", 64, r"^[A-Za-z0-9_-]+$"),
}

# Stacks of every environment besides one "Service-<name>" stack per Fargate workload (stacks/stage.py).
SHARED_STACKS = (
    "Observability",
    "Network",
    "Data",
    "Messaging",
    "Platform",
    "Edge",
    "Dashboards",
    "BackupCopy",
    "Keys",  # security.encryption: customer-managed
    "EdgeGlobal",  # an environment outside us-east-1: CloudFront's certificate and web ACL
)
DASHBOARD_KINDS = ("operations", "application", "business")
WORKLOAD_LOG_TYPES = ("application", "access", "audit")
FUNCTION_LOG_TYPES = ("application", "access")  # access: of its HTTP API, when it has one
RDS_LOG_EXPORTS = ("postgresql", "upgrade")
ALARM_SUBJECT_ALB = "load-balancer"


def name_prefix(project: str, env: str) -> str:
    """`<project>-<environment>`: the head of every name that must be unique per account and region."""
    return f"{project}-{env}"


def stack_name(project: str, env: str, stack_id: str) -> str:
    return f"{name_prefix(project, env)}-{stack_id}"


def workload_stack_id(workload: str) -> str:
    return f"Service-{workload}"


def job_stack_id(job: str) -> str:
    return f"Job-{job}"


def function_stack_id(function: str) -> str:
    return f"Function-{function}"


def backup_vault_name(project: str, env: str) -> str:
    return name_prefix(project, env)


def backup_copy_vault_name(project: str, env: str) -> str:
    return f"{backup_vault_name(project, env)}-copy"


def backup_plan_name(project: str, env: str) -> str:
    """The plan is named as its vault (stacks/backup.py passes the vault name to both)."""
    return backup_vault_name(project, env)


def budget_name(project: str, env: str) -> str:
    return f"{name_prefix(project, env)}-monthly"


def log_group_prefix(project: str, env: str, workload: str) -> str:
    """`/<project>/<environment>/<workload>`: one log group per log type below it."""
    return f"/{project}/{env}/{workload}"


def log_group_name(prefix: str, log_type: str) -> str:
    return f"{prefix}/{log_type}"


def secret_name(project: str, env: str, secret: str) -> str:
    return f"{project}/{env}/{secret}"


def ecr_repository_name(project: str, workload: str) -> str:
    """Shared by every environment of an account: images are pushed once per account and promoted by tag."""
    return f"{project}/{workload}"


def bucket_arn_export(project: str, env: str, bucket: str) -> str:
    """The export workloads import a bucket's ARN by (stacks/uses.py names their grants by it)."""
    return f"{name_prefix(project, env)}-{bucket}-bucket-arn"


def rds_instance_identifier(prefix: str, database: str) -> str:
    """Set so the stack can create the log groups RDS exports to (`/aws/rds/instance/<id>/<log>`)."""
    return f"{prefix}-{database}"


def rds_log_group_name(identifier: str, log: str) -> str:
    """Where RDS exports a log; the stack creates the group (with its retention and key) before the instance."""
    return f"/aws/rds/instance/{identifier}/{log}"


def waf_acl_name(prefix: str) -> str:
    return f"{prefix}-edge"


def waf_log_group_name(prefix: str) -> str:
    """WAF delivers only to log groups whose name starts with `aws-waf-logs-`."""
    return f"aws-waf-logs-{waf_acl_name(prefix)}"


def vpc_origin_name(prefix: str) -> str:
    return f"{prefix}-alb"


def xray_rule_name(prefix: str, suffix: str) -> str:
    """X-Ray rule names are at most 32 characters: long ones keep a readable head and a stable hash."""
    name = f"{prefix}-{suffix}"
    if len(name) <= 32:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:23]}-{digest}"


def alarm_name(prefix: str, subject: str, kind: str) -> str:
    return f"{prefix}-{subject}-{kind}"


def dashboard_name(prefix: str, kind: str) -> str:
    return f"{prefix}-{kind}"


def metrics_namespace(project: str, env: str) -> str:
    """Where the OTLP collector publishes the application's metrics."""
    return f"{project}/{env}"


def physical_names(design: Design, env: str) -> Iterator[tuple[str, str, Loc]]:
    """(rule key, name, spec path that drives it) for every physical name `env`'s stacks set.

    Alarms are listed for every subject and every alarm kind: a superset of those created, so the length
    check is on the longest."""
    project, prefix = design.project, name_prefix(design.project, env)
    here: Loc = ("environments", env)
    for stack_id in SHARED_STACKS:
        yield "stack", stack_name(project, env, stack_id), here
    yield "backup-vault", backup_vault_name(project, env), here
    yield "backup-vault", backup_copy_vault_name(project, env), here
    yield "backup-plan", backup_plan_name(project, env), here
    yield "budget", budget_name(project, env), here
    yield "waf-acl", waf_acl_name(prefix), here
    yield "log-group", waf_log_group_name(prefix), here
    yield "vpc-origin", vpc_origin_name(prefix), here
    for i, db in enumerate(design.databases):
        identifier = rds_instance_identifier(prefix, db.name)
        yield "rds-instance", identifier, ("databases", i, "name")
        for log in RDS_LOG_EXPORTS:
            yield "log-group", rds_log_group_name(identifier, log), ("databases", i, "name")
    if needs_app_distribution(design):  # its CloudFront alarms are named after it
        yield from _alarm_names(prefix, APP_DISTRIBUTION, here)
    yield "metric-namespace", metrics_namespace(project, env), here
    yield "xray-rule", xray_rule_name(prefix, "default"), here
    for i in range(1, len(health_check_paths(design)) + 1):  # stacks/tracing.py: one rule per distinct path
        yield "xray-rule", xray_rule_name(prefix, f"health{i}"), here
    for kind in DASHBOARD_KINDS:
        yield "dashboard", dashboard_name(prefix, kind), here
    yield from _alarm_names(prefix, ALARM_SUBJECT_ALB, here)
    for i, secret in enumerate(design.secrets):
        yield "secret", secret_name(project, env, secret.name), ("secrets", i, "name")
    for i, bucket in enumerate(design.buckets):
        yield "export", bucket_arn_export(project, env, bucket.name), ("buckets", i, "name")
    for kind in ("databases", "caches", "queues", "frontends", "file_systems", "tables"):
        for i, item in enumerate(getattr(design, kind)):
            yield from _alarm_names(prefix, item.name, (kind, i, "name"))
    yield from _job_and_function_names(design, env)
    for kind in ("services", "frontends"):
        for i, w in enumerate(getattr(design, kind)):
            if kind == "frontends" and w.hosting != "container":
                continue
            loc: Loc = (kind, i, "name")
            yield "stack", stack_name(project, env, workload_stack_id(w.name)), loc
            yield "ecr-repository", ecr_repository_name(project, w.name), loc
            for log_type in WORKLOAD_LOG_TYPES:
                yield "log-group", log_group_name(log_group_prefix(project, env, w.name), log_type), loc
            yield from _alarm_names(prefix, w.name, loc)


def _job_and_function_names(design: Design, env: str) -> Iterator[tuple[str, str, Loc]]:
    """A job's stack, repository and log groups as a service's; a function's stack, repository (image) and
    its application and access log groups."""
    project = design.project
    for i, job in enumerate(design.jobs):
        loc: Loc = ("jobs", i, "name")
        yield "stack", stack_name(project, env, job_stack_id(job.name)), loc
        yield "ecr-repository", ecr_repository_name(project, job.name), loc
        for log_type in WORKLOAD_LOG_TYPES:
            yield "log-group", log_group_name(log_group_prefix(project, env, job.name), log_type), loc
        yield from _alarm_names(name_prefix(project, env), job.name, loc)
    for i, fn in enumerate(design.functions):
        loc = ("functions", i, "name")
        yield "stack", stack_name(project, env, function_stack_id(fn.name)), loc
        yield "ecr-repository", ecr_repository_name(project, fn.name), loc
        for log_type in FUNCTION_LOG_TYPES:
            yield "log-group", log_group_name(log_group_prefix(project, env, fn.name), log_type), loc
        yield from _alarm_names(name_prefix(project, env), fn.name, loc)


def health_check_paths(design: Design) -> set[str]:
    """The ALB health-check path of every routed workload."""
    return {w.health_check_path for w in (*design.http_services(), *design.container_frontends())}


def _alarm_names(prefix: str, subject: str, loc: Loc) -> Iterator[tuple[str, str, Loc]]:
    for kind in ALARM_KINDS:
        yield "alarm", alarm_name(prefix, subject, kind), loc


def name_problem(rule_key: str, name: str) -> str | None:
    """Why `name` breaks its AWS rule, or None."""
    rule = NAME_RULES[rule_key]
    if len(name) > rule.max_length:
        return (
            f"makes the {rule.what} {name!r} ({len(name)} characters); AWS allows at most {rule.max_length}"
        )
    if not re.match(rule.pattern, name):
        return f"makes the {rule.what} {name!r}, which AWS does not accept (allowed: {rule.pattern})"
    return None
