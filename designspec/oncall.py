"""On-call: who each severity's alarms reach, and the one check that every alarm reaches a person.

A severity topic reaches people through its e-mail subscribers (`notify`, or the environment's budget
e-mails), an HTTPS paging subscription (PagerDuty, Opsgenie: the URL is read from Secrets Manager at deploy
time, never written in a template), or AWS Systems Manager Incident Manager (contacts, an on-call rotation, an
escalation plan and a response plan per severity, engaged by the alarms themselves). A topic that nothing of
these reaches fails the spec check, unless `unattended` acknowledges it with a reason.

Incident Manager has been closed to new AWS customers since 2025-11-07: accounts onboarded before keep it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from designspec.base import Strict
from designspec.fields import DISPLAY_NAME, LOCAL_DATETIME, LOCAL_TIME, PHONE, SECRET_NAME, Name, Text

if TYPE_CHECKING:
    from designspec.model import Design

Severity = Literal["P1", "P2", "P3", "P4"]
IncidentSeverity = Literal["P1", "P2"]  # P3/P4 notify and open tickets; only P1/P2 open incidents
IMPACT = {"P1": 1, "P2": 2}  # Incident Manager's impact: 1 critical, 2 high
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]
Phone = Annotated[str, StringConstraints(pattern=PHONE)]  # E.164, as SMS and voice channels take them
Reason = Annotated[str, StringConstraints(min_length=20, max_length=500, pattern=r"^[^\p{Cc}\p{Cf}]*$")]
# A Secrets Manager secret name created outside the stacks (it must hold the URL before the first deploy).
SecretName = Annotated[str, StringConstraints(pattern=SECRET_NAME)]
JsonKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]
DisplayName = Annotated[str, StringConstraints(max_length=255, pattern=DISPLAY_NAME)]
Weekday = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
LocalTime = Annotated[str, StringConstraints(pattern=LOCAL_TIME)]
LocalDateTime = Annotated[str, StringConstraints(pattern=LOCAL_DATETIME)]


class Notify(Strict):
    """E-mails per severity topic; a severity with none gets the environment's budget e-mails."""

    P1: tuple[Email, ...] = ()
    P2: tuple[Email, ...] = ()
    P3: tuple[Email, ...] = ()
    P4: tuple[Email, ...] = ()


class Contact(Strict):
    """A person Incident Manager engages: a contact with its channels (at least one)."""

    alias: Name
    name: DisplayName
    email: Email | None = None
    sms: Phone | None = None
    voice: Phone | None = None

    def channels(self) -> dict[str, str]:
        """Channel type -> address, in the order they are engaged."""
        given = {"EMAIL": self.email, "SMS": self.sms, "VOICE": self.voice}
        return {kind: address for kind, address in given.items() if address}


class Rotation(Strict):
    """An on-call rotation: the contacts take turns, handing over every week (or day) at a local time."""

    contacts: tuple[Name, ...] = Field(min_length=1, max_length=30)
    start: LocalDateTime  # when the first shift starts, in `time_zone`
    time_zone: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+){0,2}$")] = "UTC"
    recurrence: Literal["weekly", "daily"] = "weekly"
    handoff_day: Weekday = "MON"  # weekly rotations
    handoff_time: LocalTime = "09:00"


class EscalationStage(Strict):
    """One stage of an escalation plan: who is engaged, and how long before the next stage starts."""

    engage: tuple[Name, ...] = Field(min_length=1, max_length=10)  # contact aliases or rotation names
    minutes: int = Field(default=15, ge=0, le=30)  # Incident Manager allows 0-30 minutes per stage


class IncidentManager(Strict):
    """Incident Manager in the environments named (default: every AWS environment; one account each)."""

    environments: tuple[Name, ...] = ()
    contacts: tuple[Contact, ...] = Field(min_length=1)
    rotations: dict[Name, Rotation] = Field(default_factory=dict)
    # A response plan and an escalation plan per severity; alarms of that severity start an incident.
    escalation: dict[IncidentSeverity, tuple[EscalationStage, ...]] = Field(min_length=1)


