"""Security: IAM roles and their actions, secrets and rotation, encryption claims, cdk-nag acknowledgements."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.common import Row, component_name, each_row, match, named, tables
from tests.doccheck.data import dead_letter_queues, queue_encrypted, sse_sqs
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.network import aliases
from tests.doccheck.rds import Db, dbs, excused, family, tls_enforced
from tests.doccheck.report import Result
from tests.doccheck.values import flatten, numbers, readable, words, yes_no

ACTION = re.compile(r"\b[a-z0-9-]+:[A-Za-z0-9*]+(?![\w*])")


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
    return path == label or path.startswith(label + "/") or path.endswith("/" + label) or role.named(label)


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
        _role_table(result, table, stage, assembly)


def _role_table(result: Result, table: Table, stage: Stage, assembly: Assembly) -> None:
    def fits(row: Row, role: Resource) -> bool:
        return _matches(row[1][table.column("role") or ""].strip("`"), role)

    def compare(res: Result, row: Row, role: Resource) -> None:
        label = row[1][table.column("role") or ""].strip("`")
        where = f"Security > IAM roles ({stage.name}) / {label}"
        _role_row(res, where, table, row[1], role, stage, assembly)

    rows = [(table, row, stage.name) for row in table.rows]
    roles = stage.resources("AWS::IAM::Role")
    match(result, "role", f"Security > IAM roles ({stage.name})", rows, roles, fits, compare)


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

    def compare(res: Result, row: Row, secret: Resource) -> None:
        table, cells, _ = row
        where = f"Security > Secrets / {secret.stack.stage} / {secret.title}"
        check_rotation(res, where, cells[table.column("rotation") or ""], secret, assembly)
        if table.column("secret") and "Description" in secret.props:
            _description(res, where, cells[table.column("secret") or ""], secret, assembly)

    rows = list(each_row(tabs, assembly.stages))
    match(result, "secret", "Security > Secrets", rows, secrets, lambda r, s: named(r, "owner", s), compare)


def _description(result: Result, where: str, cell: str, secret: Resource, assembly: Assembly) -> None:
    """The secret's Description, readably; "generated database credentials" claims a generated value that a
    SecretTargetAttachment ties to an RDS instance or cluster."""
    description = secret.props["Description"]
    if "generated database credentials" in cell.lower():
        attached = [
            a
            for a in assembly.resources("AWS::SecretsManager::SecretTargetAttachment")
            if assembly.resolve(a.stack, a.props.get("SecretId")) is secret
            and str(a.props.get("TargetType", "")).startswith("AWS::RDS::")
        ]
        ok = bool(attached) and "GenerateSecretString" in secret.props
        result.fact(
            ok, "secret-description", where, cell, "a generated secret attached to a database", secret.where()
        )
        return
    pattern = readable(description, aliases(secret.stack))
    result.fact(
        bool(pattern.fullmatch(cell.strip())),
        "secret-description",
        where,
        cell,
        description,
        secret.where("Description"),
    )


def _encryption(doc: Doc, assembly: Assembly, result: Result) -> None:
    stores = _stores(assembly)
    needed = any(s.kind != "dynamodb" for s in stores)
    tabs = tables(
        doc, result, "Security > Encryption", ("data store", "at rest", "in transit"), needed=needed
    )
    every = dbs(assembly)

    def fits(row: Row, store: Store) -> bool:
        table, cells, env = row
        kind, name, role = _store_key(cells[table.column("data store") or ""])
        return (
            env == store.res.stack.stage
            and kind in STORE_WORDS[store.kind]
            and store.res.named(name)
            and role == store.role
        )

    def compare(res: Result, row: Row, store: Store) -> None:
        table, cells, _ = row
        where = f"Security > Encryption / {store.res.stack.stage} / {cells[table.column('data store') or '']}"
        _at_rest(res, where, cells[table.column("at rest") or ""], store, assembly)
        _in_transit(res, where, cells[table.column("in transit") or ""], store, assembly)

    def optional(store: Store, paired: list[Store]) -> bool:
        if store.db is not None:
            return excused(store.db, [p.db for p in paired if p.db is not None], every)
        return store.kind == "dynamodb"  # not in this project's model: checked where shown

    rows = list(each_row(tabs, assembly.stages))
    match(result, "encryption", "Security > Encryption", rows, stores, fits, compare, optional)


# store kind -> the first word of a "Data store" cell that may name it
STORE_WORDS = {
    "rds": ("rds", "aurora"),
    "cache": ("elasticache", "redis", "valkey"),
    "sqs": ("sqs",),
    "s3": ("s3",),
    "dynamodb": ("dynamodb",),
}


@dataclass
class Store:
    res: Resource
    kind: str  # rds | cache | sqs | s3 | dynamodb
    role: str = ""  # "dlq" for a dead-letter queue
    db: Db | None = None

    @property
    def source(self) -> str:
        return self.res.where()

    @property
    def name(self) -> str:
        return f"{self.res.stack.stage} / {self.kind} {self.res.path or self.res.logical_id}"


def _store_key(cell: str) -> tuple[str, str, str]:
    kind, _, rest = cell.strip().partition(" ")
    role = "dlq" if "dead-letter" in rest.lower() else ""
    return words(kind), component_name(rest), role


def _stores(assembly: Assembly) -> list[Store]:
    dlqs = dead_letter_queues(assembly)
    out = [Store(d.res, "rds", db=d) for d in dbs(assembly)]
    out += [Store(r, "cache") for r in assembly.resources("AWS::ElastiCache::ReplicationGroup")]
    out += [Store(r, "sqs", "dlq" if id(r) in dlqs else "") for r in assembly.resources("AWS::SQS::Queue")]
    out += [Store(r, "s3") for r in assembly.resources("AWS::S3::Bucket")]
    out += [
        Store(r, "dynamodb") for r in assembly.resources("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
    ]
    return out


def _at_rest(result: Result, where: str, cell: str, store: Store, assembly: Assembly) -> None:
    res, kind, p = store.res, store.kind, store.res.props
    if store.db is not None:
        on = bool(store.db.base.props.get("StorageEncrypted"))
    elif kind == "dynamodb":
        on = True  # DynamoDB encrypts every table at rest (an AWS owned key unless SSESpecification says KMS)
        if "kms" in cell.lower():
            sse = p.get("SSESpecification") or {}
            result.fact(
                bool(sse.get("SSEEnabled")),
                "encryption-kms-claim",
                where,
                cell,
                "SSESpecification",
                res.where(),
            )
    elif kind == "cache":
        on = bool(p.get("AtRestEncryptionEnabled"))
    elif kind == "sqs":
        on = queue_encrypted(res)
        if "sse-kms" in cell.lower() or ("kms" in cell.lower() and "sse-sqs" not in cell.lower()):
            result.fact(
                "KmsMasterKeyId" in p, "encryption-kms-claim", where, cell, "no KmsMasterKeyId", res.where()
            )
        if "sse-sqs" in cell.lower():
            result.fact(
                sse_sqs(res),
                "encryption-sse-claim",
                where,
                cell,
                "SSE-SQS (SqsManagedSseEnabled, on by default)",
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


def _in_transit(result: Result, where: str, cell: str, store: Store, assembly: Assembly) -> None:
    # "TLS required (rds.force_ssl=1)" claims it; "TLS available, not enforced" does not
    claims_tls = bool(re.search(r"\btls\b|ssl|https", cell, re.I)) and not re.search(
        r"not enforced", cell, re.I
    )
    res, kind = store.res, store.kind
    if store.db is not None:
        _, parameter = family(store.db.engine)
        result.fact(
            not claims_tls or tls_enforced(store.db, assembly),
            "encryption-rds-tls",
            where,
            cell,
            f"no parameter group with {parameter or 'a TLS parameter'} on",
            res.where("DBParameterGroupName / DBClusterParameterGroupName"),
        )
        named_params = set(re.findall(r"rds\.force_ssl|require_secure_transport|sslmode", cell))
        result.fact(
            named_params <= {parameter},
            "encryption-rds-tls-parameter",
            where,
            cell,
            f"{store.db.engine} enforces TLS with {parameter or 'an option group'}",
            store.db.base.where("Engine"),
        )
    elif kind == "cache":
        result.equal(
            "encryption-in-transit",
            where,
            claims_tls,
            bool(res.props.get("TransitEncryptionEnabled")),
            res.where("TransitEncryptionEnabled"),
        )
    elif claims_tls and kind in ("sqs", "s3"):
        policy_type = "AWS::SQS::QueuePolicy" if kind == "sqs" else "AWS::S3::BucketPolicy"
        result.fact(
            _denies_plain(res, policy_type, assembly),
            "encryption-tls-policy",
            where,
            cell,
            f"no {policy_type} denying aws:SecureTransport false",
            res.where(),
        )


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


def _ack_rule(rule_id: str) -> str:
    """cdk-nag records an acknowledged annotation as `Annotation::<rule>`: the rule is what follows."""
    return re.sub(r"(?i)^annotation::", "", rule_id)


def _acknowledged(assembly: Assembly) -> dict[tuple[str, str], set[int]]:
    """(rule, reason) -> the resources it covers: a resource's `Metadata.cdk_nag` (one entry per `applies_to`
    finding, `rule[finding]`), and a construct's `aws:cdk:acknowledged-rules` (every resource under it but
    CDKMetadata, which CDK adds after validation). A resource counts once per rule and reason."""
    covered: dict[tuple[str, str], set[int]] = defaultdict(set)
    for res in assembly.resources():
        for rule in res.raw.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            rule_id, reason = _ack_rule(str(rule.get("id"))), str(rule.get("reason"))
            findings = rule.get("applies_to") or rule.get("appliesTo") or []
            for finding in findings:
                text = finding.get("regex", "") if isinstance(finding, dict) else str(finding)
                covered[(f"{rule_id}[{text}]", reason)].add(id(res))
            if not findings:
                covered[(rule_id, reason)].add(id(res))
    for stage, path, rule_id, reason in assembly.acknowledged:
        for res in assembly.stages[stage].resources():
            if res.type != "AWS::CDK::Metadata" and (
                res.full_path == path or res.full_path.startswith(path + "/")
            ):
                covered[(_ack_rule(rule_id), reason)].add(id(res))
    return covered


def _acks(doc: Doc, assembly: Assembly, result: Result) -> None:
    covered = _acknowledged(assembly)
    stage_of = {id(r): r.stack.stage for r in assembly.resources()}
    counts = {k: len(v) for k, v in covered.items()}
    envs = {k: {stage_of[i] for i in v} for k, v in covered.items()}
    tabs = tables(doc, result, "Security > cdk-nag", ("rule", "reason"), needed=bool(counts))
    shown = set()
    for table in tabs:
        for row in table.rows:
            k = (row[table.column("rule") or ""].strip("`"), row[table.column("reason") or ""])
            where = f"Security > cdk-nag / {k[0]} / {k[1][:40]}"
            shown.add(k)
            if not result.fact(
                k in counts,
                "nag-ack-extra-row",
                where,
                k,
                "no such suppression",
                "resource Metadata cdk_nag, manifest aws:cdk:acknowledged-rules",
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
