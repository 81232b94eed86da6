"""On-call facts: who each severity's alarms reach (topic subscribers, HTTPS paging, Incident Manager response
plans, or an acknowledged absence), the escalation path of each response plan stage by stage, and the on-call
rotations (AWS::SSMContacts::Rotation) with their contacts and hand-over."""

from __future__ import annotations

import re
from dataclasses import dataclass

from docgen.assembly import intrinsics
from docgen.assembly.model import Resource
from docgen.facts import observability as obs
from docgen.facts.fact import Fact, derived, exists, meta, prop
from docgen.facts.index import Index

RESPONSE_PLAN_ARN = re.compile(r":ssm-incidents::[^:]*:response-plan/([A-Za-z0-9_-]+)")
SECRET_REF = re.compile(r"\{\{resolve:secretsmanager:([^:}]+)")


def response_plan_name(action: object) -> str | None:
    """The response plan an alarm action starts an incident with (its ARN is built from the plan's name)."""
    m = RESPONSE_PLAN_ARN.search(intrinsics.text(action))
    return m.group(1) if m else None


@dataclass(frozen=True)
class Rotation:
    resource: Resource
    name: Fact
    contacts: Fact
    handoff: Fact
    start: Fact


def _contact_name(index: Index, owner: Resource, ref: object) -> Fact:
    for target in index.targets(owner, ref):
        if target.type == "AWS::SSMContacts::Contact":
            display = prop(target, "DisplayName", default=None)
            return display if display.value else prop(target, "Alias")
    return Fact(None, intrinsics.text(ref), ())


def rotations(index: Index, env: str) -> list[Rotation]:
    out = []
    for r in index.of_type("AWS::SSMContacts::Rotation", env):
        people = [_contact_name(index, r, ref) for ref in r.properties.get("ContactIds") or []]
        recurrence = r.properties.get("Recurrence") or {}
        weekly = recurrence.get("WeeklySettings") or []
        daily = recurrence.get("DailySettings") or []
        zone = prop(r, "TimeZoneId")
        if weekly:
            text = ", ".join(f"weekly, {w.get('DayOfWeek')} {w.get('HandOffTime')}" for w in weekly)
        elif daily:
            text = ", ".join(f"daily, {t}" for t in daily)
        else:
            text = "-"
        handoff = derived(text, f"{text} {zone.text}", [prop(r, "Recurrence"), zone])
        contacts = derived(
            [p.text for p in people],
            " → ".join(p.text for p in people) or "-",
            people or [exists(r, "rotation")],
        )
        out.append(Rotation(r, prop(r, "Name"), contacts, handoff, prop(r, "StartTime")))
    return sorted(out, key=lambda x: x.name.text)


def _plan_by_name(index: Index, env: str) -> dict[str, Resource]:
    return {str(p.properties.get("Name")): p for p in index.of_type("AWS::SSMIncidents::ResponsePlan", env)}


def escalation(index: Index, plan: Resource) -> Fact:
    """The plan's escalation, stage by stage: `1. 10 min: primary on call (Alice, Bob) → 2. 0 min: Erin`."""
    stages: list[str] = []
    facts: list[Fact] = [prop(plan, "Engagements")]
    for target in (t for ref in plan.properties.get("Engagements") or [] for t in index.targets(plan, ref)):
        if target.type != "AWS::SSMContacts::Contact":
            continue
        for i, stage in enumerate(target.properties.get("Plan") or [], 1):
            who = [
                _target_text(index, target, t.get("ContactTargetInfo", {}).get("ContactId"))
                for t in stage.get("Targets") or []
            ]
            stages.append(f"{i}. {', '.join(w.text for w in who)} ({stage.get('DurationInMinutes', 0)} min)")
            facts += who
        facts.append(prop(target, "Plan"))
    return derived(stages, " → ".join(stages) or "-", facts)