class Paging(Strict):
    """An HTTPS subscription to a paging service on the severity topics named."""

    url_secret: SecretName  # a secret (created beforehand) whose value is the paging service's HTTPS URL
    json_key: JsonKey | None = None  # when the secret holds JSON: the key of the URL
    severities: tuple[Severity, ...] = ("P1", "P2")
    environments: tuple[Name, ...] = ()  # default: every AWS environment


class Unattended(Strict):
    """Severity topics that intentionally have no subscriber, with why (shown in the doc)."""

    severities: tuple[Severity, ...] = Field(min_length=1)
    reason: Reason
    environments: tuple[Name, ...] = ()  # default: every AWS environment


class OnCall(Strict):
    rotation: Text = "Weekly primary and secondary on-call rotation, handed over on Monday 10:00 local time"
    escalation: tuple[Text, ...] = (
        "Primary on-call acknowledges within 15 minutes (P1/P2) or the next business day (P3/P4)",
        "Secondary on-call if not acknowledged in time",
        "Engineering manager, then the incident commander for a P1 lasting over an hour",
    )
    notify: Notify = Notify()
    paging: Paging | None = None
    incident_manager: IncidentManager | None = None
    unattended: tuple[Unattended, ...] = ()


def applies(environments: tuple[str, ...], env: str) -> bool:
    return not environments or env in environments


def incident_severities(design: Design, env: str) -> tuple[str, ...]:
    """The severities whose alarms start an Incident Manager incident in `env`."""
    im = design.observability.on_call.incident_manager
    if im is None or not applies(im.environments, env):
        return ()
    return tuple(sorted(im.escalation))


def paged_severities(design: Design, env: str) -> tuple[str, ...]:
    paging = design.observability.on_call.paging
    if paging is None or not applies(paging.environments, env):
        return ()
    return tuple(sorted(set(paging.severities)))


def emails(design: Design, env: str, severity: str) -> tuple[str, ...]:
    """E-mail subscribers of a severity topic: on_call.notify, else the environment's budget e-mails."""
    budget = design.environments[env].budget
    return getattr(design.observability.on_call.notify, severity) or (budget.emails if budget else ())


