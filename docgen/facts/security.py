"""Security facts: IAM roles and what they may do, secrets and their rotation, KMS keys, nag acknowledgements."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from docgen.assembly.model import Acknowledgement, Resource
from docgen.facts.fact import Fact, derived, exists, prop
from docgen.facts.index import Index, name_fact, name_of


@dataclass(frozen=True)
class Role:
    resource: Resource
    name: Fact
    assumed_by: Fact
    permissions: tuple[Fact, ...]


def roles(index: Index, env: str) -> list[Role]:
    policies = index.of_type("AWS::IAM::Policy", env)
    out = []
    for role in index.of_type("AWS::IAM::Role", env):
        trust = prop(role, "AssumeRolePolicyDocument", "Statement", default=[])
        principals = sorted({_principal(s) for s in trust.value or [] if isinstance(s, dict)} - {""})
        perms: list[Fact] = []
        for i, managed in enumerate(role.properties.get("ManagedPolicyArns") or ()):
            name = json.dumps(managed).split("policy/")[-1].strip('"]}')
            perms.append(prop(role, "ManagedPolicyArns", i, fmt=lambda v, n=name: f"managed: {n}"))
        for i, inline in enumerate(role.properties.get("Policies") or ()):
            statements = ((inline or {}).get("PolicyDocument") or {}).get("Statement") or []
            for j, st in enumerate(statements if isinstance(statements, list) else [statements]):
                perms.append(_statement(index, role, j, st, ("Policies", i, "PolicyDocument", "Statement")))
        for pol in policies:
            if role in index.targets(pol, pol.properties.get("Roles")):
                statements = (pol.properties.get("PolicyDocument") or {}).get("Statement") or []
                for i, st in enumerate(statements if isinstance(statements, list) else [statements]):
                    perms.append(_statement(index, pol, i, st))
        label = role.label if not role.service else ("/".join(role.path.split("/")[2:-1]) or role.logical_id)
        out.append(
            Role(
                resource=role,
                name=exists(role, label),
                assumed_by=derived(principals, ", ".join(principals) or "-", [trust]),
                permissions=tuple(sorted(_unique(perms), key=lambda f: f.text)),
            )
        )
    return sorted(out, key=lambda r: r.name.text)


def _principal(statement: dict[str, Any]) -> str:
    principal = statement.get("Principal") or {}
    if isinstance(principal, dict):
        service = principal.get("Service") or principal.get("Federated") or principal.get("AWS") or ""
        return (
            ", ".join(service)
            if isinstance(service, list)
            else str(service)
            if isinstance(service, str)
            else "account"
        )
    return str(principal)


def _statement(
    index: Index, pol: Resource, i: int, st: Any, at: tuple[str | int, ...] = ("PolicyDocument", "Statement")
) -> Fact:
    actions = st.get("Action") if isinstance(st, dict) else None
    actions = actions if isinstance(actions, list) else [actions]
    resource = st.get("Resource") if isinstance(st, dict) else None
    on = sorted({name_of(t) for t in index.targets(pol, resource)}) or (
        ["*"] if resource == "*" else ["scoped ARN"]
    )
    text = f"{', '.join(sorted(str(a) for a in actions))} on {', '.join(on)}"
    return prop(pol, *at, i, fmt=lambda _v, t=text: t)


def _unique(facts: list[Fact]) -> list[Fact]:
    seen: dict[str, Fact] = {}
    for f in facts:
        seen.setdefault(f.text, f)
    return list(seen.values())


@dataclass(frozen=True)
class Secret:
    resource: Resource
    owner: Fact
    description: Fact
    rotation: Fact
    key: Fact


def secrets(index: Index, env: str) -> list[Secret]:
    schedules = _schedules(index, env)
    out = []
    for s in index.of_type("AWS::SecretsManager::Secret", env):
        description = prop(
            s,
            "Description",
            default=None,
            fmt=lambda v: v if isinstance(v, str) else "generated database credentials" if v else "-",
        )
        schedule = schedules.get(s.logical_id + "@" + s.stack)
        out.append(
            Secret(
                resource=s,
                owner=name_fact(s),
                description=description,
                rotation=schedule
                if schedule is not None
                else exists(s, "none scheduled (manual, see runbook)"),
                key=prop(
                    s,
                    "KmsKeyId",
                    default=None,
                    fmt=lambda v: "AWS managed key" if v is None else "customer managed key",
                ),
            )
        )
    return sorted(out, key=lambda x: (x.owner.text, x.description.text))


def _schedules(index: Index, env: str) -> dict[str, Fact]:
    """Secret (logical id@stack) -> its rotation, from the RotationSchedule that names it."""
    out: dict[str, Fact] = {}
    for schedule in index.of_type("AWS::SecretsManager::RotationSchedule", env):
        rules = schedule.properties.get("RotationRules") or {}
        if "ScheduleExpression" in rules:
            when = prop(schedule, "RotationRules", "ScheduleExpression", fmt=_every)
        elif "AutomaticallyAfterDays" in rules:
            when = prop(schedule, "RotationRules", "AutomaticallyAfterDays", fmt=lambda v: f"every {v} days")
        else:
            when = exists(schedule, "scheduled")
        how = "hosted rotation" if "HostedRotationLambda" in schedule.properties else "rotation function"
        fact = derived(when.value, f"{when.text} ({how})", [when, exists(schedule, how)])
        for target in index.targets(schedule, schedule.properties.get("SecretId")):
            if target.type == "AWS::SecretsManager::SecretTargetAttachment":
                for secret in index.targets(target, target.properties.get("SecretId")):
                    out[secret.logical_id + "@" + secret.stack] = fact
            out[target.logical_id + "@" + target.stack] = fact
    return out


def _every(expression: Any) -> str:
    match = re.fullmatch(r"rate\((.*)\)", str(expression))
    return f"every {match.group(1)}" if match else str(expression)


@dataclass(frozen=True)
class Key:
    resource: Resource
    owner: Fact
    rotation: Fact
    description: Fact


def kms_keys(index: Index, env: str) -> list[Key]:
    return sorted(
        (
            Key(
                k,
                name_fact(k),
                prop(
                    k,
                    "EnableKeyRotation",
                    default=False,
                    fmt=lambda v: "yes" if v in (True, "true") else "no",
                ),
                prop(k, "Description", default="-", fmt=lambda v, e=env: _without_env(str(v), e)),
            )
            for k in index.of_type("AWS::KMS::Key", env)
        ),
        key=lambda k: (k.owner.text, k.description.text),
    )


def _without_env(description: str, env: str) -> str:
    """`acme-agents-prod: SQS queues` -> `SQS queues`: a prefix naming the environment says what the
    Environment column already does (and would keep one key per environment from reading as one)."""
    head, sep, rest = description.partition(": ")
    return rest if sep and env in head.replace(" ", "-").split("-") else description


def acknowledgement_groups(acks: tuple[Acknowledgement, ...]) -> dict[tuple[str, str], list[Acknowledgement]]:
    groups: dict[tuple[str, str], list[Acknowledgement]] = {}
    for a in acks:
        groups.setdefault((a.rule, a.reason), []).append(a)
    return dict(sorted(groups.items()))
