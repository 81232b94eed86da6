"""Observability: log groups and retention, alarms with severity, runbook and who they notify, alarm topics
with their subscribers, dashboards."""

from __future__ import annotations

from docgen.facts import observability as obs
from docgen.sections.inputs import SectionInputs
from docgen.sections.model import DocModel, t


def build(model: DocModel, inputs: SectionInputs) -> None:
    log_rows, alarm_rows, topic_rows, dash_rows = [], [], [], []
    for env in inputs.environments:
        name = inputs.env_name(env)
        log_rows += [[name, g.owner, g.kind, g.retention] for g in obs.log_groups(inputs.index, env)]
        alarm_rows += [
            [name, a.name, a.severity, a.metric, a.condition, a.runbook, a.notifies]
            for a in obs.alarms(inputs.index, env)
        ]
        topic_rows += [[name, x.name, x.severity, x.subscribers] for x in obs.topics(inputs.index, env)]
        dash_rows += [
            [name, d.kind, d.name, d.widgets, d.sections] for d in obs.dashboards(inputs.index, env)
        ]
    model.tables["logs"] = t(["Environment", "Owner", "Log type", "Retention"], log_rows)
    model.tables["alarms"] = t(
        ["Environment", "Alarm", "Severity", "Metric", "Condition", "Runbook", "Notifies"], alarm_rows
    )
    model.tables["topics"] = t(["Environment", "Topic", "Severity", "Subscribers"], topic_rows)
    model.tables["dashboards"] = t(["Environment", "Kind", "Dashboard", "Widgets", "Sections"], dash_rows)