def unattended_reason(design: Design, env: str, severity: str) -> str | None:
    return next(
        (
            u.reason
            for u in design.observability.on_call.unattended
            if severity in u.severities and applies(u.environments, env)
        ),
        None,
    )


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def oncall_problems(design: Design) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Names and references of the on-call settings (before the reach check, which needs them right)."""
    on_call, here = design.observability.on_call, ("observability", "on_call")
    aws = design.aws_environments()
    for key, settings in (("paging", on_call.paging), ("incident_manager", on_call.incident_manager)):
        for j, name in enumerate(settings.environments if settings else ()):
            if name not in aws:
                yield (*here, key, "environments", j), _unknown_env(name, aws)
    for i, item in enumerate(on_call.unattended):
        for j, name in enumerate(item.environments):
            if name not in aws:
                yield (*here, "unattended", i, "environments", j), _unknown_env(name, aws)
    if on_call.incident_manager is not None:
        yield from _incident_manager(design, on_call.incident_manager, (*here, "incident_manager"))


def _unknown_env(name: str, aws: dict[str, object]) -> str:
    return f"unknown aws environment {name!r}; aws environments: {', '.join(aws) or 'none'}"


def _incident_manager(
    design: Design, im: IncidentManager, here: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    aliases: set[str] = set()
    for i, contact in enumerate(im.contacts):
        if contact.alias in aliases:
            yield (*here, "contacts", i, "alias"), f"duplicate contact alias {contact.alias!r}"
        aliases.add(contact.alias)
        if not contact.channels():
            yield (*here, "contacts", i), f"contact {contact.alias!r} needs at least one of email, sms, voice"
    for name, rotation in im.rotations.items():
        if name in aliases:
            yield (*here, "rotations", name), f"rotation {name!r} has the name of a contact; rename one"
        if rotation.time_zone not in _zones():
            yield (
                (*here, "rotations", name, "time_zone"),
                f"{rotation.time_zone!r} is not an IANA time zone (such as Europe/Berlin or America/New_York)",
            )
        for j, alias in enumerate(rotation.contacts):
            if alias not in aliases:
                yield (*here, "rotations", name, "contacts", j), _unknown_contact(alias, aliases)
    targets = aliases | set(im.rotations)
    for severity, stages in im.escalation.items():
        if not stages:
            yield (*here, "escalation", severity), "an escalation needs at least one stage"
        for j, stage in enumerate(stages):
            for k, alias in enumerate(stage.engage):
                if alias not in targets:
                    yield (*here, "escalation", severity, j, "engage", k), _unknown_contact(alias, targets)
    accounts: dict[str, str] = {}
    for env in (e for e in design.aws_environments() if applies(im.environments, e)):
        account = design.environments[env].account or ""
        if account in accounts:
            yield (
                (*here, "environments"),
                f"environments {accounts[account]!r} and {env!r} share account {account}; Incident Manager "
                "keeps one replication set, one contact alias space per account: list one of them here",
            )
        accounts[account] = env


def _unknown_contact(alias: str, known: set[str]) -> str:
    return f"unknown contact or rotation {alias!r}; defined: {', '.join(sorted(known)) or 'none'}"


BUDGET_SEVERITY = "P3"  # a cost overrun is not an outage (stacks/stage.py routes the budget to this topic)
CDN_METRICS_REGION = "us-east-1"  # CloudFront publishes its metrics there only (stacks/edge.py)


def alarm_kinds(design: Design, env: str) -> set[str]:
    """The alarm kinds `env`'s stacks create (stacks/stage.py and stacks/monitoring.py decide the same)."""
    routed = bool(design.http_services() or design.container_frontends())
    workloads = bool(design.services or design.container_frontends())
    kinds = {"alb-5xx"}  # the platform's ALB is always there
    kinds |= {"availability", "high-errors", "latency-p50", "latency-p99"} if routed else set()
    if routed and design.observability.anomaly_detection.enabled:
        kinds |= {"request-anomaly", "latency-anomaly"}
    kinds |= {"high-cpu", "high-memory"} if workloads else set()
    kinds |= {"db-connection", "db-storage"} if design.databases else set()
    kinds |= {"redis-memory"} if design.caches else set()
    kinds |= {"queue-age", "dlq-depth"} if design.queues else set()
    if design.static_frontends() and design.environments[env].region == CDN_METRICS_REGION:
        kinds.add("cloudfront-5xx")
    return kinds


def severities_in_use(design: Design) -> dict[str, set[str]]:
    """Per AWS environment, the severities its alarms and its budget publish to."""
    severities = design.observability.severities
    out: dict[str, set[str]] = {}
    for env, spec in design.aws_environments().items():
        used = {severities.of(kind) for kind in alarm_kinds(design, env)}
        out[env] = used | ({BUDGET_SEVERITY} if spec.budget else set())
    return out


def reach_problems(design: Design) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every severity topic an alarm (or the budget) publishes to reaches a person, or is acknowledged."""
    here = ("observability", "on_call")
    in_use = severities_in_use(design)
    for env, used in in_use.items():
        for severity in sorted(used):
            reached = (
                emails(design, env, severity)
                or severity in paged_severities(design, env)
                or severity in incident_severities(design, env)
            )
            if not reached and unattended_reason(design, env, severity) is None:
                yield (
                    (*here, "notify", severity),
                    f"topic Alarms/{severity} of stack {design.project}-{env}-Observability has no subscriber, "
                    f"so the {severity} alarms of {env!r} reach nobody; add e-mails under "
                    f"on_call.notify.{severity} (or a budget e-mail), page it (on_call.paging), or acknowledge "
                    f"it under on_call.unattended (severities [{severity}], a reason)",
                )
    for i, item in enumerate(design.observability.on_call.unattended):
        for env in (e for e in in_use if applies(item.environments, e)):
            for severity in (s for s in item.severities if s in in_use[env]):
                if (
                    emails(design, env, severity)
                    or severity in paged_severities(design, env)
                    or severity in incident_severities(design, env)
                ):
                    yield (
                        (*here, "unattended", i),
                        f"the {severity} topic of environment {env!r} has subscribers; acknowledging it as "
                        "unattended does nothing there: remove the severity or narrow the environments",
                    )
