"""On-call: whom each severity topic reaches (e-mails, a paging URL's secret, Incident Manager response plans, or
nobody with the acknowledgement's reason), each response plan's escalation stages, and the on-call rotations.

Read from the templates only: topics and their subscriptions, the alarms' actions, the SSMContacts and
SSMIncidents resources.
"""

from __future__ import annotations

import re

from tests.doccheck.assembly import Assembly, Resource
from tests.doccheck.common import each_row, tables
from tests.doccheck.markdown import Doc
from tests.doccheck.observability import alarm_topics, incident_plans
from tests.doccheck.report import Result
from tests.doccheck.values import flatten, quantity, words


def check(doc: Doc, assembly: Assembly) -> Result:
    result = Result()
    _paths(doc, assembly, result)
    _rotations(doc, assembly, result)
    return result


def _paths(doc: Doc, assembly: Assembly, result: Result) -> None:
    topics = [t for t in assembly.resources("AWS::SNS::Topic") if "Severity" in t.tags]
    tabs = tables(doc, result, "Observability > On-call", ("severity", "reaches"), needed=bool(topics))
    rows = {
        (stage, row[t.column("severity") or ""].strip()): (t, row)
        for t, row, stage in each_row(tabs, assembly.stages)
    }
    alarms = assembly.resources("AWS::CloudWatch::Alarm")
    for topic in topics:
        stage, severity = topic.stack.stage, topic.tags["Severity"]
        where = f"Observability > On-call / {stage} / {severity}"
        found = rows.get((stage, severity))
        if not result.fact(found is not None, "oncall-missing-row", where, "no row", severity, topic.where()):
            continue
        assert found is not None
        table, row = found
        mine = [
            a for a in alarms if a.stack.stage == stage and any(t is topic for t in alarm_topics(a, assembly))
        ]
        result.equal(
            "oncall-alarms",
            where,
            quantity(row[table.column("alerts") or ""]),
            float(len(mine)),
            "AlarmActions",
        )
        reaches = row[table.column("reaches") or ""]
        subs = _subscribers(result, where, reaches, topic, assembly)
        plans = sorted({p for a in mine for p in incident_plans(a)})
        for name in plans:
            _response_plan(
                result, where, (reaches, row[table.column("escalation") or ""]), name, assembly, stage
            )
        reason = topic.raw.get("Metadata", {}).get("Unattended")
        if not subs and not plans:
            ok = reaches.startswith("nobody") and (not reason or words(reason) in words(reaches))
            result.fact(
                ok,
                "oncall-nobody",
                where,
                reaches,
                f"nobody{', ' + reason if reason else ''}",
                topic.where("Metadata"),
            )


def _subscribers(
    result: Result, where: str, reaches: str, topic: Resource, assembly: Assembly
) -> list[Resource]:
    """The topic's subscriptions: e-mails counted in the cell, any other endpoint named (a secret by its name)."""
    subs = [
        s
        for s in assembly.resources("AWS::SNS::Subscription")
        if assembly.resolve(s.stack, s.props.get("TopicArn")) is topic
    ]
    emails = [s for s in subs if s.props.get("Protocol") == "email"]
    if emails:
        m = re.search(r"(\d+) e-mails?", reaches)
        result.fact(
            bool(m) and int(m.group(1)) == len(emails),
            "oncall-emails",
            where,
            reaches,
            len(emails),
            "AWS::SNS::Subscription email",
        )
    for s in (s for s in subs if s.props.get("Protocol") != "email"):
        secret = re.search(r"resolve:secretsmanager:([^:}]+)", flatten(s.props.get("Endpoint")))
        want = secret.group(1) if secret else flatten(s.props.get("Endpoint"))
        result.fact(want in reaches, "oncall-paging", where, reaches, want, s.where("Endpoint"))
    return subs


def _response_plan(
    result: Result, where: str, cells: tuple[str, str], name: str, assembly: Assembly, stage: str
) -> None:
    """A response plan an alarm of the topic starts: named with its impact, its escalation in the next cell."""
    reaches, escalation = cells
    plan = next(
        (
            p
            for p in assembly.resources("AWS::SSMIncidents::ResponsePlan")
            if p.props.get("Name") == name and p.stack.stage == stage
        ),
        None,
    )
    impact = plan.props.get("IncidentTemplate", {}).get("Impact") if plan is not None else None
    result.fact(
        f"{name} (impact {impact})" in reaches,
        "oncall-response-plan",
        where,
        reaches,
        f"{name} (impact {impact})",
        plan.where("IncidentTemplate") if plan is not None else "AlarmActions response-plan ARN",
    )
    if plan is not None:
        _escalation(result, where, escalation, plan, assembly)


def _escalation(result: Result, where: str, cell: str, plan: Resource, assembly: Assembly) -> None:
    for ref in plan.props.get("Engagements", []):
        contact = assembly.resolve(plan.stack, ref)
        if contact is None:
            continue
        stages = contact.props.get("Plan", [])
        shown = re.findall(r"(\d+)\. [^→/]*?\((\d+) min\)", cell)
        want = [(str(i), str(s.get("DurationInMinutes", 0))) for i, s in enumerate(stages, 1)]
        result.equal("oncall-escalation-stages", where, shown, want, contact.where("Plan"))
        for stage in stages:
            for target in stage.get("Targets", []):
                person = assembly.resolve(contact.stack, target.get("ContactTargetInfo", {}).get("ContactId"))
                if person is not None:
                    name = str(person.props.get("DisplayName") or person.props.get("Alias"))
                    result.fact(
                        name in cell,
                        "oncall-escalation-target",
                        where,
                        cell,
                        name,
                        person.where("DisplayName"),
                    )


def _rotations(doc: Doc, assembly: Assembly, result: Result) -> None:
    found = assembly.resources("AWS::SSMContacts::Rotation")
    tabs = tables(
        doc, result, "Observability > On-call rotations", ("rotation", "hand-over"), needed=bool(found)
    )
    rows = {
        (stage, row[t.column("rotation") or ""].strip()): (t, row)
        for t, row, stage in each_row(tabs, assembly.stages)
    }
    for r in found:
        name = str(r.props.get("Name"))
        where = f"Observability > On-call rotations / {r.stack.stage} / {name}"
        hit = rows.get((r.stack.stage, name))
        if not result.fact(hit is not None, "rotation-missing-row", where, "no row", name, r.where()):
            continue
        assert hit is not None
        table, row = hit
        people = [assembly.resolve(r.stack, ref) for ref in r.props.get("ContactIds", [])]
        names = [str(p.props.get("DisplayName")) for p in people if p is not None]
        shown = [n.strip() for n in row[table.column("contacts") or ""].split("→")]
        result.equal("rotation-contacts", where, shown, names, r.where("ContactIds"))
        handoff = row[table.column("hand-over") or ""]
        weekly = r.props.get("Recurrence", {}).get("WeeklySettings", [])
        for w in weekly:
            result.fact(
                w["DayOfWeek"] in handoff and w["HandOffTime"] in handoff,
                "rotation-handoff",
                where,
                handoff,
                w,
                r.where("Recurrence"),
            )
        result.fact(
            str(r.props.get("TimeZoneId")) in handoff,
            "rotation-zone",
            where,
            handoff,
            r.props.get("TimeZoneId"),
            r.where("TimeZoneId"),
        )
        result.equal(
            "rotation-start",
            where,
            row[table.column("starts") or ""],
            r.props.get("StartTime"),
            r.where("StartTime"),
        )
