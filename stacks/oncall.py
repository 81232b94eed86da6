"""AWS Systems Manager Incident Manager for one environment: who is on call and how a P1/P2 reaches them.

From the spec: a contact per person with its channels (e-mail, SMS, voice) and an engagement plan; an on-call
rotation and its on-call schedule per rotation; an escalation plan and a response plan per incident severity.
Alarms of those severities start an incident through the response plan (stacks/alerting.py), which engages
the escalation plan stage by stage until someone acknowledges. The replication set (one per account) comes
first: Incident Manager refuses response plans without one. Contact channels are sent an activation code
on creation; a person confirms it once before they can be engaged.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ssmcontacts as contacts
from aws_cdk import aws_ssmincidents as incidents
from constructs import Construct

from designspec.naming import contact_alias, response_plan_name, rotation_name
from designspec.oncall import IMPACT, Contact, IncidentManager, Rotation

CHANNEL_RETRY_MINUTES = 5
FIRST_STAGE_MINUTES = 5  # e-mail and SMS first; a voice call if not acknowledged by then


class IncidentResponse(Construct):
    """`self.response_plans`: severity -> response plan name, which the alarms of that severity engage."""

    def __init__(self, scope: Construct, id: str, *, spec: IncidentManager, name_prefix: str) -> None:
        super().__init__(scope, id)
        self._prefix = name_prefix
        self.replication_set = incidents.CfnReplicationSet(
            self,
            "ReplicationSet",
            regions=[
                incidents.CfnReplicationSet.ReplicationRegionProperty(region_name=Stack.of(self).region)
            ],
            deletion_protected=False,
        )
        self.targets: dict[str, str] = {}  # contact alias or rotation name -> contact ARN
        for person in spec.contacts:
            self.targets[person.alias] = self._person(person)
        for name, rotation in sorted(spec.rotations.items()):
            self.targets[name] = self._schedule(name, rotation)
        self.response_plans: dict[str, str] = {}
        for severity, stages in sorted(spec.escalation.items()):
            escalation = contacts.CfnContact(
                self,
                f"Escalation{severity}",
                alias=contact_alias(name_prefix, f"{severity.lower()}-escalation"),
                display_name=f"{name_prefix} {severity} escalation",
                type="ESCALATION",
                plan=[
                    contacts.CfnContact.StageProperty(
                        duration_in_minutes=stage.minutes,
                        targets=[
                            contacts.CfnContact.TargetsProperty(
                                contact_target_info=contacts.CfnContact.ContactTargetInfoProperty(
                                    contact_id=self.targets[target], is_essential=True
                                )
                            )
                            for target in stage.engage
                        ],
                    )
                    for stage in stages
                ],
            )
            self.response_plans[severity] = self._response_plan(severity, escalation.attr_arn)

    def _person(self, person: Contact) -> str:
        contact = contacts.CfnContact(
            self,
            f"Contact-{person.alias}",
            alias=contact_alias(self._prefix, person.alias),
            display_name=person.name,
            type="PERSONAL",
        )
        channels = {
            kind: contacts.CfnContactChannel(
                self,
                f"Channel-{person.alias}-{kind.lower()}",
                contact_id=contact.attr_arn,
                channel_name=f"{person.alias}-{kind.lower()}",
                channel_type=kind,
                channel_address=address,
                defer_activation=False,  # the activation code is sent now; the person confirms it once
            )
            for kind, address in person.channels().items()
        }
        first = [c for kind, c in channels.items() if kind != "VOICE"] or list(channels.values())
        later = [channels["VOICE"]] if "VOICE" in channels and first != [channels["VOICE"]] else []
        contacts.CfnPlan(
            self,
            f"Engagement-{person.alias}",
            contact_id=contact.attr_arn,
            stages=[
                contacts.CfnPlan.StageProperty(
                    duration_in_minutes=FIRST_STAGE_MINUTES if later else 0,
                    targets=[_channel(c) for c in first],
                ),
                *(
                    [
                        contacts.CfnPlan.StageProperty(
                            duration_in_minutes=0, targets=[_channel(c) for c in later]
                        )
                    ]
                    if later
                    else []
                ),
            ],
        )
        return contact.attr_arn

    def _schedule(self, name: str, rotation: Rotation) -> str:
        """The rotation, and the on-call schedule contact an escalation engages (whoever is on shift)."""
        if rotation.recurrence == "weekly":
            recurrence = contacts.CfnRotation.RecurrenceSettingsProperty(
                number_of_on_calls=1,
                recurrence_multiplier=1,
                weekly_settings=[
                    contacts.CfnRotation.WeeklySettingProperty(
                        day_of_week=rotation.handoff_day, hand_off_time=rotation.handoff_time
                    )
                ],
            )
        else:
            recurrence = contacts.CfnRotation.RecurrenceSettingsProperty(
                number_of_on_calls=1, recurrence_multiplier=1, daily_settings=[rotation.handoff_time]
            )
        shifts = contacts.CfnRotation(
            self,
            f"Rotation-{name}",
            name=rotation_name(self._prefix, name),
            contact_ids=[self.targets[alias] for alias in rotation.contacts],
            start_time=rotation.start,
            time_zone_id=rotation.time_zone,
            recurrence=recurrence,
        )
        schedule = contacts.CfnContact(
            self,
            f"Schedule-{name}",
            alias=contact_alias(self._prefix, name),
            display_name=f"{self._prefix} {name} on call",
            type="ONCALL_SCHEDULE",
            plan=[contacts.CfnContact.StageProperty(rotation_ids=[shifts.attr_arn])],
        )
        return schedule.attr_arn

    def _response_plan(self, severity: str, escalation_arn: str) -> str:
        name = response_plan_name(self._prefix, severity)
        plan = incidents.CfnResponsePlan(
            self,
            f"ResponsePlan{severity}",
            name=name,
            display_name=f"{self._prefix} {severity}",
            incident_template=incidents.CfnResponsePlan.IncidentTemplateProperty(
                title=f"{severity} alarm in {self._prefix}",
                impact=IMPACT[severity],
                summary=f"A {severity} CloudWatch alarm of {self._prefix} fired; its description names the "
                "runbook.",
            ),
            engagements=[escalation_arn],
        )
        plan.add_resource_dependency(self.replication_set)
        return name


def _channel(channel: contacts.CfnContactChannel) -> contacts.CfnPlan.TargetsProperty:
    return contacts.CfnPlan.TargetsProperty(
        channel_target_info=contacts.CfnPlan.ChannelTargetInfoProperty(
            channel_id=channel.attr_arn, retry_interval_in_minutes=CHANNEL_RETRY_MINUTES
        )
    )
