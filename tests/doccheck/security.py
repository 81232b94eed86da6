"""Security: IAM roles and their actions, secrets and rotation, encryption claims, cdk-nag acknowledgements."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.common import component_name, each_row, key, pair, tables
from tests.doccheck.data import bucket_name, dead_letter_queues, source_of
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.report import Result
from tests.doccheck.values import flatten, numbers, words, yes_no

ACTION = re.compile(r"\b[a-z0-9-]+:[A-Za-z0-9*]+\b")


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _roles(doc, assembly, result)
    _secrets(doc, assembly, result)
    _encryption(doc, assembly, result)
    _acks(doc, assembly, result)
    return result


def role_label(role: Resource) -> str:
    return role.path.removesuffix("/Resource")


def _matches(label: str, role: Resource) -> bool:
    path = role_label(role)
    return path == label or path.startswith(label + "/") or path.endswith("/" + label)


def role_actions(role: Resource, stage: Stage, assembly: Assembly) -> set[str]:
    actions: set[str] = set()
    docs = [p.get("PolicyDocument", {}) for p in role.props.get("Policies", [])]
    for policy in stage.resources("AWS::IAM::Policy"):
        if any(assembly.resolve(policy.stack, r) is role for r in policy.props.get("Roles", [])):
            docs.append(policy.props.get("PolicyDocument", {}))
    for document in docs:
        for statement in document.get("Statement", []):
            if statement.get("Effect", "Allow") == "Allow":
                found = statement.get("Action", [])
                actions.update([found] if isinstance(found, str) else found)
    return actions


def _roles(doc: Doc, assembly: Assembly, result: Result) -> None:
    tabs = tables(
        doc,
        result,
        "Security > IAM roles",
        ("role", "assumed by"),
        needed=bool(assembly.resources("AWS::IAM::Role")),
    )
    for table in tabs:
        m = re.search(r"\((.*?)\)", table.heading)
        stage = assembly.stages.get(m.group(1) if m else "")
        if not result.fact(
            stage is not None,
            "roles-env",
            table.where(),
            table.heading,
            list(assembly.stages),
            "manifest.json",
        ):
            continue
        assert stage is not None
        roles = stage.resources("AWS::IAM::Role")
        used: set[int] = set()
        for row in table.rows:
            label = row[table.column("role") or ""].strip("`")
            role = next((r for r in roles if id(r) not in used and _matches(label, r)), None)
            where = f"Security > IAM roles ({stage.name}) / {label}"
            if not result.fact(
                role is not None,
                "role-extra-row",
                where,
                label,
                "no such role",
                f"{stage.name} AWS::IAM::Role",
            ):
                continue
            assert role is not None
            used.add(id(role))
            _role_row(result, where, table, row, role, stage, assembly)
        for role in roles:
            if id(role) not in used:
                result.fact(
                    False,
                    "role-missing-row",
                    f"Security > IAM roles ({stage.name}) / {role_label(role)}",
                    "no row",
                    role_label(role),
                    role.where(),
                )


def _role_row(
    result: Result,
    where: str,
    table: Table,
    row: dict[str, str],
    role: Resource,
    stage: Stage,
    assembly: Assembly,
) -> None:
    principals = set()
    for statement in role.props.get("AssumeRolePolicyDocument", {}).get("Statement", []):
        service = statement.get("Principal", {}).get("Service", [])
        principals.update([service] if isinstance(service, str) else service)
    shown = set(re.findall(r"[\w.-]+\.amazonaws\.com", row[table.column("assumed") or ""]))
    result.equal(
        "role-principal", where, sorted(shown), sorted(principals), role.where("AssumeRolePolicyDocument")
    )
    cell = row.get(table.column("may do") or "", "")
    if not cell:
        return
    result.equal(
        "role-actions",
        where,
        sorted(set(ACTION.findall(cell)) - {"managed:service"}),
        sorted(role_actions(role, stage, assembly)),
        role.where("Policies + AWS::IAM::Policy"),
    )
    managed = sorted(flatten(arn).split(":policy/")[-1] for arn in role.props.get("ManagedPolicyArns", []))
    shown_managed = sorted(re.findall(r"managed:\s*([\w/+=,.@-]+)", cell))
    result.equal("role-managed-policies", where, shown_managed, managed, role.where("ManagedPolicyArns"))


def rotation_of(secret: Resource, assembly: Assembly) -> Resource | None:
    """The RotationSchedule of a secret: its SecretId is the secret or an attachment of it."""
    for schedule in assembly.resources("AWS::SecretsManager::RotationSchedule"):
        target = assembly.resolve(schedule.stack, schedule.props.get("SecretId"))
        if target is not None and target.type == "AWS::SecretsManager::SecretTargetAttachment":
            target = assembly.resolve(target.stack, target.props.get("SecretId"))
        if target is secret:
            return schedule
    return None


def rotation_days(schedule: Resource) -> float | None:
    rules = schedule.props.get("RotationRules", {})
    if "AutomaticallyAfterDays" in rules:
        return float(rules["AutomaticallyAfterDays"])
    m = re.search(r"rate\((\d+) days?\)", str(rules.get("ScheduleExpression", "")))
    return float(m.group(1)) if m else None


ROTATION_CLAIM = re.compile(r"every\s+\d+|automatic|hosted|rotated", re.I)


def check_rotation(result: Result, where: str, text: str, secret: Resource, assembly: Assembly) -> None:
    """A rotation claim (`every 30 days`, `hosted rotation`) needs a RotationSchedule saying so."""
    schedule = rotation_of(secret, assembly)
    if schedule is None:
        result.fact(
            not ROTATION_CLAIM.search(text),
            "secret-rotation",
            where,
            text,
            "no RotationSchedule",
            secret.where(),
        )
        return
    want = rotation_days(schedule)
    shown = [n for n in numbers(text)]
    result.fact(
        want in shown and bool(re.search(r"\bdays?\b", text)),
        "secret-rotation",
        where,
        text,
        f"every {want:g} days",
        schedule.where("RotationRules"),
    )
    if "hosted" in text.lower():
        result.fact(
            "HostedRotationLambda" in schedule.props,
            "secret-rotation-hosted",
            where,
            text,
            "no HostedRotationLambda",
            schedule.where(),
        )


def _secrets(doc: Doc, assembly: Assembly, result: Result) -> None:
    secrets = assembly.resources("AWS::SecretsManager::Secret")
    tabs = tables(doc, result, "Security > Secrets", ("secret", "rotation"), needed=bool(secrets))
    rows = [
        (key(env, row[t.column("owner") or ""]), (t, row)) for t, row, env in each_row(tabs, assembly.stages)
    ]
    for (table, row), secret in pair(
        result, "secret", "Security > Secrets", rows, [(key(s.stack.stage, s.owner), s) for s in secrets]
    ):
        where = f"Security > Secrets / {secret.stack.stage} / {secret.owner}"
        check_rotation(result, where, row[table.column("rotation") or ""], secret, assembly)
        description = secret.props.get("Description")
        if isinstance(description, str) and table.column("secret"):
            result.equal(
                "secret-description",
                where,
                row[table.column("secret") or ""],
                description,
                secret.where("Description"),
            )


def _encryption(doc: Doc, assembly: Assembly, result: Result) -> None:
    tabs = tables(doc, result, "Security > Encryption", ("data store", "at rest", "in transit"), needed=True)
    stores = _stores(assembly)
    rows = [
        (key(env, *_store_key(row[t.column("data store") or ""])), (t, row))
        for t, row, env in each_row(tabs, assembly.stages)
    ]
    things = [(k, Store(r, kind)) for k, r, kind in stores]
    for (table, row), store in pair(result, "encryption", "Security > Encryption", rows, things):
        res, kind = store.res, store.kind
        where = f"Security > Encryption / {res.stack.stage} / {row[table.column('data store') or '']}"
        _at_rest(result, where, row[table.column("at rest") or ""], res, kind, assembly)
        _in_transit(result, where, row[table.column("in transit") or ""], res, kind, assembly)


@dataclass
class Store:
    res: Resource
    kind: str  # rds | cache | sqs | s3

    @property
    def source(self) -> str:
        return self.res.where()


def _store_key(cell: str) -> tuple[str, str, str]:
    kind, _, rest = cell.strip().partition(" ")
    role = "dlq" if "dead-letter" in rest.lower() else ""
    return words(kind), component_name(rest), role


def _stores(assembly: Assembly) -> list[tuple[tuple[str, ...], Resource, str]]:
    out = []
    dlqs = dead_letter_queues(assembly)
    for r in assembly.resources("AWS::RDS::DBInstance"):
        if "DBClusterIdentifier" not in r.props:  # an Aurora instance is encrypted as its cluster is
            out.append((key(r.stack.stage, "rds", r.owner, ""), r, "rds"))
    for r in assembly.resources("AWS::RDS::DBCluster"):
        out.append((key(r.stack.stage, "aurora", r.owner, ""), r, "aurora"))
    for r in assembly.resources("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
        out.append((key(r.stack.stage, "dynamodb", r.owner, ""), r, "dynamodb"))
    for r in assembly.resources("AWS::ElastiCache::ReplicationGroup"):
        out.append((key(r.stack.stage, "elasticache", r.owner, ""), r, "cache"))
    for r in assembly.resources("AWS::SQS::Queue"):
        out.append((key(r.stack.stage, "sqs", r.owner, "dlq" if id(r) in dlqs else ""), r, "sqs"))
    for r in assembly.resources("AWS::S3::Bucket"):
        out.append((key(r.stack.stage, "s3", f"{r.owner}/{bucket_name(r)}", ""), r, "s3"))
    return out


def _at_rest(result: Result, where: str, cell: str, res: Resource, kind: str, assembly: Assembly) -> None:
    p = res.props
    if kind == "rds":
        base = source_of(res, assembly) if "SourceDBInstanceIdentifier" in p else res
        on = bool((base.props if base else {}).get("StorageEncrypted"))
    elif kind == "aurora":
        on = bool(p.get("StorageEncrypted"))
    elif kind == "dynamodb":
        on = True  # DynamoDB encrypts every table at rest, with a key it owns unless told otherwise
    elif kind == "cache":
        on = bool(p.get("AtRestEncryptionEnabled"))
    elif kind == "sqs":
        on = bool(p.get("SqsManagedSseEnabled") or p.get("KmsMasterKeyId"))
        if "sse-kms" in cell.lower() or ("kms" in cell.lower() and "sse-sqs" not in cell.lower()):
            result.fact(
                "KmsMasterKeyId" in p, "encryption-kms-claim", where, cell, "no KmsMasterKeyId", res.where()
            )
        if "sse-sqs" in cell.lower():
            result.fact(
                bool(p.get("SqsManagedSseEnabled")),
                "encryption-sse-claim",
                where,
                cell,
                "SqsManagedSseEnabled",
                res.where(),
            )
    else:
        algorithms = [
            r.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
            for r in p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        ]
        on = bool(algorithms)
        if algorithms and yes_no(cell) is None:
            result.fact(
                any(str(a).lower() in cell.lower() for a in algorithms),
                "encryption-algorithm",
                where,
                cell,
                algorithms,
                res.where("BucketEncryption"),
            )
            return
    shown = yes_no(cell) if yes_no(cell) is not None else bool(re.search(r"aes|kms|sse", cell, re.I))
    result.equal("encryption-at-rest", where, shown, on, res.where())


def _in_transit(result: Result, where: str, cell: str, res: Resource, kind: str, assembly: Assembly) -> None:
    # "TLS required (rds.force_ssl=1)" claims it; "TLS available, not enforced" does not
    claims_tls = bool(re.search(r"\btls\b|ssl|https", cell, re.I)) and not re.search(
        r"not enforced", cell, re.I
    )
    if kind == "dynamodb":
        return  # DynamoDB's endpoints accept HTTPS only
    if kind == "aurora":
        group = assembly.resolve(res.stack, res.props.get("DBClusterParameterGroupName"))
        params = group.props.get("Parameters", {}) if group is not None else {}
        forced = any(
            str(params.get(n, "0")) in ("1", "true") for n in ("rds.force_ssl", "require_secure_transport")
        )
        result.fact(
            not claims_tls or forced,
            "encryption-aurora-tls",
            where,
            cell,
            "no cluster parameter group forcing TLS",
            res.where("DBClusterParameterGroupName"),
        )
    elif kind == "rds":
        forced = _force_ssl(res, assembly)
        result.fact(
            not claims_tls or forced,
            "encryption-rds-tls",
            where,
            cell,
            "no parameter group with rds.force_ssl=1",
            res.where("DBParameterGroupName"),
        )
    elif kind == "cache":
        result.equal(
            "encryption-in-transit",
            where,
            claims_tls,
            bool(res.props.get("TransitEncryptionEnabled")),
            res.where("TransitEncryptionEnabled"),
        )
    elif claims_tls:
        policy_type = "AWS::SQS::QueuePolicy" if kind == "sqs" else "AWS::S3::BucketPolicy"
        result.fact(
            _denies_plain(res, policy_type, assembly),
            "encryption-tls-policy",
            where,
            cell,
            f"no {policy_type} denying aws:SecureTransport false",
            res.where(),
        )


def _force_ssl(db: Resource, assembly: Assembly) -> bool:
    group = assembly.resolve(db.stack, db.props.get("DBParameterGroupName"))
    if group is None:
        return False
    value = str(group.props.get("Parameters", {}).get("rds.force_ssl", "0"))
    return value in ("1", "true")


def _denies_plain(res: Resource, policy_type: str, assembly: Assembly) -> bool:
    for policy in res.stack.resources.values():
        if policy.type != policy_type:
            continue
        targets = (
            policy.props.get("Queues", [])
            if policy_type.startswith("AWS::SQS")
            else [policy.props.get("Bucket")]
        )
        if not any(assembly.resolve(policy.stack, t) is res for t in targets):
            continue
        for statement in policy.props.get("PolicyDocument", {}).get("Statement", []):
            cond = statement.get("Condition", {}).get("Bool", {})
            if statement.get("Effect") == "Deny" and str(cond.get("aws:SecureTransport")).lower() == "false":
                return True
    return False


def _acks(doc: Doc, assembly: Assembly, result: Result) -> None:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    envs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for res in assembly.resources():
        for rule in res.raw.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            k = (str(rule.get("id")), str(rule.get("reason")))
            counts[k] += 1
            envs[k].add(res.stack.stage)
    tabs = tables(doc, result, "Security > cdk-nag", ("rule", "reason"), needed=bool(counts))
    shown = set()
    for table in tabs:
        for row in table.rows:
            k = (row[table.column("rule") or ""].strip("`"), row[table.column("reason") or ""])
            where = f"Security > cdk-nag / {k[0]} / {k[1][:40]}"
            shown.add(k)
            if not result.fact(
                k in counts, "nag-ack-extra-row", where, k, "no such suppression", "resource Metadata cdk_nag"
            ):
                continue
            if table.column("resources"):
                result.equal(
                    "nag-ack-count",
                    where,
                    numbers(row[table.column("resources") or ""])[:1],
                    [float(counts[k])],
                    "resources whose Metadata.cdk_nag suppresses it",
                )
            if table.column("environments"):
                listed = sorted(e.strip() for e in row[table.column("environments") or ""].split(","))
                result.equal("nag-ack-envs", where, listed, sorted(envs[k]), "stages of those resources")
    for k in counts:
        if tabs:
            result.fact(
                k in shown,
                "nag-ack-missing-row",
                f"Security > cdk-nag / {k[0]} / {k[1][:40]}",
                "no row",
                counts[k],
                "resource Metadata cdk_nag",
            )
