"""Security: IAM roles and their actions, secrets and rotation, encryption claims, cdk-nag acknowledgements."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from tests.doccheck.assembly import Assembly, Resource, Stage
from tests.doccheck.common import Row, each_row, match, named, tables
from tests.doccheck.markdown import Doc, Table
from tests.doccheck.network import aliases
from tests.doccheck.report import Result
from tests.doccheck.values import flatten, numbers, readable

ACTION = re.compile(r"\b[a-z0-9-]+:[A-Za-z0-9*]+(?![\w*])")


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _roles(doc, assembly, result)
    _secrets(doc, assembly, result)
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
        if table.column("environment"):  # one table for every environment
            for stage in assembly.stages.values():
                _role_table(result, table, stage, assembly)
            continue
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

    env = table.column("environment")
    rows = [(table, row, stage.name) for row in table.rows if not env or row[env] == stage.name]
    roles = stage.resources("AWS::IAM::Role")
    rows = _expand_crowds(result, table, rows, roles, stage, assembly)
    match(result, "role", f"Security > IAM roles ({stage.name})", rows, roles, fits, compare)


CROWD_ROLE = re.compile(r"^\*/(\S+) ×(\d+) \((\S+) … (\S+)\)$")


def _expand_crowds(
    result: Result, table: Table, rows: list[Any], roles: list[Resource], stage: Stage, assembly: Assembly
) -> list[Any]:
    """A row `*/Task/TaskRole ×30 (svc04 … wrk20)` stands for the roles of that shape, principal and reach not
    listed on rows of their own: exactly that many, the first and last named among them. Each becomes a row
    of its own, compared like any other."""
    col = table.column("role") or ""
    crowd = [r for r in rows if CROWD_ROLE.match(r[1][col].strip("`"))]
    single = [r for r in rows if r not in crowd]
    out = list(single)
    for t, row, env in crowd:
        m = CROWD_ROLE.match(row[col].strip("`"))
        assert m is not None
        rest, count, first, last = m.groups()
        where = f"Security > IAM roles ({stage.name}) / {row[col]}"
        fitting = []
        for role in roles:
            if not role_label(role).endswith("/" + rest):
                continue
            if any(_matches(other[1][col].strip("`"), role) for other in single):
                continue
            scratch = Result()
            _role_row(scratch, where, table, row, role, stage, assembly)
            if not scratch.mismatches:
                fitting.append(role)
        result.equal("role-crowd", where, int(count), len(fitting), "AWS::IAM::Role")
        names = {role_label(r).removesuffix("/" + rest).split("/")[-1] for r in fitting}
        result.fact(
            first in names and last in names,
            "role-crowd-ends",
            where,
            f"{first} … {last}",
            sorted(names),
            "roles",
        )
        out += [(t, {**row, col: role_label(r)}, env) for r in fitting]
    return out


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
    reach = row.get(table.column("may act on") or "", "")
    if reach:  # the doc's summary: the services the actions belong to, and managed policies by name
        prefixes = sorted({a.split(":")[0] for a in role_actions(role, stage, assembly)})
        shown_services = sorted(
            w for w in re.split(r",\s*", reach) if w and w != "nothing" and not w.startswith("managed policy")
        )
        result.equal(
            "role-services", where, shown_services, prefixes, role.where("Policies + AWS::IAM::Policy")
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
