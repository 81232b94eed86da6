"""Security: IAM roles, secrets and their rotation, encryption at rest and in transit, KMS keys, and the
cdk-nag findings acknowledged in code with their reasons."""

from __future__ import annotations

import re

from docgen.assembly.model import Resource
from docgen.facts import clusters, data, security, tables
from docgen.facts.fact import Fact, Source, derived, exists, join, pointer_of
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    model.tables["acks"] = _acknowledgements(inputs)
    secret_rows, enc_rows, key_rows, role_rows, summary_rows = [], [], [], [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        summary = []
        for r in security.roles(inputs.index, env):
            role_rows.append([name, r.name, r.assumed_by, join(list(r.permissions), "<br>", none=r.resource)])
            summary.append([name, r.name, r.assumed_by, _acts_on(r)])
        summary_rows += _crowded_roles(summary)
        secret_rows += [
            [name, s.owner, s.description, s.rotation, s.key] for s in security.secrets(inputs.index, env)
        ]
        enc_rows += _encryption(inputs, env, name)
        key_rows += [[name, k.owner, k.description, k.rotation] for k in security.kms_keys(inputs.index, env)]
    model.tables["roles"] = t(["Environment", "Role", "Assumed by", "May do"], role_rows)
    model.tables["role_summary"] = t(["Environment", "IAM role", "Assumed by", "May act on"], summary_rows)
    model.tables["secrets"] = t(["Environment", "Owner", "Secret", "Rotation", "Encrypted with"], secret_rows)
    model.tables["encryption"] = t(["Environment", "Data store", "At rest", "In transit"], enc_rows)
    model.tables["kms"] = t(["Environment", "Owner", "Key", "Automatic rotation"], key_rows)


CROWD = 5  # this many roles of one shape, principal and reach are one row of the summary


def _crowded_roles(rows: list[list[Fact]]) -> list[list[Fact]]:
    """Roles that differ only in their first path part (`svc01/Task/TaskRole` … `svc40/Task/TaskRole`), are
    assumed by the same principal and reach the same services, as one row `*/Task/TaskRole ×40 (svc01 … svc40)`:
    at sixty services the summary stays a page; every role is listed in the security details."""
    groups: dict[tuple[str, str, str], list[list[Fact]]] = {}
    for row in rows:
        _, _, rest = row[1].text.partition("/")
        groups.setdefault((f"*/{rest}" if rest else row[1].text, row[2].text, row[3].text), []).append(row)
    out = []
    for (shape, _, _), members in groups.items():
        if len(members) < CROWD or not shape.startswith("*/"):
            out += members
            continue
        first, last = (m[1].text.split("/", 1)[0] for m in (members[0], members[-1]))
        names = [m[1] for m in members]
        role = derived([n.value for n in names], f"{shape} ×{len(members)} ({first} … {last})", names)
        acts = derived(members[0][3].value, members[0][3].text, [m[3] for m in members])
        out.append([members[0][0], role, members[0][2], acts])
    return out


def _acts_on(role: security.Role) -> Fact:
    """The AWS services a role's permissions reach (`logs, sqs, xray`), managed policies named apart."""
    services: set[str] = set()
    managed: list[str] = []
    for p in role.permissions:
        if p.text.startswith("managed: "):
            managed.append(p.text.removeprefix("managed: ").rsplit("/", 1)[-1])
        services |= set(re.findall(r"(?<![\w/-])([a-z0-9-]+):[A-Za-z*]", p.text.split(" on ")[0]))
    parts = sorted(services) + [f"managed policy {m}" for m in managed]
    return derived(parts, ", ".join(parts) or "nothing", list(role.permissions) or [role.name])


def _encryption(inputs: SectionInputs, env: str, name: Fact) -> list[list[Fact]]:
    rows: list[list[Fact]] = []
    for d in data.databases(inputs.index, env):
        at_rest = derived(
            d.encrypted.value,
            f"{d.encrypted.text} ({d.key.text})" if d.encrypted.text == "yes" else "no",
            [d.encrypted, d.key],
        )
        rows.append([name, derived(None, f"RDS {d.name.text}", [d.name]), at_rest, d.tls])
    for cluster in clusters.clusters(inputs.index, env):
        at_rest = derived(
            cluster.encrypted.value,
            f"yes ({cluster.key.text})" if cluster.encrypted.text == "yes" else "no",
            [cluster.encrypted, cluster.key],
        )
        label = derived(None, f"Aurora {cluster.name.text}", [cluster.name])
        rows.append([name, label, at_rest, clusters.in_transit(cluster)])
    for table in tables.tables(inputs.index, env):
        label = derived(None, f"DynamoDB {table.name.text}", [table.name])
        rows.append([name, label, table.encryption, exists(table.resource, "TLS (HTTPS API endpoints only)")])
    for c in data.caches(inputs.index, env):
        rows.append(
            [
                name,
                derived(None, f"ElastiCache {c.name.text}", [c.name]),
                c.at_rest,
                derived(None, "TLS" if c.tls.text == "yes" else "none", [c.tls]),
            ]
        )
    for q in data.queues(inputs.index, env):
        label = derived(None, f"SQS {q.name.text} ({q.role.text})", [q.name, q.role])
        rows.append(
            [name, label, q.encryption, _tls_policy(inputs, q.resource, "AWS::SQS::QueuePolicy", "Queues")]
        )
    for b in data.buckets(inputs.index, env):
        label = derived(None, f"S3 {b.name.text}/{b.purpose.text}", [b.name, b.purpose])
        rows.append(
            [name, label, b.encryption, _tls_policy(inputs, b.resource, "AWS::S3::BucketPolicy", "Bucket")]
        )
    return rows


def _tls_policy(inputs: SectionInputs, resource: Resource, policy_type: str, prop_name: str) -> Fact:
    """ "TLS only" when a resource policy denies requests with aws:SecureTransport false."""
    for policy in inputs.index.referring(resource, policy_type, prop_name):
        statements = (policy.properties.get("PolicyDocument") or {}).get("Statement") or []
        for i, st in enumerate(statements):
            condition = (st or {}).get("Condition") or {}
            if (
                st.get("Effect") == "Deny"
                and str((condition.get("Bool") or {}).get("aws:SecureTransport")) == "false"
            ):
                src = Source(
                    "template",
                    policy.template,
                    pointer_of(
                        policy.logical_id, ("Properties", "PolicyDocument", "Statement", i, "Condition")
                    ),
                    condition,
                )
                return Fact(True, "TLS only (resource policy denies plain HTTP)", (src,))
    return exists(resource, "TLS available, not enforced by a resource policy", False)


def _acknowledgements(inputs: SectionInputs) -> object:
    rows = []
    by_key = inputs.index.by_key
    for (rule, reason), acks in security.acknowledgement_groups(inputs.assembly.acknowledgements).items():
        resources = [by_key[a.resource] for a in acks if a.resource in by_key]
        sources = [exists(r, "acknowledged") for r in resources[:50]]
        present = {a.environment for a in acks}
        envs = [e for e in inputs.environments if e in present]
        rows.append(
            [
                derived(rule, rule, sources),
                derived(reason, reason, sources),
                derived(envs, ", ".join(envs), sources),
                derived(len(acks), str(len(acks)), sources),
            ]
        )
    return t(["Rule", "Reason", "Environments", "Resources"], rows)