def _target_text(index: Index, owner: Resource, ref: object) -> Fact:
    """A contact by name; an on-call schedule as its rotation's name and members."""
    for target in index.targets(owner, ref):
        if target.type != "AWS::SSMContacts::Contact":
            continue
        if target.properties.get("Type") == "ONCALL_SCHEDULE":
            members: list[Fact] = []
            for stage in target.properties.get("Plan") or []:
                for rotation in (
                    t for ref2 in stage.get("RotationIds") or [] for t in index.targets(target, ref2)
                ):
                    people = [
                        _contact_name(index, rotation, c) for c in rotation.properties.get("ContactIds") or []
                    ]
                    members += people
            name = prop(target, "DisplayName", default=None)
            text = f"{name.text} ({' or '.join(p.text for p in members)})" if members else name.text
            return derived(name.value, text, [name, *members])
        return _contact_name(index, owner, ref)
    return Fact(None, intrinsics.text(ref), ())


@dataclass(frozen=True)
class SeverityPath:
    severity: Fact
    alarms: Fact
    reaches: Fact
    escalation: Fact
    reached: bool  # a person is reached, or the absence is acknowledged


def paths(index: Index, env: str) -> list[SeverityPath]:
    """Per severity topic: how many alarms notify it, whom it reaches, and how an incident escalates."""
    alarms = obs.alarms(index, env)
    plans = _plan_by_name(index, env)
    out = []
    for topic in obs.topics(index, env):
        if topic.severity.value is None:
            continue
        mine = [a for a in alarms if topic.resource in a.topics]
        engaged = sorted(
            {
                n
                for a in mine
                for n in (response_plan_name(x) for x in a.resource.properties.get("AlarmActions") or [])
                if n
            }
        )
        reaches = _subscribers(index, topic)
        plan_facts = []
        for name in engaged:
            plan = plans.get(name)
            if plan is not None:
                impact = prop(plan, "IncidentTemplate", "Impact")
                plan_facts.append(
                    derived(name, f"Incident Manager response plan {name} (impact {impact.text})", [impact])
                )
        unattended = meta(topic.resource, "Unattended", default=None)
        parts = reaches + plan_facts
        if parts:
            text = "; ".join(p.text for p in parts)
        elif unattended.value:
            text = f"nobody, acknowledged: {unattended.text}"
        else:
            text = "nobody" if mine else "nobody; no alarm notifies it"
        sources = parts or [unattended]
        steps = [escalation(index, plans[n]) for n in engaged if n in plans]
        out.append(
            SeverityPath(
                severity=topic.severity,
                alarms=derived(len(mine), str(len(mine)), [a.severity for a in mine] or [topic.name]),
                reaches=derived(text, text, sources),
                escalation=derived(
                    [s.value for s in steps], " / ".join(s.text for s in steps) or "-", steps or [topic.name]
                ),
                reached=bool(parts) or bool(unattended.value),
            )
        )
    return sorted(out, key=lambda p: p.severity.text)


def _subscribers(index: Index, topic: obs.Topic) -> list[Fact]:
    """The topic's subscriptions by protocol: e-mails counted, an HTTPS endpoint by the secret it is read from."""
    subs = index.referring(topic.resource, "AWS::SNS::Subscription", "TopicArn")
    out: list[Fact] = []
    emails = [s for s in subs if s.properties.get("Protocol") == "email"]
    if emails:
        text = f"{len(emails)} e-mail{'s' if len(emails) != 1 else ''}"
        out.append(derived(len(emails), text, [prop(s, "Endpoint") for s in emails]))
    for s in subs:
        protocol = str(s.properties.get("Protocol"))
        if protocol == "email":
            continue
        endpoint = prop(s, "Endpoint")
        secret = SECRET_REF.search(endpoint.text)
        where = f"URL from secret {secret.group(1)}" if secret else endpoint.text
        out.append(derived(protocol, f"{protocol.upper()} paging ({where})", [endpoint, prop(s, "Protocol")]))
    return out
